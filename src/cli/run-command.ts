import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { GatewayError, InputFileError, StripeRedactError } from '../errors.js';
import { createLogger, type Logger } from '../io/logger.js';
import { createProgress } from '../io/progress.js';
import { writeJsonFileAtomic } from '../report/result-writer.js';
import { STDIN_NAME, spoolInput } from '../input/stdin-spool.js';
import { checkInput, runPipeline, type RunSummary } from '../pipeline/run-pipeline.js';
import { recordRunInLedger } from '../pipeline/record-run-in-ledger.js';
import { PINNED_API_VERSION } from '../stripe/stripe-client.js';
import { findAccountColumn, splitByAccount } from '../input/split-by-account.js';
import { runAccounts } from './run-accounts.js';
import { failingItems, parseRunConfig, type RawRunOptions, type RunConfig } from './run-config.js';
import { describeAccountsRun, printSummary } from './run-summary-lines.js';
import { describeRunProgress } from './run-progress.js';
import { parseCommandLine, usageLine, withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';
import { openBudget, openGateway, openInterrupt, openState, ResourceStack, startBuiltInEmulator } from './run-resources.js';

const HELP_HINT = 'stripe-redact run --help';


function buildCommand(): Command {
  const command = new Command('stripe-redact run')
    .description('carry out the deletion requests of a CSV through Stripe redaction jobs')
    .argument('<requests.csv>', "CSV of deletion requests: emails or Stripe ids; '-' reads standard input")
    .option('--out <dir>', 'where results.csv, report.html, summary.json and the log go', 'output')
    .option('--state <file>', "durable state shared by runs (default: one per Stripe account and mode in the user's state directory, e.g. ~/.local/state/stripe-redact/acct_…-live.db; in memory with --emulator); it must exist unless --new-state")
    .option('--new-state', 'allow --state FILE to be created (its directory must exist): a typo must not start an empty state')
    .addOption(new Option('--mode <mode>', 'plan: resolve only; validate: create, validate, then cancel jobs; redact: the full job').default('redact'))
    .addOption(new Option('--validation-behavior <behavior>', "error: report blockers; fix: let Stripe's fix clear them").default('error'))
    .option('--column <name>', 'the identifier column, by header name or 1-based number (default: chosen by content, headers propose; a chosen column more than half invalid stops the run with exit 2)')
    .option('--received-column <name>', 'the date each request was received, by header name or 1-based number (default: a header such as received_at, requested_at, created, date); gives due_by')
    .option('--request-id-column <name>', "the request's own id, by header name or 1-based number (default: a header request_id, dsr_id, ticket, case_id; case, spaces and _ ignored); report.html shows it")
    .option('--excel', "results.csv for a spreadsheet: a UTF-8 byte order mark, the input's delimiter and CRLF line ends")
    .option('--deadline <time>', 'time allowed from receipt: 1m (calendar month, GDPR art. 12(3)), 45d (CCPA), Nd, Nw, Nm (default: 1m)')
    .option('--holidays <file>', 'YYYY-MM-DD a line: a due date on one rolls to the next working day (as one on a Saturday or Sunday does)')
    .option('--extension-column <name>', 'the date an extension of the deadline was notified to the requester (empty: none)')
    .option('--extension <time>', 'how far a notified extension moves due_by (default: 2m for month deadlines, GDPR art. 12(3); 45d for day deadlines, CCPA)')
    .option('--channel-column <name>', 'how the request was made, for the register (default: a header channel, source, manner)')
    .option('--date-order <order>', 'how NN/NN/YYYY received dates read: dmy or mdy (default: such dates are refused as ambiguous)')
    .option('--no-guests', 'do not look for guest Checkout Sessions of emails no customer carries')
    .option('--encoding <name>', 'utf-8, windows-1252, latin1 or utf-16le (default: strict utf-8; a byte order mark decides UTF-8/UTF-16)')
    .addOption(new Option('--lookup <how>', 'emails → customers: search, list (exact filter), or auto (search, misses confirmed by list)').default('auto'))
    .option('--emulator', 'run against a built-in emulator seeded with samples/')
    .option('--api-base <url>', 'another Stripe-compatible base URL (e.g. a running emulator)')
    .option('--live', 'required to use a live-mode key (sk_live_, rk_live_)')
    .option('--max-rps <n>', 'request budget per second (default: 50 live, 20 test)')
    .option('--max-search-rps <n>', 'search budget per second (default: 10 live, 15 test)')
    .option('--max-endpoint-rps <n>', "budget per second for any one API operation, e.g. job creates (default: 20; at most Stripe's 25)")
    .option('--concurrency <n>', 'jobs driven at once (default: 50)')
    .option('--poll-interval-ms <n>', 'how often waiting jobs are polled (default: 1000; 100 on the emulator)')
    .option('--job-timeout-ms <n>', 'how long one job may stay validating or redacting before the run leaves it pending (default: 1800000)')
    .option('--fail-on <statuses>', 'statuses, or the conditions overdue (an unsettled row past due_by), new_state (this run started its state) and reappeared (someone came back after their erasure), that make exit code 3, comma-separated, or none (default: needs_action,pending,failed,invalid)')
    .addOption(new Option('--log-format <format>', 'text or json (default: text on a TTY, json otherwise)'))
    .option('--log-level <level>', 'what reaches stderr: error, warn, info or debug (default: info on a TTY, warn otherwise); the log file keeps everything')
    .option('--quiet', 'errors only on stderr: no summary, no progress bar; the exit code tells the rest')
    .option('--no-progress', 'no progress bar, even on a TTY')
    .option('--stripe-account <acct>', "act for this connected account: every call carries Stripe-Account, and the state is that account's (default: the key's own account only)")
    .option('--account-column <name>', "each row's connected account (acct_…; empty: the key's own), by header name or 1-based number (default: a header account, stripe_account or account_id whose values are all acct_ ids)")
    .option('--account-concurrency <n>', 'connected accounts driven at once with an account column (default: 4, at most 64)')
    .option('--stripe-version <version>', `the Stripe API version sent (default: ${PINNED_API_VERSION}, the one the tool is built and tested for)`)
    .addHelpText(
      'after',
      `
The key comes from STRIPE_API_KEY. Exit codes: 0 every row settled; 1 the run aborted;
2 usage, configuration or input-file error (nothing sent); 3 some rows have a status named by
--fail-on (default: needs_action, pending, failed, invalid); 130/143 interrupted by SIGINT/SIGTERM
(the report is written, unfinished rows pending; the next run continues).
Off a terminal (cron) stderr gets warnings, errors and the end summary; <out>/stripe-redact.log
keeps everything.`,
    );
  return withUsageErrors(command, HELP_HINT);
}

/** `stripe-redact run`: argv → config → one pipeline call → its outcome (exit-codes.ts makes the code). */
export async function runCommand(argv: string[]): Promise<CommandOutcome> {
  const command = buildCommand();
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const parsed = parseRunConfig(command.args[0] as string, command.opts<RawRunOptions>(), process.env, Boolean(process.stderr.isTTY));
  if ('problems' in parsed) {
    for (const problem of parsed.problems) process.stderr.write(usageLine(problem.message, HELP_HINT));
    return { kind: 'usage' };
  }
  return execute(parsed.config);
}

async function execute(config: RunConfig): Promise<CommandOutcome> {
  const stack = new ResourceStack();
  let logger: Logger | undefined;
  try {
    const progress = createProgress(process.stderr, { enabled: config.progress });
    // Log lines and the progress bar share stderr: each line is written above the bar.
    const consoleStream = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        progress.writeAbove(chunk.toString());
        done();
      },
    });
    logger = stack.use(
      createLogger({
        format: config.logFormat,
        level: config.logLevel,
        logFile: join(config.outDir, 'stripe-redact.log'),
        logFileLevel: 'debug',
        stream: consoleStream,
      }),
      (l) => l.close(),
    );
    for (const warning of config.warnings) logger.warn(warning);
    const isStdin = config.inputPath === '-';
    const spooled = isStdin ? stack.use(await spoolInput(process.stdin), (s) => s.remove()) : undefined;
    const input = {
      inputPath: spooled?.path ?? config.inputPath,
      ...(isStdin ? { inputName: STDIN_NAME } : {}),
      ...(config.column !== undefined ? { column: config.column } : {}),
      ...(config.receivedColumn !== undefined ? { receivedColumn: config.receivedColumn } : {}),
      ...(config.requestIdColumn !== undefined ? { requestIdColumn: config.requestIdColumn } : {}),
      ...(config.encoding !== undefined ? { encoding: config.encoding } : {}),
      recordColumns: config.records.recordColumns,
    };

    const apiBase = config.target.kind === 'emulator' ? await startBuiltInEmulator(stack, logger) : config.target.kind === 'url' ? config.target.url : undefined;

    // Ends the run gracefully on the first SIGINT/SIGTERM (once listening); retry waits end with it.
    const interrupt = openInterrupt(stack);
    const budget = openBudget(stack, { maxRps: config.maxRps, maxSearchRps: config.maxSearchRps, maxEndpointRps: config.maxEndpointRps });
    const gateway = openGateway({
      apiKey: config.apiKey,
      ...(apiBase ? { apiBase } : {}),
      budget,
      logger,
      signal: interrupt.signal,
      ...(config.stripeVersion !== undefined ? { stripeVersion: config.stripeVersion } : {}),
      ...(config.stripeAccount !== undefined ? { stripeAccount: config.stripeAccount } : {}),
    });
    // The input first: an input error sends nothing, not even the account read. Then the account,
    // before the state: the default state is named for it, and a state of another account is refused.
    const checkedInput = await checkInput(input, (rows) =>
      progress.update(describeRunProgress({ phase: 'check', rows, totalRows: 0, lookupsDone: 0, lookups: 0, jobsDone: 0, jobsStarted: 0 })),
    );
    // An input whose rows name connected accounts runs as one run per account (run-accounts.ts).
    const accountColumn = config.stripeAccount === undefined ? findAccountColumn(checkedInput.info, config.accountColumn) : undefined;
    const split = accountColumn === undefined ? undefined : await splitByAccount(checkedInput.info, accountColumn);
    if (split !== undefined) {
      try {
        return await executeAccounts(config, stack, { ...(apiBase ? { apiBase } : {}), checked: checkedInput, split, logger });
      } finally {
        progress.stop();
        split.remove();
      }
    }
    const state = await openState(stack, {
      gateway,
      statePath: config.statePath,
      livemode: config.livemode,
      ...(process.env.STRIPE_REDACT_HASH_KEY ? { hashKey: process.env.STRIPE_REDACT_HASH_KEY } : {}),
      logger,
      ...(config.stripeAccount !== undefined ? { stripeAccount: config.stripeAccount } : {}),
    });

    // First SIGINT/SIGTERM: stop gracefully and still write the report. A second one: stop now —
    // the state is durable, so even that loses nothing.
    interrupt.listen();
    let summary: RunSummary;
    try {
      summary = await runPipeline(
        {
          ...input,
          outDir: config.outDir,
          mode: config.mode,
          validationBehavior: config.validationBehavior,
          lookup: config.lookup,
          guests: config.guests,
          deadline: config.deadline,
          ...(config.excel ? { excel: true } : {}),
          ...(config.dateOrder !== undefined ? { dateOrder: config.dateOrder } : {}),
          holidays: config.records.holidays,
          ...(config.records.extension ? { extension: config.records.extension } : {}),
          jobConcurrency: config.concurrency,
          pollIntervalMs: config.pollIntervalMs,
          jobTimeoutMs: config.jobTimeoutMs,
          livemode: config.livemode,
          account: state.account.id,
          checkedInput,
          stateIsNew: state.isNew,
        },
        {
          gateway,
          budget,
          store: state.store,
          logger,
          signal: interrupt.signal,
          onProgress: (p) => progress.update(describeRunProgress(p)),
        },
      );
    } finally {
      interrupt.stop();
      progress.stop();
    }
    const summaryPath = join(config.outDir, 'summary.json');
    await writeJsonFileAtomic(summaryPath, {
      ...summary,
      account: state.account.id,
      livemode: state.livemode,
      state_path: state.path,
    });
    // The run's entry in the state's hash-chained ledger, once every file it names is written.
    const ledgerKey = process.env.STRIPE_REDACT_LEDGER_KEY?.trim() || undefined;
    await recordRunInLedger(state.store, summary, { account: state.account.id, summaryPath, ...(ledgerKey ? { ledgerKey } : {}) });
    if (!config.quiet) printSummary(summary, config, state);
    const failing = failingItems(config.failOn, { statuses: summary.statuses, overdue: summary.deadlines.overdue, stateIsNew: summary.stateIsNew, reappeared: summary.reappeared });
    return { kind: 'run', failing, ...(interrupt.by !== undefined ? { interruptedBy: interrupt.by } : {}) };
  } catch (error) {
    return reportFailure(error, logger);
  } finally {
    await stack.close();
  }
}

/** The platform run of an input with an account column: signals, the accounts' runs, the end summary, its outcome. */
async function executeAccounts(config: RunConfig, stack: ResourceStack, context: Omit<Parameters<typeof runAccounts>[1], 'signal'>): Promise<CommandOutcome> {
  const interrupt = openInterrupt(stack);
  interrupt.listen();
  let result: Awaited<ReturnType<typeof runAccounts>>;
  try {
    result = await runAccounts(config, { ...context, signal: interrupt.signal });
  } finally {
    interrupt.stop();
  }
  if (!config.quiet) process.stderr.write(describeAccountsRun(result, config));
  const { statuses, deadlines, stateIsNew, reappeared } = result.summary;
  const failing = failingItems(config.failOn, { statuses, overdue: deadlines.overdue, stateIsNew, reappeared });
  return { kind: 'run', failing, ...(interrupt.by !== undefined ? { interruptedBy: interrupt.by } : {}) };
}

function reportFailure(error: unknown, logger: Logger | undefined): CommandOutcome {
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof InputFileError && error.line !== undefined && !message.includes(`line ${error.line}`)) {
    message = `${message} (line ${error.line})`;
  }
  if (error instanceof GatewayError && (error.kind === 'auth' || error.kind === 'permission')) {
    message = `Stripe refused the API key (${error.kind}): ${message}`;
  }
  const code = error instanceof StripeRedactError ? error.code : 'INTERNAL';
  // Once on stderr, as the line below; the log file keeps it as an entry (not the console: that
  // would print it a second time, as JSON off a terminal).
  logger?.fileOnly?.('error', 'run aborted', { code, error: message });
  process.stderr.write(`stripe-redact: ${message}\n`);
  if (!(error instanceof StripeRedactError) && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  return { kind: 'error', error };
}
