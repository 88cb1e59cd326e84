/**
 * The rate budget on a fake clock (vitest's fake timers stand in for `Date.now` and `setTimeout`):
 * the exact millisecond each request starts, the second its peak counts, and that it sleeps only
 * until a request may start — no wake-up that starts nothing, no timer left once nothing waits.
 * No real time passes, so these hold on a loaded machine too.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import type { RequestClass } from '../../src/stripe/gateway.js';

const T0 = 1_700_000_000_000;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Queues `requests` at once; each notes when it started (ms after T0) under its name. */
function queue(budget: RateBudget, requests: [name: string, requestClass: RequestClass, label: string][], starts: [string, number][] = []) {
  const done = Promise.all(requests.map(([name, requestClass, label]) => budget.schedule(requestClass, label, async () => void starts.push([name, Date.now() - T0]))));
  return { starts, done };
}

/**
 * Moves the clock from timer to timer until nothing is left to start, noting for each wake-up of
 * the budget how many requests it started.
 */
async function wakeUps(starts: unknown[]): Promise<{ at: number; started: number }[]> {
  const wakes: { at: number; started: number }[] = [];
  // What may start at once has started by now.
  await vi.advanceTimersByTimeAsync(0);
  while (vi.getTimerCount() > 0) {
    // The budget never holds two timers at once.
    expect(vi.getTimerCount()).toBe(1);
    const before = starts.length;
    await vi.advanceTimersToNextTimerAsync();
    wakes.push({ at: Date.now() - T0, started: starts.length - before });
  }
  return wakes;
}

describe('RateBudget on a fake clock', () => {
  it('starts the first request at once and each next one exactly one pace later (1050 ms ÷ maxRps, rounded up)', async () => {
    const budget = new RateBudget({ maxRps: 10, maxSearchRps: 10 });
    const { starts, done } = queue(budget, [
      ['a', 'write', 'redaction_jobs.create'],
      ['b', 'write', 'redaction_jobs.create'],
      ['c', 'read', 'customers.list'],
      ['d', 'read', 'customers.list'],
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([['a', 0]]);
    const wakes = await wakeUps(starts);
    await done;
    budget.close();
    expect(starts).toEqual([
      ['a', 0],
      ['b', 105],
      ['c', 210],
      ['d', 315],
    ]);
    // It woke exactly when each could start, and never for nothing.
    expect(wakes).toEqual([
      { at: 105, started: 1 },
      { at: 210, started: 1 },
      { at: 315, started: 1 },
    ]);
  });

  it('paces searches by their own budget, while the reads behind them take the free slots', async () => {
    const budget = new RateBudget({ maxRps: 10, maxSearchRps: 2 });
    const { starts, done } = queue(budget, [
      ['search 1', 'search', 'customers.search'],
      ['search 2', 'search', 'customers.search'],
      ['read 1', 'read', 'customers.list'],
      ['read 2', 'read', 'customers.list'],
    ]);
    const wakes = await wakeUps(starts);
    await done;
    budget.close();
    // Searches 525 ms apart (1050 ÷ 2); the reads start at the global pace of 105 ms meanwhile.
    expect(starts).toEqual([
      ['search 1', 0],
      ['read 1', 105],
      ['read 2', 210],
      ['search 2', 525],
    ]);
    expect(wakes).toEqual([
      { at: 105, started: 1 },
      { at: 210, started: 1 },
      { at: 525, started: 1 },
    ]);
  });

  it('does not pace a read by the searches before it', async () => {
    const budget = new RateBudget({ maxRps: 10, maxSearchRps: 2 });
    const { starts, done } = queue(budget, [
      ['read 1', 'read', 'customers.list'],
      ['search', 'search', 'customers.search'],
      ['read 2', 'read', 'customers.list'],
    ]);
    await wakeUps(starts);
    await done;
    budget.close();
    expect(starts).toEqual([
      ['read 1', 0],
      ['search', 105],
      ['read 2', 210],
    ]);
  });

  it('paces each endpoint on its own (1050 ms ÷ maxEndpointRps), other endpoints taking the slots between', async () => {
    const budget = new RateBudget({ maxRps: 10, maxSearchRps: 10, maxEndpointRps: 4 });
    const { starts, done } = queue(budget, [
      ['jobs 1', 'read', 'redaction_jobs.list'],
      ['jobs 2', 'read', 'redaction_jobs.list_with_objects'],
      ['customers 1', 'read', 'customers.list'],
      ['customers 2', 'read', 'customers.list'],
    ]);
    const wakes = await wakeUps(starts);
    await done;
    budget.close();
    // One job list every 263 ms (⌈1050 ÷ 4⌉); a customer list every 263 ms too, 105 ms after.
    expect(starts).toEqual([
      ['jobs 1', 0],
      ['customers 1', 105],
      ['jobs 2', 263],
      ['customers 2', 368],
    ]);
    expect(wakes.every((wake) => wake.started === 1)).toBe(true);
  });

  it('after a 429 starts nothing until the pause is over, then at once', async () => {
    const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 1000 });
    budget.slowDown(300);
    const { starts, done } = queue(budget, [['after the pause', 'read', 'customers.list']]);
    const wakes = await wakeUps(starts);
    await done;
    budget.close();
    expect(starts).toEqual([['after the pause', 300]]);
    expect(wakes).toEqual([{ at: 300, started: 1 }]);
  });

  it('counts two starts exactly one second apart in two seconds, and 999 ms apart in one', async () => {
    const apart = async (ms: number) => {
      const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 1000 });
      await budget.schedule('read', 'customers.list', async () => {});
      budget.slowDown(ms);
      const { starts, done } = queue(budget, [['second', 'read', 'customers.list']]);
      await wakeUps(starts);
      await done;
      budget.close();
      expect(starts).toEqual([['second', ms]]);
      return budget.peakRequestsPerSecond();
    };
    expect(await apart(1000)).toBe(1);
    vi.setSystemTime(T0);
    expect(await apart(999)).toBe(2);
  });

  it('keeps the highest count of any second as its peak, not the last second\'s', async () => {
    const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 1000 });
    const burst = queue(budget, [
      ['1', 'read', 'customers.list'],
      ['2', 'read', 'customers.list'],
      ['3', 'read', 'customers.list'],
    ]);
    await wakeUps(burst.starts);
    await burst.done;
    budget.slowDown(2000);
    const later = queue(budget, [['4', 'read', 'customers.list']]);
    await wakeUps(later.starts);
    await later.done;
    budget.close();
    expect(budget.peakRequestsPerSecond()).toBe(3);
    expect(budget.totalCalls).toBe(4);
  });

  it('holds no timer once nothing waits, so it never keeps the process alive', async () => {
    const budget = new RateBudget({ maxRps: 10, maxSearchRps: 10 });
    const { starts, done } = queue(budget, [
      ['a', 'read', 'customers.list'],
      ['b', 'read', 'customers.list'],
    ]);
    await wakeUps(starts);
    await done;
    expect(starts).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
    // Nor after a request that waited for its pace, nor after one that started at once.
    const paced = queue(budget, [['paced', 'read', 'customers.list']], starts);
    await wakeUps(starts);
    await paced.done;
    expect(vi.getTimerCount()).toBe(0);
    vi.setSystemTime(Date.now() + 1000);
    await budget.schedule('read', 'customers.list', async () => {});
    expect(vi.getTimerCount()).toBe(0);
    budget.close();
    expect(budget.totalCalls).toBe(4);
  });

  it('once closed, holds no timer and starts nothing that was waiting for its pace', async () => {
    const budget = new RateBudget({ maxRps: 10, maxSearchRps: 10 });
    const { starts } = queue(budget, [
      ['a', 'read', 'customers.list'],
      ['b', 'read', 'customers.list'],
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    budget.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toEqual([['a', 0]]);
  });

  it('while every slot is in flight, waits for a request to end rather than a timer, then starts the next at once', async () => {
    const budget = new RateBudget({ maxRps: 10, maxSearchRps: 10, maxInFlight: 1 });
    let release = () => {};
    const starts: [string, number][] = [];
    const first = budget.schedule('read', 'customers.list', async () => {
      starts.push(['first', Date.now() - T0]);
      await new Promise<void>((resolve) => (release = resolve));
    });
    const second = budget.schedule('read', 'customers.list', async () => void starts.push(['second', Date.now() - T0]));
    await vi.advanceTimersByTimeAsync(0);
    // The pace would allow the second at 105 ms; the cap holds it, and no timer is set for it.
    expect(vi.getTimerCount()).toBe(0);
    vi.setSystemTime(T0 + 500);
    release();
    await Promise.all([first, second]);
    budget.close();
    expect(starts).toEqual([
      ['first', 0],
      ['second', 500],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a request that arrives while another waits for the pace changes nothing of when either starts', async () => {
    const budget = new RateBudget({ maxRps: 10, maxSearchRps: 10 });
    const early = queue(budget, [
      ['a', 'read', 'customers.list'],
      ['b', 'read', 'customers.list'],
    ]);
    await vi.advanceTimersByTimeAsync(50);
    const late = queue(budget, [['c', 'read', 'customers.list']], early.starts);
    const wakes = await wakeUps(early.starts);
    await Promise.all([early.done, late.done]);
    budget.close();
    expect(early.starts).toEqual([
      ['a', 0],
      ['b', 105],
      ['c', 210],
    ]);
    expect(wakes.map((wake) => wake.at)).toEqual([105, 210]);
  });
});
