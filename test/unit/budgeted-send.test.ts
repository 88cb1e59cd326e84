import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import type { Logger } from '../../src/io/logger.js';
import { budgetedSend } from '../../src/pipeline/budgeted-send.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';

const policy = { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 4 };

/** A logger that keeps its debug entries, to see what a retry says about itself. */
function recordingLogger(): Logger & { debugs: [string, unknown][] } {
  const debugs: [string, unknown][] = [];
  return { debugs, debug: (msg, fields) => void debugs.push([msg, fields]), info: () => {}, warn: () => {}, error: () => {}, close: async () => {} };
}

/** A request that fails with `errors` in turn, then answers. */
function failing(...errors: GatewayError[]) {
  let calls = 0;
  const request = async () => {
    const error = errors[calls];
    calls += 1;
    if (error) throw error;
    return 'answer';
  };
  return { request, calls: () => calls };
}

describe('budgetedSend', () => {
  it('counts every attempt in the budget, and only a 429 slows the whole budget down', async () => {
    const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 1000 });
    const logger = recordingLogger();
    const send = budgetedSend(budget, policy, logger);
    const { request, calls } = failing(
      new GatewayError('slow down', { kind: 'rate_limited', retryable: true, status: 429 }),
      new GatewayError('server error', { kind: 'api', retryable: true, status: 500 }),
    );
    await expect(send('write', 'redaction_jobs.create', request)).resolves.toBe('answer');
    budget.close();
    expect(calls()).toBe(3);
    expect(budget.callCounts()).toEqual({ 'redaction_jobs.create': 3 });
    expect(budget.rateLimitedCount).toBe(1);
    expect(logger.debugs).toEqual([
      ['retrying a Stripe request', { operation: 'redaction_jobs.create', kind: 'rate_limited', attempt: 1, delayMs: expect.any(Number) }],
      ['retrying a Stripe request', { operation: 'redaction_jobs.create', kind: 'api', attempt: 2, delayMs: expect.any(Number) }],
    ]);
  });

  it('retries without a logger, and gives up after the policy with the error', async () => {
    const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 1000 });
    const send = budgetedSend(budget, { ...policy, maxAttempts: 2 });
    const down = new GatewayError('down', { kind: 'connection', retryable: true });
    const { request, calls } = failing(down, down, down);
    await expect(send('read', 'customers.list', request)).rejects.toBe(down);
    budget.close();
    expect(calls()).toBe(2);
    expect(budget.rateLimitedCount).toBe(0);
  });
});
