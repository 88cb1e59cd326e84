import { describe, expect, it } from 'vitest';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, withRetry } from '../../src/pipeline/retry.js';
import { GatewayError } from '../../src/errors.js';
import { endpointOfOperation } from '../../src/stripe/gateway.js';

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

  it('paces each endpoint on its own: one operation stays under its budget while another takes the free slots', async () => {
    const budget = new RateBudget({ maxRps: 50, maxSearchRps: 10, maxEndpointRps: 4 });
    const starts: Record<string, number[]> = {};
    const call = (label: string) => budget.schedule('read', label, async () => void (starts[label] ??= []).push(Date.now()));
    // The list with objects calls the same endpoint as the list: one budget for both.
    const labels = ['redaction_jobs.list', 'redaction_jobs.list_with_objects', 'customers.list'];
    await Promise.all(Array.from({ length: 18 }, (_, i) => call(labels[i % 3] as string)));
    budget.close();
    const jobLists = [...(starts['redaction_jobs.list'] ?? []), ...(starts['redaction_jobs.list_with_objects'] ?? [])].sort((a, b) => a - b);
    const peak = (times: number[]) => Math.max(...times.map((t) => times.filter((u) => u >= t && u - t < 1000).length));
    expect(jobLists).toHaveLength(12);
    expect(peak(jobLists)).toBeLessThanOrEqual(4);
    expect(peak(starts['customers.list'] ?? [])).toBeLessThanOrEqual(4);
    // Customer lists did not queue behind job lists: all six started before the last job list did.
    expect(Math.max(...(starts['customers.list'] ?? []))).toBeLessThan(jobLists.at(-1) as number);
  });

  it('refuses a budget below one request a second, naming the option', () => {
    expect(() => new RateBudget({ maxRps: 0, maxSearchRps: 1 })).toThrow(/`maxRps`/);
  });

  it('refuses each option that is not a number it can pace by, naming the option and the value', () => {
    expect(() => new RateBudget({ maxRps: Number.NaN, maxSearchRps: 1 })).toThrow('Expected `maxRps` to be a number from 1 and up, got `NaN`');
    expect(() => new RateBudget({ maxRps: Infinity, maxSearchRps: 1 })).toThrow(/`maxRps`.*`Infinity`/);
    expect(() => new RateBudget({ maxRps: 5, maxSearchRps: 0.5 })).toThrow('Expected `maxSearchRps` to be a number from 1 and up, got `0.5`');
    expect(() => new RateBudget({ maxRps: 5, maxSearchRps: 1, maxInFlight: 0 })).toThrow('Expected `maxInFlight` to be an integer from 1 and up, got `0`');
    expect(() => new RateBudget({ maxRps: 5, maxSearchRps: 1, maxEndpointRps: 0 })).toThrow('Expected `maxEndpointRps` to be a number from 1 and up, got `0`');
    expect(() => new RateBudget({ maxRps: 5, maxSearchRps: 1, maxInFlight: 1.5 })).toThrow(/`maxInFlight`.*`1.5`/);
    // The lowest values allowed.
    expect(() => new RateBudget({ maxRps: 1, maxSearchRps: 1, maxInFlight: 1, maxEndpointRps: 1 }).close()).not.toThrow();
  });

  it('never has more requests in flight than maxInFlight, however fast the pace', async () => {
    const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 1000, maxInFlight: 2 });
    let inFlight = 0;
    let most = 0;
    // Each request lasts ten times the pace, so without the cap the fourth would start while three run.
    await Promise.all(
      Array.from({ length: 6 }, () =>
        budget.schedule('read', 'customers.list', async () => {
          most = Math.max(most, ++inFlight);
          await new Promise((resolve) => setTimeout(resolve, 20));
          inFlight -= 1;
        }),
      ),
    );
    budget.close();
    expect(most).toBe(2);
    expect(budget.totalCalls).toBe(6);
  });

  it('holds a request that arrives while the cap is full until one in flight ends, even once the pace allows it', async () => {
    const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 1000, maxInFlight: 1 });
    const events: string[] = [];
    let release = () => {};
    const first = budget.schedule('read', 'customers.list', async () => {
      events.push('first starts');
      await new Promise<void>((resolve) => (release = resolve));
      events.push('first ends');
    });
    // Well past the pace (2 ms), so only the cap can hold the second back.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = budget.schedule('read', 'customers.list', async () => void events.push('second starts'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await Promise.all([first, second]);
    budget.close();
    expect(events).toEqual(['first starts', 'first ends', 'second starts']);
  });

  it('lets twice maxRps requests be in flight by default', async () => {
    // One a second: the second request starts after the pace (1050 ms), while the first still runs.
    const budget = new RateBudget({ maxRps: 1, maxSearchRps: 1 });
    let inFlight = 0;
    let most = 0;
    const hold = (ms: number) => async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight -= 1;
    };
    await Promise.all([budget.schedule('read', 'customers.list', hold(1500)), budget.schedule('read', 'customers.list', hold(1))]);
    budget.close();
    expect(most).toBe(2);
  });

  it('counts the peak over one second, not over the whole run', async () => {
    // Two a second: three starts spread over more than a second, never three within one.
    const budget = new RateBudget({ maxRps: 2, maxSearchRps: 2 });
    await Promise.all(Array.from({ length: 3 }, () => budget.schedule('read', 'customers.list', async () => {})));
    budget.close();
    expect(budget.totalCalls).toBe(3);
    expect(budget.peakRequestsPerSecond()).toBeGreaterThanOrEqual(1);
    expect(budget.peakRequestsPerSecond()).toBeLessThan(3);
  });

  it('lists call counts by operation name in order', async () => {
    const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 1000 });
    for (const label of ['redaction_jobs.run', 'customers.search', 'redaction_jobs.create', 'customers.search']) {
      await budget.schedule(label === 'customers.search' ? 'search' : 'write', label, async () => {});
    }
    budget.close();
    expect(Object.entries(budget.callCounts())).toEqual([
      ['customers.search', 2],
      ['redaction_jobs.create', 1],
      ['redaction_jobs.run', 1],
    ]);
  });

  it('keeps the longest pause when 429s ask for several', async () => {
    const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 1000 });
    const order: string[] = [];
    budget.slowDown(200);
    budget.slowDown(1);
    const marker = new Promise<void>((resolve) => setTimeout(() => resolve(void order.push('100 ms passed')), 100));
    await Promise.all([budget.schedule('read', 'customers.list', async () => void order.push('request')), marker]);
    budget.close();
    expect(order).toEqual(['100 ms passed', 'request']);
    expect(budget.rateLimitedCount).toBe(2);
  });

  it('starts nothing more once closed, even when a running request ends', async () => {
    const budget = new RateBudget({ maxRps: 20, maxSearchRps: 20 });
    const started: number[] = [];
    const first = budget.schedule('read', 'customers.list', async () => void started.push(1));
    void budget.schedule('read', 'customers.list', async () => void started.push(2));
    budget.close();
    await first;
    // Four times the pace (53 ms) at which the second would have started.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(started).toEqual([1]);
    expect(budget.totalCalls).toBe(1);
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

describe('endpointOfOperation', () => {
  it('gives a verification read the endpoint of the lookup that retrieves the same kind, and every other label its own', () => {
    expect(endpointOfOperation('verify.customers.retrieve')).toBe('customer.retrieve');
    expect(endpointOfOperation('verify.payment_intents.retrieve')).toBe('payment_intent.retrieve');
    expect(endpointOfOperation('verify.checkout_sessions.retrieve')).toBe('checkout_session.retrieve');
    expect(endpointOfOperation('redaction_jobs.list_with_objects')).toBe('redaction_jobs.list');
    expect(endpointOfOperation('customers.list')).toBe('customers.list');
  });
});
