import type { ValidationBehavior } from '../domain/job.js';
import type { RunMode } from '../domain/row-status.js';
import { INPUT_ENCODINGS, parseInputEncoding, type InputEncoding } from '../io/input-encoding.js';
import type { LookupMode } from '../pipeline/resolve-identifiers.js';
import { explicitStateProblem } from './state-path.js';

/** The `run` command's options as commander hands them over (strings, unchecked). */
export interface RawRunOptions {
  out?: string;
  state?: string;
  mode?: string;
  validationBehavior?: string;
  column?: string;
  encoding?: string;
  lookup?: string;
  emulator?: boolean;
  apiBase?: string;
  live?: boolean;
  maxRps?: string;
  maxSearchRps?: string;
  concurrency?: string;
  pollIntervalMs?: string;
  jobTimeoutMs?: string;
  logFormat?: string;
  progress?: boolean;
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
  /** `--encoding`; `undefined`: strict UTF-8 unless a BOM says UTF-16. */
  encoding?: InputEncoding;
  lookup: LookupMode;
  /** `emulator`: start the built-in one; `url`: a Stripe-compatible base URL; `stripe`: Stripe itself. */
  target: { kind: 'emulator' } | { kind: 'url'; url: string } | { kind: 'stripe' };
  apiKey: string;
  livemode: boolean;
  maxRps: number;
  maxSearchRps: number;
  concurrency: number;
  pollIntervalMs: number;
  /** How long one job may keep Stripe working before the run leaves it pending. */
  jobTimeoutMs: number;
  logFormat: 'text' | 'json';
  progress: boolean;
  /** Notes for the log: defaults above Stripe's documented limits, and the like. */
  warnings: string[];
}

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
  /** A number option: whole unless `integer: false`, at least `min` (default: above 0). */
  const positive = (option: string, value: string | undefined, fallback: number, { integer = true, min = 0 } = {}): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    const tooSmall = min > 0 ? n < min : n <= 0;
    if (value.trim() === '' || !Number.isFinite(n) || tooSmall || (integer && !Number.isInteger(n))) {
      const bound = min > 0 ? `at least ${min}` : 'above 0';
      problems.push({ option, message: `${option} must be a ${integer ? 'whole ' : ''}number ${bound}; got '${value}'` });
      return fallback;
    }
    return n;
  };

  const mode = oneOf('--mode', raw.mode, ['plan', 'validate', 'redact'] as const, 'redact');
  const validationBehavior = oneOf('--validation-behavior', raw.validationBehavior, ['error', 'fix'] as const, 'error');
  const lookup = oneOf('--lookup', raw.lookup, ['search', 'list', 'auto'] as const, 'auto');
  const logFormat = oneOf('--log-format', raw.logFormat, ['text', 'json'] as const, isTTY ? 'text' : 'json');
  if (raw.column !== undefined && raw.column.trim() === '') problems.push({ option: '--column', message: '--column must name a column' });
  const encoding = raw.encoding === undefined ? undefined : parseInputEncoding(raw.encoding);
  if (raw.encoding !== undefined && encoding === undefined) {
    problems.push({ option: '--encoding', message: `--encoding must be one of ${INPUT_ENCODINGS.join(', ')}; got '${raw.encoding}'` });
  }
  const stateProblem = raw.state === undefined ? undefined : raw.state.trim() === '' ? '--state must name a file' : explicitStateProblem(raw.state);
  if (stateProblem) problems.push({ option: '--state', message: stateProblem });

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
  const maxRps = positive('--max-rps', raw.maxRps, limits.defaultRps, { integer: false, min: 1 });
  const maxSearchRps = positive('--max-search-rps', raw.maxSearchRps, Math.min(limits.defaultSearchRps, maxRps), { integer: false, min: 1 });
  if (maxRps > limits.rps) warnings.push(`--max-rps ${maxRps} is above Stripe's ${livemode ? 'live' : 'test'}-mode limit of ${limits.rps}/s; expect 429s`);
  if (maxSearchRps > limits.searchRps) warnings.push(`--max-search-rps ${maxSearchRps} is above Stripe's search limit of ${limits.searchRps}/s; expect 429s`);
  const concurrency = positive('--concurrency', raw.concurrency, 50);
  const pollIntervalMs = positive('--poll-interval-ms', raw.pollIntervalMs, target.kind === 'emulator' ? 100 : 1000);
  const jobTimeoutMs = positive('--job-timeout-ms', raw.jobTimeoutMs, 30 * 60_000);

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
      ...(encoding !== undefined ? { encoding } : {}),
      lookup,
      target,
      apiKey,
      livemode,
      maxRps,
      maxSearchRps: Math.min(maxSearchRps, maxRps),
      concurrency,
      pollIntervalMs,
      jobTimeoutMs,
      logFormat,
      progress: raw.progress !== false && isTTY,
      warnings,
    },
  };
}
