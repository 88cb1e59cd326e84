import type { RouteKind } from './route.js';

/**
 * At most `limit` admissions in any sliding window of `windowMs`. Only admitted requests count:
 * a refused request does not push the window further out.
 */
export class SlidingWindow {
  /** Admission times, oldest first; entries older than the window are dropped lazily. */
  readonly #admittedAtMs: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
  ) {}

  hasRoom(nowMs: number): boolean {
    while (this.#admittedAtMs.length > 0 && (this.#admittedAtMs[0] ?? 0) <= nowMs - this.windowMs) this.#admittedAtMs.shift();
    return this.#admittedAtMs.length < this.limit;
  }

  record(nowMs: number): void {
    this.#admittedAtMs.push(nowMs);
  }
}

/** Why a request was refused: the global limit, or the separate search limit. */
export type RateLimitVerdict = 'admitted' | 'global' | 'search';

/**
 * Stripe's two limits as the emulator models them (stripe-api.md §4): every request counts against
 * the global limit; `search` routes count against the search limit as well, and must fit both.
 */
export class RateLimiter {
  readonly #global: SlidingWindow;
  readonly #search: SlidingWindow;

  constructor(
    options: { perSecond: number; searchPerSecond: number },
    readonly clockMs: () => number = Date.now,
  ) {
    this.#global = new SlidingWindow(options.perSecond);
    this.#search = new SlidingWindow(options.searchPerSecond);
  }

  admit(kind: RouteKind): RateLimitVerdict {
    const now = this.clockMs();
    if (!this.#global.hasRoom(now)) return 'global';
    if (kind === 'search' && !this.#search.hasRoom(now)) return 'search';
    this.#global.record(now);
    if (kind === 'search') this.#search.record(now);
    return 'admitted';
  }
}
