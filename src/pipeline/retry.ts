import { GatewayError } from '../errors.js';

/** How a step retries transient failures: data, not flags — a retry policy is a value a caller can read and test. */
export interface RetryPolicy {
  /** Attempts in all, the first included. @default 8 */
  maxAttempts: number;
  /** First backoff. @default 500 (ms) */
  baseDelayMs: number;
  /** Backoff cap. @default 8000 (ms) */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 8000 } satisfies RetryPolicy;

/** Full-jitter exponential backoff: uniform in [delay/2, delay]. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(delay / 2 + (random() * delay) / 2);
}

/** The longest `Retry-After` obeyed; a longer one is Stripe asking for more than a run should wait per request. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Whether a failed request may be sent again, as Stripe specifies it
 * (https://docs.stripe.com/error-low-level#idempotency): its `Stripe-Should-Retry` header first,
 * either way; without it, the adapter's own judgement (429, 5xx, 409 in-flight idempotency,
 * connection errors).
 */
export function shouldRetry(error: GatewayError): boolean {
  return error.shouldRetry ?? error.retryable;
}

/** How long to wait before attempt `attempt + 1`: Stripe's `Retry-After` when it sent one, else the policy's backoff. */
export function retryDelayMs(error: GatewayError, attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const backoff = backoffDelayMs(attempt, policy, random);
  return error.retryAfterMs === undefined ? backoff : Math.min(MAX_RETRY_AFTER_MS, Math.max(error.retryAfterMs, 0));
}

/**
 * Retries `operation` while {@link shouldRetry} says so, waiting {@link retryDelayMs}. The
 * operation must be safe to repeat: POSTs carry the same idempotency key on every attempt.
 * `onRetry` lets the caller slow the whole budget on a 429. A wait ends at once when `signal`
 * aborts (SIGINT/SIGTERM), and the last error is thrown.
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (error: GatewayError, delayMs: number, attempt: number) => void = () => {},
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof GatewayError) || !shouldRetry(error) || attempt >= policy.maxAttempts || signal?.aborted) throw error;
      const delayMs = retryDelayMs(error, attempt, policy);
      onRetry(error, delayMs, attempt);
      if (!(await sleep(delayMs, signal))) throw error;
    }
  }
}

/** Waits `ms`; resolves false at once if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
