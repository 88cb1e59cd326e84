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

/** Why a request was refused: the global limit, the separate search limit, or its operation's own limit. */
export type RateLimitVerdict = 'admitted' | 'global' | 'search' | 'endpoint';

/**
 * Stripe's limits as the emulator models them (docs/stripe.md#rate-limits, §6): every request counts against
 * the global limit; `search` routes count against the search limit as well; and each named
 * operation (method and path template) against its own per-endpoint limit. A request must fit all.
 */
export class RateLimiter {
  readonly #global: SlidingWindow;
  readonly #search: SlidingWindow;
  readonly #endpointPerSecond: number;
  /** One window per operation, made on its first request. */
  readonly #endpoints = new Map<string, SlidingWindow>();

  constructor(
    options: { perSecond: number; searchPerSecond: number; endpointPerSecond?: number },
    readonly clockMs: () => number = Date.now,
  ) {
    this.#global = new SlidingWindow(options.perSecond);
    this.#search = new SlidingWindow(options.searchPerSecond);
    this.#endpointPerSecond = options.endpointPerSecond ?? Number.POSITIVE_INFINITY;
  }

  /** `operation`: the route's method and path template (`GET /v1/customers/:id`); omitted, no per-endpoint limit. */
  admit(kind: RouteKind, operation?: string): RateLimitVerdict {
    const now = this.clockMs();
    if (!this.#global.hasRoom(now)) return 'global';
    if (kind === 'search' && !this.#search.hasRoom(now)) return 'search';
    let endpoint: SlidingWindow | undefined;
    if (operation !== undefined) {
      endpoint = this.#endpoints.get(operation);
      if (!endpoint) {
        endpoint = new SlidingWindow(this.#endpointPerSecond);
        this.#endpoints.set(operation, endpoint);
      }
      if (!endpoint.hasRoom(now)) return 'endpoint';
    }
    this.#global.record(now);
    if (kind === 'search') this.#search.record(now);
    endpoint?.record(now);
    return 'admitted';
  }
}
