import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from '../../src/stripe/retry-after.js';

describe('Retry-After, read', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfterMs('2')).toBe(2000);
    expect(parseRetryAfterMs('0.5')).toBe(500);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs('-1')).toBeUndefined();
  });

  it('reads a blank header as absent, and a date already past as no wait', () => {
    expect(parseRetryAfterMs('')).toBeUndefined();
    expect(parseRetryAfterMs('   ')).toBeUndefined();
    expect(parseRetryAfterMs(new Date(1_000).toUTCString(), 4_000)).toBe(0);
  });

  it('rounds fractional seconds to whole milliseconds', () => {
    expect(parseRetryAfterMs('1.2345')).toBe(1235);
  });
});
