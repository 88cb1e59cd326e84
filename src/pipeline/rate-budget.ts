import PQueue from 'p-queue';
import type { RequestClass } from '../stripe/gateway.js';

/** The run's rate budget (design.md "Budget, not just limits"). */
export interface RateBudgetOptions {
  /** Requests per second for all requests, searches included. */
  maxRps: number;
  /** Requests per second for search requests (Stripe limits search separately). */
  maxSearchRps: number;
  /** Requests in flight at once. @default 2 × maxRps */
  maxInFlight?: number;
}

/**
 * Every Stripe request of a run goes through one budget: a strict sliding 1-second window for all
 * requests and a second one for searches, so no 1-second window ever holds more than the budget —
 * p-queue's `strict` mode tracks each start time rather than fixed intervals.
 * A 429 pauses the whole budget (`slowDown`), so the run backs off as one, not request by request.
 */
export class RateBudget {
  readonly #all: PQueue;
  readonly #search: PQueue;
  readonly #counts = new Map<string, number>();
  readonly #startTimesMs: number[] = [];
  #resumeTimer: NodeJS.Timeout | undefined;
  #pausedUntilMs = 0;
  #rateLimited = 0;

  constructor(readonly options: RateBudgetOptions) {
    for (const name of ['maxRps', 'maxSearchRps'] as const) {
      const value = options[name];
      if (!Number.isFinite(value) || value < 1) {
        throw new RangeError(`Expected \`${name}\` to be a number from 1 and up, got \`${String(value)}\``);
      }
    }
    const maxRps = Math.floor(options.maxRps);
    const maxSearchRps = Math.min(Math.floor(options.maxSearchRps), maxRps);
    this.#all = new PQueue({
      concurrency: options.maxInFlight ?? maxRps * 2,
      interval: 1000,
      intervalCap: maxRps,
      strict: true,
    });
    this.#search = new PQueue({ concurrency: maxSearchRps, interval: 1000, intervalCap: maxSearchRps, strict: true });
  }

  /**
   * Runs one HTTP request inside the budget. `label` names the operation for the run's call counts
   * (`customers.search`, `redaction_jobs.create`, …).
   */
  schedule<T>(requestClass: RequestClass, label: string, request: () => Promise<T>): Promise<T> {
    const start = (): Promise<T> =>
      this.#all.add(
        () => {
          this.#counts.set(label, (this.#counts.get(label) ?? 0) + 1);
          this.#startTimesMs.push(Date.now());
          return request();
        },
      );
    if (requestClass === 'search') return this.#search.add(start);
    return start();
  }

  /** After a 429: no request starts for `delayMs` (longer pauses win over shorter ones). */
  slowDown(delayMs: number): void {
    this.#rateLimited += 1;
    const until = Date.now() + delayMs;
    if (until <= this.#pausedUntilMs) return;
    this.#pausedUntilMs = until;
    this.#all.pause();
    this.#search.pause();
    clearTimeout(this.#resumeTimer);
    this.#resumeTimer = setTimeout(() => {
      this.#all.start();
      this.#search.start();
    }, delayMs);
    this.#resumeTimer.unref();
  }

  /** Requests made so far, by operation. */
  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  get totalCalls(): number {
    let total = 0;
    for (const n of this.#counts.values()) total += n;
    return total;
  }

  /** How many 429s slowed the run. */
  get rateLimitedCount(): number {
    return this.#rateLimited;
  }

  /** The most requests started within any 1-second window so far (for the benchmark and the summary). */
  peakRequestsPerSecond(): number {
    const t = this.#startTimesMs;
    let peak = 0;
    let lo = 0;
    for (let hi = 0; hi < t.length; hi++) {
      while ((t[hi] as number) - (t[lo] as number) >= 1000) lo++;
      peak = Math.max(peak, hi - lo + 1);
    }
    return peak;
  }

  close(): void {
    clearTimeout(this.#resumeTimer);
    this.#all.clear();
    this.#search.clear();
  }
}
