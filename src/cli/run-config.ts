import { DEFAULT_DEADLINE, parseDeadlineSpec, type DateOrder, type DeadlineSpec } from '../domain/deadline.js';
import type { ValidationBehavior } from '../domain/job.js';
import { ROW_STATUSES, type RowStatus, type RunMode } from '../domain/row-status.js';
import { INPUT_ENCODINGS, parseInputEncoding, type InputEncoding } from '../input/input-encoding.js';
import type { LookupMode } from '../pipeline/resolve-identifiers.js';
import { explicitStateProblem } from './state-path.js';
import { parseRecordOptions, type RawRecordOptions, type RecordsConfig } from './records-options.js';
import { stripeVersionProblem } from './stripe-version.js';

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


/** The statuses that make exit code 3 unless `--fail-on` says otherwise. */
export const DEFAULT_FAIL_ON: readonly RowStatus[] = ['needs_action', 'pending', 'failed', 'invalid'];

/**
 * Conditions `--fail-on` accepts beside statuses: `overdue`, an unsettled row past its `due_by`;
 * `new_state`, this run started its state (a cron job whose state vanished must not pass quietly);
 * `reappeared`, the run's watch found a person who came back after their erasure.
 */
export const FAIL_ON_CONDITIONS = ['overdue', 'new_state', 'reappeared'] as const;
export type FailOnCondition = (typeof FAIL_ON_CONDITIONS)[number];
/** One item of `--fail-on`. */
export type FailOn = RowStatus | FailOnCondition;

/**
 * Bounds of the numeric options: beyond them a value is a typo or a misunderstanding, never a
 * setting (a job list page holds 100 jobs; a poll slower than 5 minutes or a timeout longer than a
 * day keeps a nightly run alive into the next night).
 */
const BOUNDS = {
  concurrency: { min: 1, max: 1000 },
  pollIntervalMs: { min: 10, max: 300_000 },
  jobTimeoutMs: { min: 1000, max: 86_400_000 },
  accountConcurrency: { min: 1, max: 64 },
} as const;

/** A Stripe account id, as `--stripe-account` and an account column hold it. */
export const ACCOUNT_ID_PATTERN = /^acct_[A-Za-z0-9]+$/;

export interface ConfigProblem {
  option: string;
  message: string;
}

/** The key the built-in emulator is driven with: a real key is never handed to it. */
export const EMULATOR_API_KEY = 'sk_test_stripe_redact_emulator';

/** Stripe's documented limits (https://docs.stripe.com/rate-limits) and our defaults below them. */
const LIMITS = {
  live: { rps: 100, searchRps: 20, defaultRps: 50, defaultSearchRps: 10 },
  test: { rps: 25, searchRps: 20, defaultRps: 20, defaultSearchRps: 15 },
} as const;

/**
 * Stripe's default limit per API endpoint, in either mode (docs.stripe.com/rate-limits), and our
 * default below it: the merchant's own traffic to that endpoint shares it.
 */
const ENDPOINT_LIMITS = { rps: 25, defaultRps: 20 } as const;

const KEY_PATTERN = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;

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
  /** A number option within [min, max], whole unless `integer: false`; `limit` says why the max. */
  const numberIn = (
    option: string,
    value: string | undefined,
    fallback: number,
    { integer = true, min, max, limit }: { integer?: boolean; min: number; max: number; limit?: string },
  ): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      const range = `from ${min} to ${max}${limit ? ` (${limit})` : ''}`;
      problems.push({ option, message: `${option} must be a ${integer ? 'whole ' : ''}number ${range}; got '${value}'` });
      return fallback;
    }
    return n;
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
  if (raw.stripeAccount !== undefined && !ACCOUNT_ID_PATTERN.test(raw.stripeAccount)) {
    problems.push({ option: '--stripe-account', message: `--stripe-account must be a connected account id such as acct_1Example; got '${raw.stripeAccount}'` });
  }
  if (raw.accountColumn !== undefined && raw.accountColumn.trim() === '') problems.push({ option: '--account-column', message: '--account-column must name a column' });
  if (raw.stripeAccount !== undefined && raw.accountColumn !== undefined) {
    problems.push({ option: '--account-column', message: '--stripe-account and --account-column exclude each other: one account for the whole input, or one per row' });
  }
  if (raw.newState === true && raw.state === undefined) {
    problems.push({ option: '--new-state', message: '--new-state goes with --state FILE: the default state is made when it is missing, and says so' });
  }

  let target: RunConfig['target'] = { kind: 'stripe' };
  if (raw.emulator && raw.apiBase !== undefined) {
    problems.push({ option: '--emulator', message: '--emulator and --api-base exclude each other: pick one target' });
  } else if (raw.emulator) {
    target = { kind: 'emulator' };
  } else if (raw.apiBase !== undefined) {
    try {
      const url = new URL(raw.apiBase);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      target = { kind: 'url', url: url.origin };
    } catch {
      problems.push({ option: '--api-base', message: `--api-base must be an http(s) URL such as http://127.0.0.1:12111; got '${raw.apiBase}'` });
    }
  }

  const envKey = env.STRIPE_API_KEY?.trim() || undefined;
  let apiKey = envKey ?? '';
  if (target.kind === 'emulator') {
    apiKey = EMULATOR_API_KEY;
  } else if (!envKey) {
    if (target.kind === 'url') apiKey = EMULATOR_API_KEY;
    else
      problems.push({
        option: 'STRIPE_API_KEY',
        message: 'STRIPE_API_KEY is not set: set it to a secret or restricted key, or pass --emulator to try the tool on the built-in emulator',
      });
  } else if (!KEY_PATTERN.test(envKey)) {
    problems.push({ option: 'STRIPE_API_KEY', message: 'STRIPE_API_KEY is not a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_test_…, rk_live_…)' });
  }
  const livemode = /^(sk|rk)_live_/.test(apiKey);
  if (livemode && !raw.live) {
    problems.push({ option: '--live', message: 'STRIPE_API_KEY is a live-mode key: redaction cannot be undone, so pass --live to confirm you mean live data' });
  }

  const limits = livemode ? LIMITS.live : LIMITS.test;
  const modeName = livemode ? 'live' : 'test';
  const maxRps = numberIn('--max-rps', raw.maxRps, limits.defaultRps, { integer: false, min: 1, max: limits.rps, limit: `Stripe's ${modeName}-mode limit` });
  const maxSearchRps = numberIn('--max-search-rps', raw.maxSearchRps, Math.min(limits.defaultSearchRps, maxRps), {
    integer: false,
    min: 1,
    max: limits.searchRps,
    limit: "Stripe's search limit",
  });
  const maxEndpointRps = numberIn('--max-endpoint-rps', raw.maxEndpointRps, ENDPOINT_LIMITS.defaultRps, {
    min: 1,
    max: ENDPOINT_LIMITS.rps,
    limit: "Stripe's per-endpoint limit",
  });
  const concurrency = numberIn('--concurrency', raw.concurrency, 50, BOUNDS.concurrency);
  const pollIntervalMs = numberIn('--poll-interval-ms', raw.pollIntervalMs, target.kind === 'emulator' ? 100 : 1000, BOUNDS.pollIntervalMs);
  const jobTimeoutMs = numberIn('--job-timeout-ms', raw.jobTimeoutMs, 30 * 60_000, BOUNDS.jobTimeoutMs);
  const accountConcurrency = numberIn('--account-concurrency', raw.accountConcurrency, 4, BOUNDS.accountConcurrency);

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

/**
 * `--fail-on needs_action,failed`: the statuses that make exit code 3; `none` for none. An unknown
 * status is a problem naming it, so a typo cannot silently turn every night's exit code to 0.
 */
function parseFailOn(value: string | undefined, problems: ConfigProblem[]): FailOn[] {
  if (value === undefined) return [...DEFAULT_FAIL_ON];
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 1 && names[0] === 'none') return [];
  const known: readonly string[] = [...ROW_STATUSES, ...FAIL_ON_CONDITIONS];
  const unknown = names.filter((name) => !known.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    const what = names.length === 0 ? 'names no status' : `has unknown status${unknown.length > 1 ? 'es' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}`;
    problems.push({
      option: '--fail-on',
      message: `--fail-on ${what}; use a comma list of ${ROW_STATUSES.join(', ')}, and the conditions ${FAIL_ON_CONDITIONS.join(', ')}, or none`,
    });
    return [...DEFAULT_FAIL_ON];
  }
  return [...new Set(names)] as FailOn[];
}

/** What `--fail-on` is checked against once a run has ended. */
export interface RunOutcomeForExit {
  statuses: Partial<Record<RowStatus, number>>;
  /** Unsettled rows past their due date. */
  overdue: number;
  stateIsNew: boolean;
  /** People the run's watch found back after their erasure (null or absent: no watch ran). */
  reappeared?: number | null;
}

/** The `--fail-on` items a run's outcome meets (exit code 3 when any). Pure. */
export function failingItems(failOn: readonly FailOn[], outcome: RunOutcomeForExit): FailOn[] {
  return failOn.filter((item) => {
    switch (item) {
      case 'reappeared':
        return (outcome.reappeared ?? 0) > 0;
      case 'overdue':
        return outcome.overdue > 0;
      case 'new_state':
        return outcome.stateIsNew;
      default:
        return (outcome.statuses[item] ?? 0) > 0;
    }
  });
}
