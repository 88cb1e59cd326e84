import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { retryDelayMs, shouldRetry, withRetry } from '../../src/pipeline/retry.js';

const POLICY = { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40 };
const error = (details: Partial<ConstructorParameters<typeof GatewayError>[1]> = {}) =>
  new GatewayError('boom', { kind: 'api', retryable: true, ...details });

describe('retries as Stripe specifies them', () => {
  it('obeys Stripe-Should-Retry over its own judgement, either way', () => {
    expect(shouldRetry(error())).toBe(true);
    expect(shouldRetry(error({ shouldRetry: false }))).toBe(false);
    expect(shouldRetry(error({ kind: 'invalid_request', retryable: false, shouldRetry: true }))).toBe(true);
    expect(shouldRetry(error({ kind: 'invalid_request', retryable: false }))).toBe(false);
  });

  it('waits what Retry-After asks (capped at a minute), else the backoff', () => {
    expect(retryDelayMs(error({ retryAfterMs: 3000 }), 1, POLICY)).toBe(3000);
    expect(retryDelayMs(error({ retryAfterMs: 3_600_000 }), 1, POLICY)).toBe(60_000);
    expect(retryDelayMs(error(), 1, POLICY, () => 0)).toBe(5);
    expect(retryDelayMs(error(), 3, POLICY, () => 1)).toBe(40);
  });

  it('stops at once when Stripe says not to retry, and after the last attempt otherwise', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls += 1; throw error({ shouldRetry: false }); }, POLICY)).rejects.toThrow('boom');
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetry(async () => { calls += 1; throw error(); }, POLICY)).rejects.toThrow('boom');
    expect(calls).toBe(4);
  });

  it('ends a wait at once when the run is interrupted, with the last error', async () => {
    const interrupt = new AbortController();
    let calls = 0;
    const started = Date.now();
    const retried = withRetry(
      async () => {
        calls += 1;
        throw error({ retryAfterMs: 60_000 });
      },
      POLICY,
      () => setTimeout(() => interrupt.abort(), 5),
      interrupt.signal,
    );
    await expect(retried).rejects.toThrow('boom');
    expect(calls).toBe(1);
    // Not a timing assertion of the code under test's speed: a minute's wait that did not happen.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('leaves no listener on the run\'s signal after its waits, whether they ran out or were interrupted', async () => {
    // A run retries thousands of times under one signal: a listener left per wait would pile up.
    const run = new AbortController();
    let calls = 0;
    const answer = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw error({ retryAfterMs: 1 });
        return 'answer';
      },
      POLICY,
      () => {},
      run.signal,
    );
    expect([answer, calls]).toEqual(['answer', 3]);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);

    const interrupt = new AbortController();
    const retried = withRetry(
      async () => {
        throw error({ retryAfterMs: 60_000 });
      },
      POLICY,
      () => setTimeout(() => interrupt.abort(), 5),
      interrupt.signal,
    );
    await expect(retried).rejects.toThrow('boom');
    expect(getEventListeners(interrupt.signal, 'abort')).toHaveLength(0);
  });
});
