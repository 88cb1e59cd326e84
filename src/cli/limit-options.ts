/** The pace and size of a run: `--max-rps`, `--max-search-rps`, `--max-endpoint-rps`, `--concurrency`, the poll and job timeouts, `--account-concurrency`. */
import type { ConfigProblem, RawRunOptions } from './run-config.js';

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

/** A number option within [min, max], whole unless `integer: false`; `limit` says why the max. */
function numberIn(
  problems: ConfigProblem[],
  option: string,
  value: string | undefined,
  fallback: number,
  { integer = true, min, max, limit }: { integer?: boolean; min: number; max: number; limit?: string },
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const range = `from ${min} to ${max}${limit ? ` (${limit})` : ''}`;
    problems.push({ option, message: `${option} must be a ${integer ? 'whole ' : ''}number ${range}; got '${value}'` });
    return fallback;
  }
  return n;
}

/** The limits of a run, within Stripe's for the key's mode; each problem names its option. */
export function parseLimits(raw: RawRunOptions, { livemode, onEmulator }: { livemode: boolean; onEmulator: boolean }, problems: ConfigProblem[]) {
  const limits = livemode ? LIMITS.live : LIMITS.test;
  const modeName = livemode ? 'live' : 'test';
  const maxRps = numberIn(problems, '--max-rps', raw.maxRps, limits.defaultRps, { integer: false, min: 1, max: limits.rps, limit: `Stripe's ${modeName}-mode limit` });
  const maxSearchRps = numberIn(problems, '--max-search-rps', raw.maxSearchRps, Math.min(limits.defaultSearchRps, maxRps), {
    integer: false,
    min: 1,
    max: limits.searchRps,
    limit: "Stripe's search limit",
  });
  const maxEndpointRps = numberIn(problems, '--max-endpoint-rps', raw.maxEndpointRps, ENDPOINT_LIMITS.defaultRps, {
    min: 1,
    max: ENDPOINT_LIMITS.rps,
    limit: "Stripe's per-endpoint limit",
  });
  const concurrency = numberIn(problems, '--concurrency', raw.concurrency, 50, BOUNDS.concurrency);
  const pollIntervalMs = numberIn(problems, '--poll-interval-ms', raw.pollIntervalMs, onEmulator ? 100 : 1000, BOUNDS.pollIntervalMs);
  const jobTimeoutMs = numberIn(problems, '--job-timeout-ms', raw.jobTimeoutMs, 30 * 60_000, BOUNDS.jobTimeoutMs);
  const accountConcurrency = numberIn(problems, '--account-concurrency', raw.accountConcurrency, 4, BOUNDS.accountConcurrency);
  return { maxRps, maxSearchRps, maxEndpointRps, concurrency, pollIntervalMs, jobTimeoutMs, accountConcurrency };
}
