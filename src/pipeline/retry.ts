import { GatewayError } from '../errors.js';

/** How a step retries transient failures. Data, not flags (see style.md). */
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

/**
 * Retries `operation` while it fails with a retryable `GatewayError` (429, 5xx, 409 in-flight
 * idempotency, connection). The operation must be safe to repeat: POSTs carry the same
 * idempotency key on every attempt. `onRetry` lets the caller slow the whole budget on a 429.
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (error: GatewayError, delayMs: number, attempt: number) => void = () => {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof GatewayError) || !error.retryable || attempt >= policy.maxAttempts) throw error;
      const delayMs = backoffDelayMs(attempt, policy);
      onRetry(error, delayMs, attempt);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
