import { describe, expect, it } from 'vitest';
import { RateLimiter, SlidingWindow } from '../../src/emulator/rate-limiter.js';

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
