import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, withRetry } from '../../src/pipeline/retry.js';

const fast = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 2 };
const transient = () => new GatewayError('server error', { kind: 'api', retryable: true, status: 500 });

describe('withRetry', () => {
  it('makes exactly maxAttempts attempts at a transient failure, then throws its last error', async () => {
    let calls = 0;
    const last = new GatewayError('still down', { kind: 'connection', retryable: true });
    await expect(
      withRetry(async () => {
        calls += 1;
        throw calls === 3 ? last : transient();
      }, { ...fast, maxAttempts: 3 }),
    ).rejects.toBe(last);
    expect(calls).toBe(3);
  });

  it('tells the caller of each retry: the error, the wait and the attempt that failed', async () => {
    const seen: [string, number, number][] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls <= 2) throw new GatewayError(`failure ${calls}`, { kind: 'rate_limited', retryable: true, status: 429 });
        return calls;
      },
      { maxAttempts: 5, baseDelayMs: 4, maxDelayMs: 8 },
      (error, delayMs, attempt) => seen.push([error.message, delayMs, attempt]),
    );
    expect(result).toBe(3);
    expect(seen.map(([message, , attempt]) => [message, attempt])).toEqual([
      ['failure 1', 1],
      ['failure 2', 2],
    ]);
    // Within the jittered window of each attempt: [2, 4] then [4, 8].
    expect(seen[0]?.[1]).toBeGreaterThanOrEqual(2);
    expect(seen[0]?.[1]).toBeLessThanOrEqual(4);
    expect(seen[1]?.[1]).toBeGreaterThanOrEqual(4);
    expect(seen[1]?.[1]).toBeLessThanOrEqual(8);
  });

  it('never retries what is not a retryable gateway error', async () => {
    for (const error of [new Error('a bug'), new GatewayError('bad request', { kind: 'invalid_request', retryable: false, status: 400 })]) {
      let calls = 0;
      let retries = 0;
      await expect(
        withRetry(
          async () => {
            calls += 1;
            throw error;
          },
          fast,
          () => (retries += 1),
        ),
      ).rejects.toBe(error);
      expect([calls, retries]).toEqual([1, 0]);
    }
  });

  it('returns the first success without retrying', async () => {
    let retries = 0;
    await expect(withRetry(async () => 'ok', fast, () => (retries += 1))).resolves.toBe('ok');
    expect(retries).toBe(0);
  });
});

describe('backoffDelayMs', () => {
  const policy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 1000 };

  it('doubles from the base per attempt, draws within the upper half, and stops at the cap', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, policy, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffDelayMs(2, policy, () => 0.5)).toBe(150);
    expect(backoffDelayMs(1, { ...policy, baseDelayMs: 3 }, () => 0)).toBe(2);
  });

  it('retries for about a minute in all under the default policy', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 8000 });
    const waits = Array.from({ length: DEFAULT_RETRY_POLICY.maxAttempts - 1 }, (_, i) => backoffDelayMs(i + 1, DEFAULT_RETRY_POLICY, () => 1));
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });
});
