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

  it('spaces starts evenly instead of releasing the whole budget at once', async () => {
    const budget = new RateBudget({ maxRps: 10, maxSearchRps: 10 });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => budget.schedule('write', 'redaction_jobs.create', async () => void starts.push(Date.now()))));
    budget.close();
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    // 10 per second is one start per 100 ms (105 with the jitter slack); timers fire late, never early.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(99);
  });

  it('pauses every request after a 429 and lets a search wait without holding back other requests', async () => {
    const budget = new RateBudget({ maxRps: 50, maxSearchRps: 2 });
    await budget.schedule('search', 'customers.search', async () => {});
    const t0 = Date.now();
    budget.slowDown(150);
    const order: string[] = [];
    await Promise.all([
      budget.schedule('search', 'customers.search', async () => void order.push(`search ${Date.now() - t0 >= 150}`)),
      budget.schedule('read', 'customers.list', async () => void order.push(`read ${Date.now() - t0 >= 150}`)),
    ]);
    budget.close();
    // The read started first, while the search still waited for its 500 ms pace; neither before the pause ended.
    expect(order).toEqual(['read true', 'search true']);
    expect(budget.rateLimitedCount).toBe(1);
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
