import type { Logger } from '../io/logger.js';
import type { SendRequest } from '../stripe/gateway.js';
import type { RateBudget } from './rate-budget.js';
import { withRetry, type RetryPolicy } from './retry.js';

/**
 * How every Stripe request of a run is sent: each attempt inside the rate budget, transient
 * failures retried by `policy` (the one retry owner; the SDK's own retries are off), and a 429
 * slowing the whole budget rather than just its own request.
 */
export function budgetedSend(budget: RateBudget, policy: RetryPolicy, logger?: Logger, signal?: AbortSignal): SendRequest {
  return (requestClass, label, request) =>
    withRetry(
      () => budget.schedule(requestClass, label, request),
      policy,
      (error, delayMs, attempt) => {
        if (error.kind === 'rate_limited') budget.slowDown(delayMs);
        logger?.debug('retrying a Stripe request', { operation: label, kind: error.kind, attempt, delayMs });
      },
      signal,
    );
}
