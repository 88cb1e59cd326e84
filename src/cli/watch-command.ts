/**
 * `stripe-redact watch [--state FILE] [--stripe-account acct_…]`: the reappearance watch on its own
 * (every redact run does it too). Reads the account's customer events since the state's cursor,
 * writes `<out>/reappeared.csv` and exits 3 when someone whose request was erased came back — never
 * acting on them. Its resources are opened as a run's are (run-resources.ts).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { GatewayError, StripeRedactError } from '../errors.js';
import { createLogger, type Logger } from '../io/logger.js';
import { reportReappearances, watchReappearances } from '../pipeline/watch-reappearances.js';
import { afterErasureLines } from './after-erasure-lines.js';
import { openBudget, openGateway, openState, ResourceStack } from './run-resources.js';
import { parseRunConfig } from './run-config.js';
import { accountStatePath } from './state-path.js';
import { parseCommandLine, usageLine, withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';

const HELP_HINT = 'stripe-redact watch --help';

interface RawWatchOptions {
  state?: string;
  out?: string;
  apiBase?: string;
  live?: boolean;
  maxRps?: string;
  stripeAccount?: string;
  logLevel?: string;
  quiet?: boolean;
}

function buildCommand(): Command {
  return withUsageErrors(
    new Command('stripe-redact watch')
      .description('people who came back after their erasure: customers written with an erased email since the last watch')
      .option('--state <file>', "the state whose erased requests are watched (default: the key's account's state)")
      .option('--out <dir>', 'where reappeared.csv and stripe-redact.log go', 'output')
      .option('--api-base <url>', 'another Stripe-compatible base URL (e.g. a running emulator)')
      .option('--live', 'required to use a live-mode key (sk_live_, rk_live_)')
      .option('--max-rps <n>', 'request budget per second (default: 50 live, 20 test)')
      .option('--stripe-account <id>', "watch this connected account (acct_…): its default state, or with --state the one beside FILE (FILE.acct_….db)")
      .option('--log-level <level>', 'what reaches stderr: error, warn, info or debug (default: info on a TTY, warn otherwise)')
      .option('--quiet', 'errors only on stderr: no summary')
      .addHelpText(
        'after',
        `
The key comes from STRIPE_API_KEY (a restricted key needs Events: Read; without it the watch lists
the customers created since its cursor instead, with Customers: Read). Nothing is done to the
customers it finds: a person decides. Exit codes: 0 no one came back; 3 someone did (reappeared.csv);
1 Stripe or the state could not be read; 2 usage.`,
      ),
    HELP_HINT,
  );
}

export async function watchCommand(argv: string[]): Promise<CommandOutcome> {
  const command = buildCommand();
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const raw = command.opts<RawWatchOptions>();
  // The key, the target, the budget and the log options are checked as `run` checks them.
  // newState: the watch's own check below says a watch never starts a state.
  const parsed = parseRunConfig('-', { ...raw, newState: raw.state !== undefined }, process.env, Boolean(process.stderr.isTTY));
  if ('problems' in parsed) {
    for (const problem of parsed.problems) process.stderr.write(usageLine(problem.message, HELP_HINT));
    return { kind: 'usage' };
  }
  const config = parsed.config;
  // With --stripe-account, --state names the platform's state and the account's is the one beside
  // it, as for expire and suppression (docs/contract.md#watch).
  const statePath = config.stripeAccount === undefined ? raw.state : accountStatePath(raw.state, config.stripeAccount);
  if (statePath !== undefined && !existsSync(resolve(statePath))) {
    process.stderr.write(usageLine(`--state ${resolve(statePath)}: there is no such state file (a watch never starts a state)`, HELP_HINT));
    return { kind: 'usage' };
  }
  const stack = new ResourceStack();
  let logger: Logger | undefined;
  try {
    logger = stack.use(
      createLogger({ format: config.logFormat, level: config.logLevel, logFile: join(config.outDir, 'stripe-redact.log'), logFileLevel: 'debug', stream: process.stderr }),
      (l) => l.close(),
    );
    const budget = openBudget(stack, { maxRps: config.maxRps, maxSearchRps: config.maxSearchRps });
    const gateway = openGateway({
      apiKey: config.apiKey,
      ...(config.target.kind === 'url' ? { apiBase: config.target.url } : {}),
      budget,
      logger,
      ...(config.stripeAccount !== undefined ? { stripeAccount: config.stripeAccount } : {}),
    });
    const state = await openState(stack, {
      gateway,
      statePath,
      livemode: config.livemode,
      ...(process.env.STRIPE_REDACT_HASH_KEY ? { hashKey: process.env.STRIPE_REDACT_HASH_KEY } : {}),
      logger,
      ...(config.stripeAccount !== undefined ? { stripeAccount: config.stripeAccount } : {}),
      mustExist: 'a watch never starts a state',
    });
    const { store } = state;
    const outcome = await watchReappearances({ gateway, store, logger, runId: null });
    const reappearedPath = outcome.source === 'skipped' ? null : await reportReappearances(store, config.outDir, outcome.reappeared);
    if (!config.quiet) {
      const reappeared = outcome.source === 'skipped' ? null : outcome.reappeared.length;
      process.stderr.write(
        [
          `stripe-redact watch: ${outcome.source === 'skipped' ? 'skipped' : `${outcome.pages} page(s) of ${outcome.source} since ${outcome.from}, ${outcome.seen} customer(s) seen`}; API calls: ${budget.totalCalls}`,
          ...afterErasureLines({ reappeared, watch: outcome, reappearedPath }, { alwaysCount: true }),
          `  state: ${state.path} (${state.account.id}, ${state.livemode ? 'live' : 'test'} mode)`,
          '',
        ].join('\n'),
      );
    }
    if (outcome.source === 'skipped') return { kind: 'failed' };
    return outcome.reappeared.length > 0 ? { kind: 'reappeared' } : { kind: 'done' };
  } catch (error) {
    let message = error instanceof Error ? error.message : String(error);
    if (error instanceof GatewayError && (error.kind === 'auth' || error.kind === 'permission')) message = `Stripe refused the API key (${error.kind}): ${message}`;
    logger?.error('watch aborted', { error: message });
    process.stderr.write(`stripe-redact: ${message}\n`);
    if (!(error instanceof StripeRedactError) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return { kind: 'error', error };
  } finally {
    await stack.close();
  }
}
