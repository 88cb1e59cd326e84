import { describe, expect, it } from 'vitest';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, withRetry } from '../../src/pipeline/retry.js';
import { GatewayError } from '../../src/errors.js';

describe('RateBudget', () => {
  it('never starts more requests in any 1-second window than the budget, counting each operation', async () => {
    const budget = new RateBudget({ maxRps: 8, maxSearchRps: 3 });
    const starts: number[] = [];
    const searchStarts: number[] = [];
    const work = Array.from({ length: 14 }, (_, i) =>
      budget.schedule(i % 2 ? 'search' : 'read', i % 2 ? 'customers.search' : 'customers.list', async () => {
        (i % 2 ? searchStarts : starts).push(Date.now());
      }),
    );
    await Promise.all(work);
    budget.close();
    expect(budget.totalCalls).toBe(14);
    expect(budget.callCounts()).toEqual({ 'customers.list': 7, 'customers.search': 7 });
    expect(budget.peakRequestsPerSecond()).toBeLessThanOrEqual(8);
    const peak = (times: number[]) => Math.max(...times.map((t) => times.filter((u) => u >= t && u - t < 1000).length));
    expect(peak(searchStarts)).toBeLessThanOrEqual(3);
  });

  it('refuses a budget below one request a second, naming the option', () => {
    expect(() => new RateBudget({ maxRps: 0, maxSearchRps: 1 })).toThrow(/`maxRps`/);
  });
});

describe('withRetry', () => {
  it('retries retryable gateway errors and gives up on others at once', async () => {
    let calls = 0;
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 2 };
    const result = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw new GatewayError('slow down', { kind: 'rate_limited', retryable: true });
      return 'done';
    }, policy);
    expect([result, calls]).toEqual(['done', 3]);

    let refused = 0;
    await expect(
      withRetry(async () => {
        refused += 1;
        throw new GatewayError('bad key', { kind: 'auth', retryable: false });
      }, policy),
    ).rejects.toThrow('bad key');
    expect(refused).toBe(1);
  });

  it('backs off exponentially up to the cap, with jitter in the upper half', () => {
    const policy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, policy, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 1)).toBe(400);
    expect(backoffDelayMs(9, policy, () => 1)).toBe(1000);
  });
});
