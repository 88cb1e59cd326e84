/**
 * `stripe-redact watch [--state FILE]`: the reappearance watch on its own (every redact run does it
 * too). Reads the account's customer events since the state's cursor, writes `<out>/reappeared.csv`
 * and exits 3 when someone whose request was erased came back — never acting on them.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { GatewayError, StripeRedactError } from '../errors.js';
import { createLogger, type Logger } from '../io/logger.js';
import type { StateStore } from '../state/state-store.js';
import { budgetedSend } from '../pipeline/budgeted-send.js';
import { RateBudget } from '../pipeline/rate-budget.js';
import { DEFAULT_RETRY_POLICY } from '../pipeline/retry.js';
import { reportReappearances, watchReappearances } from '../pipeline/watch-reappearances.js';
import { createStripeGateway } from '../stripe/stripe-gateway.js';
import { afterErasureLines } from './after-erasure-lines.js';
import { openStateForAccount } from './open-state.js';
import { parseRunConfig } from './run-config.js';
import { parseCommandLine, usageLine, withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';

const HELP_HINT = 'stripe-redact watch --help';

interface RawWatchOptions {
  state?: string;
  out?: string;
  apiBase?: string;
  live?: boolean;
  maxRps?: string;
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
  if (raw.state !== undefined && !existsSync(resolve(raw.state))) {
    process.stderr.write(usageLine(`--state ${resolve(raw.state)}: there is no such state file (a watch never starts a state)`, HELP_HINT));
    return { kind: 'usage' };
  }
  let logger: Logger | undefined;
  let store: StateStore | undefined;
  let release: (() => void) | undefined;
  const budget = new RateBudget({ maxRps: config.maxRps, maxSearchRps: config.maxSearchRps });
  try {
    logger = createLogger({ format: config.logFormat, level: config.logLevel, logFile: join(config.outDir, 'stripe-redact.log'), logFileLevel: 'debug', stream: process.stderr });
    const log = logger;
    const gateway = createStripeGateway({
      apiKey: config.apiKey,
      ...(config.target.kind === 'url' ? { apiBase: config.target.url } : {}),
      send: budgetedSend(budget, DEFAULT_RETRY_POLICY, log, new AbortController().signal),
      onResponse: (event) => log.debug('stripe response', event),
    });
    const state = await openStateForAccount({
      gateway,
      statePath: config.statePath,
      livemode: config.livemode,
      ...(process.env.STRIPE_REDACT_HASH_KEY ? { hashKey: process.env.STRIPE_REDACT_HASH_KEY } : {}),
      logger,
    });
    store = state.store;
    release = state.release;
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
    budget.close();
    store?.close();
    release?.();
    await logger?.close();
  }
}
