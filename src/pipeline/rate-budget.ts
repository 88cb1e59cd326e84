import { endpointOfOperation, type RequestClass } from '../stripe/gateway.js';

/** The run's rate budget (docs/architecture.md#budget-not-just-limits). */
export interface RateBudgetOptions {
  /** Requests per second for all requests, searches included. */
  maxRps: number;
  /** Requests per second for search requests (Stripe limits search separately). */
  maxSearchRps: number;
  /** Requests in flight at once. @default 2 × maxRps */
  maxInFlight?: number;
  /**
   * Requests per second to any one named API operation (one endpoint: `GET /v1/customers`, …),
   * which Stripe limits on its own besides the account's limit. @default no limit of its own
   */
  maxEndpointRps?: number;
}

/**
 * Starts are paced as if a second were 5% longer: requests reach Stripe a few ms apart from when
 * they started, and without slack that jitter alone puts budget + 1 requests into some server-side
 * second (the benchmark saw 21 against 20).
 */
const PACE_WINDOW_MS = 1050;

interface Waiter {
  requestClass: RequestClass;
  /** The endpoint its operation calls ({@link endpointOfOperation}). */
  endpoint: string;
  start: () => void;
}

/**
 * Every Stripe request of a run goes through one budget, which paces starts evenly: one request
 * every 1000/maxRps ms, and one search every 1000/maxSearchRps ms, both checked at the moment a
 * request really starts. So no 1-second window, wherever it is cut, holds more than the budget.
 *
 * Why not a sliding window (p-queue `interval: 1000, intervalCap: rps`)? It lets the whole budget
 * start at once each time the window slides, and a few ms of network jitter then puts two such
 * bursts into one of Stripe's seconds: twice the budget as the server counts it (the benchmark saw
 * 39/s against 20). And nesting a search queue inside a global one paces searches where they enter
 * the global queue, not where they start. Both constraints are therefore checked here, together.
 *
 * Each endpoint (one named operation) is paced the same way on its own, one start every
 * 1000/maxEndpointRps ms, so a burst of one kind (job creates, list-filter confirmations) stays
 * under Stripe's per-endpoint limit while other kinds use the rest of the budget.
 *
 * A 429 pauses the whole budget (`slowDown`), so the run backs off as one, not request by request.
 */
export class RateBudget {
  readonly #allIntervalMs: number;
  readonly #searchIntervalMs: number;
  readonly #endpointIntervalMs: number;
  readonly #maxInFlight: number;
  readonly #waiting: Waiter[] = [];
  #inFlight = 0;
  #nextStartMs = 0;
  #nextSearchMs = 0;
  /** When each endpoint may next start a request. */
  readonly #nextEndpointMs = new Map<string, number>();
  #pausedUntilMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #counts = new Map<string, number>();
  #total = 0;
  #rateLimited = 0;
  /** Starts of the last second, oldest first, for the peak. */
  readonly #recentStarts: number[] = [];
  #peak = 0;

  constructor(readonly options: RateBudgetOptions) {
    for (const name of ['maxRps', 'maxSearchRps'] as const) {
      const value = options[name];
      if (!Number.isFinite(value) || value < 1) {
        throw new RangeError(`Expected \`${name}\` to be a number from 1 and up, got \`${String(value)}\``);
      }
    }
    if (options.maxEndpointRps !== undefined && (!Number.isFinite(options.maxEndpointRps) || options.maxEndpointRps < 1)) {
      throw new RangeError(`Expected \`maxEndpointRps\` to be a number from 1 and up, got \`${String(options.maxEndpointRps)}\``);
    }
    if (options.maxInFlight !== undefined && (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1)) {
      throw new RangeError(`Expected \`maxInFlight\` to be an integer from 1 and up, got \`${String(options.maxInFlight)}\``);
    }
    this.#allIntervalMs = Math.ceil(PACE_WINDOW_MS / options.maxRps);
    this.#searchIntervalMs = Math.ceil(PACE_WINDOW_MS / Math.min(options.maxSearchRps, options.maxRps));
    this.#endpointIntervalMs = options.maxEndpointRps === undefined ? 0 : Math.ceil(PACE_WINDOW_MS / Math.min(options.maxEndpointRps, options.maxRps));
    this.#maxInFlight = options.maxInFlight ?? Math.max(1, Math.ceil(options.maxRps * 2));
  }

  /**
   * Runs one HTTP request inside the budget. `label` names the operation for the run's call counts
   * (`customers.search`, `redaction_jobs.create`, …).
   */
  async schedule<T>(requestClass: RequestClass, label: string, request: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      this.#waiting.push({ requestClass, endpoint: endpointOfOperation(label), start });
      this.#pump();
    });
    this.#counts.set(label, (this.#counts.get(label) ?? 0) + 1);
    try {
      return await request();
    } finally {
      this.#inFlight -= 1;
      this.#pump();
    }
  }

  /** After a 429: no request starts for `delayMs` (longer pauses win over shorter ones). */
  slowDown(delayMs: number): void {
    this.#rateLimited += 1;
    this.#pausedUntilMs = Math.max(this.#pausedUntilMs, Date.now() + delayMs);
    this.#pump();
  }

  /**
   * Starts every waiter that may start now, in order; one held back only by its own pace (a search,
   * or an endpoint that just started one) lets a later request take the free slot. Then sleeps
   * until the next one may.
   */
  #pump(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = Date.now();
    for (let i = 0; i < this.#waiting.length && this.#inFlight < this.#maxInFlight; ) {
      if (Math.max(this.#pausedUntilMs, this.#nextStartMs) > now) break; // the global pace holds everyone
      const waiter = this.#waiting[i] as Waiter;
      if (this.#ownPaceAt(waiter) > now) {
        i += 1; // waiting for its own pace: a later request may take the slot
        continue;
      }
      this.#waiting.splice(i, 1);
      this.#nextStartMs = now + this.#allIntervalMs;
      if (waiter.requestClass === 'search') this.#nextSearchMs = now + this.#searchIntervalMs;
      if (this.#endpointIntervalMs > 0) this.#nextEndpointMs.set(waiter.endpoint, now + this.#endpointIntervalMs);
      this.#inFlight += 1;
      this.#noteStart(now);
      waiter.start();
    }
    if (this.#waiting.length > 0 && this.#inFlight < this.#maxInFlight) {
      // The earliest moment anyone waiting may start: the global pace, and the soonest own pace.
      const globalAt = Math.max(this.#pausedUntilMs, this.#nextStartMs);
      let soonestOwn = Number.POSITIVE_INFINITY;
      for (const waiter of this.#waiting) soonestOwn = Math.min(soonestOwn, this.#ownPaceAt(waiter));
      const wakeAt = Math.max(globalAt, soonestOwn);
      this.#timer = setTimeout(() => this.#pump(), Math.max(1, wakeAt - now));
    }
  }

  /** When a waiter's own paces (search, its endpoint) let it start, the global one aside. */
  #ownPaceAt(waiter: Waiter): number {
    const endpointAt = this.#nextEndpointMs.get(waiter.endpoint) ?? 0;
    return waiter.requestClass === 'search' ? Math.max(endpointAt, this.#nextSearchMs) : endpointAt;
  }

  #noteStart(now: number): void {
    this.#total += 1;
    this.#recentStarts.push(now);
    while ((this.#recentStarts[0] as number) <= now - 1000) this.#recentStarts.shift();
    this.#peak = Math.max(this.#peak, this.#recentStarts.length);
  }

  /** Requests made so far, by operation. */
  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  get totalCalls(): number {
    return this.#total;
  }

  /** How many 429s slowed the run. */
  get rateLimitedCount(): number {
    return this.#rateLimited;
  }

  /** The most requests started within any 1-second window so far. */
  peakRequestsPerSecond(): number {
    return this.#peak;
  }

  /** Stops pacing; requests still waiting never start (only for the end of a run). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}
