import { DEFAULT_DEADLINE, parseDeadlineSpec, type DateOrder, type DeadlineSpec } from '../domain/deadline.js';
import { stripeAccountProblem } from '../domain/account-id.js';
import type { ValidationBehavior } from '../domain/job.js';
import type { RunMode } from '../domain/row-status.js';
import { INPUT_ENCODINGS, parseInputEncoding, type InputEncoding } from '../input/input-encoding.js';
import type { LookupMode } from '../pipeline/resolve-identifiers.js';
import { explicitStateProblem } from './state-path.js';
import { parseRecordOptions, type RawRecordOptions, type RecordsConfig } from './records-options.js';
import { stripeVersionProblem } from './stripe-version.js';
import { parseFailOn, type FailOn } from './fail-on.js';
import { parseLimits } from './limit-options.js';
import { parseTarget } from './target-options.js';

export { DEFAULT_FAIL_ON, FAIL_ON_CONDITIONS, failingItems, type FailOn, type FailOnCondition, type RunOutcomeForExit } from './fail-on.js';
export { EMULATOR_API_KEY } from './target-options.js';

/** The `run` command's options as commander hands them over (strings, unchecked). */
export interface RawRunOptions extends RawRecordOptions {
  out?: string;
  state?: string;
  /** `--new-state`: an explicit `--state` may be created. */
  newState?: boolean;
  mode?: string;
  validationBehavior?: string;
  column?: string;
  receivedColumn?: string;
  requestIdColumn?: string;
  excel?: boolean;
  deadline?: string;
  dateOrder?: string;
  /** `false` with `--no-guests`. */
  guests?: boolean;
  encoding?: string;
  lookup?: string;
  emulator?: boolean;
  apiBase?: string;
  live?: boolean;
  maxRps?: string;
  maxSearchRps?: string;
  maxEndpointRps?: string;
  concurrency?: string;
  pollIntervalMs?: string;
  jobTimeoutMs?: string;
  logFormat?: string;
  logLevel?: string;
  quiet?: boolean;
  failOn?: string;
  progress?: boolean;
  stripeVersion?: string;
  stripeAccount?: string;
  accountColumn?: string;
  accountConcurrency?: string;
}

/** Everything a run needs, checked. */
export interface RunConfig {
  inputPath: string;
  outDir: string;
  /**
   * The state file given with `--state`, `:memory:` for the built-in emulator without one, or
   * `undefined`: the account's own default state (state-path.ts), known once the key's account is read.
   */
  statePath: string | undefined;
  mode: RunMode;
  validationBehavior: ValidationBehavior;
  column?: string;
  /** `--received-column`: the received-date column; `undefined`: a known header, if any. */
  receivedColumn?: string;
  /** `--request-id-column`: the request's own id; `undefined`: a known header, if any. */
  requestIdColumn?: string;
  /** `--excel`: results.csv with a UTF-8 byte order mark, the input's delimiter and CRLF. */
  excel: boolean;
  /** `--deadline`: time allowed from receipt. @default 1m (GDPR art. 12(3)) */
  deadline: DeadlineSpec;
  /** `--date-order`: how `NN/NN/YYYY` dates read; `undefined`: such dates are refused as ambiguous. */
  dateOrder?: DateOrder;
  /** Whether emails with no customer are looked up as guest Checkout Sessions (`--no-guests` turns it off). */
  guests: boolean;
  /** `--encoding`; `undefined`: strict UTF-8 unless a BOM says UTF-16. */
  encoding?: InputEncoding;
  lookup: LookupMode;
  /** `emulator`: start the built-in one; `url`: a Stripe-compatible base URL; `stripe`: Stripe itself. */
  target: { kind: 'emulator' } | { kind: 'url'; url: string } | { kind: 'stripe' };
  apiKey: string;
  livemode: boolean;
  maxRps: number;
  maxSearchRps: number;
  /** `--max-endpoint-rps`: requests per second to any one named API operation. @default 20 (Stripe's per-endpoint limit is 25) */
  maxEndpointRps: number;
  concurrency: number;
  pollIntervalMs: number;
  /** How long one job may keep Stripe working before the run leaves it pending. */
  jobTimeoutMs: number;
  logFormat: 'text' | 'json';
  /** What reaches stderr; the log file keeps everything. Default: `info` on a TTY, `warn` otherwise (cron-quiet). */
  logLevel: LogLevel;
  /** `--quiet`: errors only on stderr, no end summary, no progress bar; the exit code tells the rest. */
  quiet: boolean;
  /** Statuses and conditions that make exit code 3 (docs/contract.md#exit-codes). */
  failOn: FailOn[];
  progress: boolean;
  /** Notes for the log: defaults above Stripe's documented limits, and the like. */
  warnings: string[];
  /** `--holidays`, `--extension` and the record columns (records-options.ts). */
  records: RecordsConfig;
  /** `--stripe-version`: the API version sent; `undefined`: the SDK's pinned one. */
  stripeVersion?: string;
  /** `--stripe-account`: the connected account every call acts for (`Stripe-Account`); `undefined`: the key's own. */
  stripeAccount?: string;
  /** `--account-column`: each row's connected account, by header name or 1-based number; `undefined`: a known header whose values are all `acct_` ids, if any. */
  accountColumn?: string;
  /** `--account-concurrency`: connected accounts driven at once. @default 4 */
  accountConcurrency: number;
}

/** Levels of `--log-level`, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];


export interface ConfigProblem {
  option: string;
  message: string;
}

/**
 * Checks the options and environment of `run`. Returns every problem at once (each naming its
 * option), not the first: a person fixing a cron line wants the whole list.
 */
export function parseRunConfig(
  inputPath: string,
  raw: RawRunOptions,
  env: NodeJS.ProcessEnv,
  isTTY: boolean,
): { config: RunConfig } | { problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const oneOf = <T extends string>(option: string, value: string | undefined, allowed: readonly T[], fallback: T): T => {
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push({ option, message: `${option} must be one of ${allowed.join(', ')}; got '${value}'` });
    return fallback;
  };

  const mode = oneOf('--mode', raw.mode, ['plan', 'validate', 'redact'] as const, 'redact');
  const validationBehavior = oneOf('--validation-behavior', raw.validationBehavior, ['error', 'fix'] as const, 'error');
  const lookup = oneOf('--lookup', raw.lookup, ['search', 'list', 'auto'] as const, 'auto');
  const logFormat = oneOf('--log-format', raw.logFormat, ['text', 'json'] as const, isTTY ? 'text' : 'json');
  // Off a terminal (cron, CI) stderr is mailed or kept: only what needs a person goes there.
  const quiet = raw.quiet === true;
  if (quiet && raw.logLevel !== undefined) problems.push({ option: '--quiet', message: '--quiet and --log-level exclude each other: --quiet is --log-level error without the summary' });
  const logLevel = quiet ? 'error' : oneOf('--log-level', raw.logLevel, LOG_LEVELS, isTTY ? 'info' : 'warn');
  const failOn = parseFailOn(raw.failOn, problems);
  if (raw.column !== undefined && raw.column.trim() === '') problems.push({ option: '--column', message: '--column must name a column' });
  if (raw.receivedColumn !== undefined && raw.receivedColumn.trim() === '') problems.push({ option: '--received-column', message: '--received-column must name a column' });
  if (raw.requestIdColumn !== undefined && raw.requestIdColumn.trim() === '') problems.push({ option: '--request-id-column', message: '--request-id-column must name a column' });
  let deadline = DEFAULT_DEADLINE;
  if (raw.deadline !== undefined) {
    const parsed = parseDeadlineSpec(raw.deadline);
    if ('problem' in parsed) problems.push({ option: '--deadline', message: `--deadline: ${parsed.problem}` });
    else deadline = parsed;
  }
  const records = parseRecordOptions(raw, problems);
  const dateOrder = raw.dateOrder === undefined ? undefined : oneOf('--date-order', raw.dateOrder, ['dmy', 'mdy'] as const, 'dmy');
  const encoding = raw.encoding === undefined ? undefined : parseInputEncoding(raw.encoding);
  if (raw.encoding !== undefined && encoding === undefined) {
    problems.push({ option: '--encoding', message: `--encoding must be one of ${INPUT_ENCODINGS.join(', ')}; got '${raw.encoding}'` });
  }
  const stateProblem = raw.state === undefined ? undefined : raw.state.trim() === '' ? '--state must name a file' : explicitStateProblem(raw.state, raw.newState === true);
  if (stateProblem) problems.push({ option: '--state', message: stateProblem });
  const stripeVersionIssue = raw.stripeVersion === undefined ? undefined : stripeVersionProblem(raw.stripeVersion);
  if (stripeVersionIssue) problems.push({ option: '--stripe-version', message: stripeVersionIssue });
  const accountProblem = stripeAccountProblem(raw.stripeAccount);
  if (accountProblem !== undefined) {
    problems.push({ option: '--stripe-account', message: accountProblem });
  }
  if (raw.accountColumn !== undefined && raw.accountColumn.trim() === '') problems.push({ option: '--account-column', message: '--account-column must name a column' });
  if (raw.stripeAccount !== undefined && raw.accountColumn !== undefined) {
    problems.push({ option: '--account-column', message: '--stripe-account and --account-column exclude each other: one account for the whole input, or one per row' });
  }
  if (raw.newState === true && raw.state === undefined) {
    problems.push({ option: '--new-state', message: '--new-state goes with --state FILE: the default state is made when it is missing, and says so' });
  }

  const { target, apiKey, livemode } = parseTarget(raw, env, problems);

  const { maxRps, maxSearchRps, maxEndpointRps, concurrency, pollIntervalMs, jobTimeoutMs, accountConcurrency } = parseLimits(raw, { livemode, onEmulator: target.kind === 'emulator' }, problems);

  if (problems.length > 0) return { problems };
  const outDir = raw.out ?? 'output';
  return {
    config: {
      inputPath,
      outDir,
      // The built-in emulator forgets everything when the run ends, so by default its state does too.
      statePath: raw.state ?? (target.kind === 'emulator' ? ':memory:' : undefined),
      mode,
      validationBehavior,
      ...(raw.column !== undefined ? { column: raw.column } : {}),
      ...(raw.receivedColumn !== undefined ? { receivedColumn: raw.receivedColumn } : {}),
      ...(raw.requestIdColumn !== undefined ? { requestIdColumn: raw.requestIdColumn } : {}),
      excel: raw.excel === true,
      deadline,
      ...(dateOrder !== undefined ? { dateOrder } : {}),
      guests: raw.guests !== false,
      ...(encoding !== undefined ? { encoding } : {}),
      lookup,
      target,
      apiKey,
      livemode,
      maxRps,
      maxSearchRps: Math.min(maxSearchRps, maxRps),
      maxEndpointRps,
      concurrency,
      pollIntervalMs,
      jobTimeoutMs,
      logFormat,
      logLevel,
      quiet,
      failOn,
      progress: raw.progress !== false && isTTY && !quiet,
      warnings,
      records,
      ...(raw.stripeVersion !== undefined ? { stripeVersion: raw.stripeVersion } : {}),
      ...(raw.stripeAccount !== undefined ? { stripeAccount: raw.stripeAccount } : {}),
      ...(raw.accountColumn !== undefined ? { accountColumn: raw.accountColumn } : {}),
      accountConcurrency,
    },
  };
}
