import { describe, expect, it } from 'vitest';
import { RateLimiter, SlidingWindow } from '../../src/emulator/rate-limiter.js';
import { peakRequestsPerOperation } from '../../src/emulator/request-log.js';

describe('SlidingWindow', () => {
  it('admits `limit` per window and frees a slot exactly one window after an admission', () => {
    const window = new SlidingWindow(2, 1000);
    window.record(0);
    window.record(400);
    expect(window.hasRoom(999)).toBe(false);
    expect(window.hasRoom(1000)).toBe(true); // the admission at 0 left the window
  });
});

describe('RateLimiter', () => {
  it('counts search against both limits, and only admitted requests', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 3, searchPerSecond: 1 }, () => now);
    expect(limiter.admit('search')).toBe('admitted');
    expect(limiter.admit('search')).toBe('search');
    expect(limiter.admit('read')).toBe('admitted');
    expect(limiter.admit('write')).toBe('admitted');
    expect(limiter.admit('read')).toBe('global');
    now = 1000;
    expect(limiter.admit('search')).toBe('admitted');
  });
});

describe('RateLimiter per endpoint', () => {
  it('limits each named operation on its own, inside the global limit', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 10, searchPerSecond: 10, endpointPerSecond: 2 }, () => now);
    expect(limiter.admit('write', 'POST /v1/privacy/redaction_jobs')).toBe('admitted');
    expect(limiter.admit('write', 'POST /v1/privacy/redaction_jobs')).toBe('admitted');
    expect(limiter.admit('write', 'POST /v1/privacy/redaction_jobs')).toBe('endpoint');
    expect(limiter.admit('read', 'GET /v1/customers')).toBe('admitted');
    expect(limiter.admit('read', 'GET /v1/customers/:id')).toBe('admitted');
    now = 1000;
    expect(limiter.admit('write', 'POST /v1/privacy/redaction_jobs')).toBe('admitted');
  });
});

describe('peakRequestsPerOperation', () => {
  it('counts the most arrivals of each operation within any 1-second window', () => {
    const entry = (operation: string, receivedAtMs: number) => ({ requestId: 'req', method: 'GET', path: '/x', status: 200, durationMs: 1, operation, receivedAtMs });
    const peaks = peakRequestsPerOperation([
      entry('GET /v1/customers', 0),
      entry('GET /v1/customers', 600),
      entry('GET /v1/customers', 999),
      entry('GET /v1/customers', 1000),
      entry('GET /v1/customers', 1700),
      entry('POST /v1/privacy/redaction_jobs', 10),
    ]);
    expect(peaks).toEqual({ 'GET /v1/customers': 3, 'POST /v1/privacy/redaction_jobs': 1 });
  });
});
