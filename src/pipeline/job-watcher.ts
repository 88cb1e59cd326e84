import { GatewayError } from '../errors.js';
import { isTransientJobStatus, type RedactionJobView } from '../domain/job.js';
import type { StripeGateway } from '../stripe/gateway.js';

export interface JobWatcherOptions {
  /** How often waiting jobs are looked at. @default 1000 (ms) */
  pollIntervalMs: number;
  /** How long one wait may last before it gives up with {@link JobWaitTimeout}. @default Infinity (ms) */
  maxWaitMs?: number;
  /** From this many waiting jobs on, one list call may replace several retrieves. @default 3 */
  listThreshold?: number;
}

/** A job that Stripe kept working on for longer than the run waits (an incident, a huge cascade). */
export class JobWaitTimeout extends Error {
  constructor(
    readonly jobId: string,
    readonly lastStatus: string | undefined,
    readonly waitedMs: number,
  ) {
    super(`job ${jobId} is still ${lastStatus ?? 'working'} after ${Math.round(waitedMs / 1000)} s`);
    this.name = 'JobWaitTimeout';
  }
}

interface Waiter {
  jobId: string;
  created: number;
  since: number;
  resolve: (job: RedactionJobView) => void;
  reject: (error: unknown) => void;
}

const LIST_PAGE = 100;

/**
 * Waits for many jobs at once with few calls. Each tick, when enough jobs wait, it pages through
 * the newest-first job list until it has seen every waiting job or passed the oldest of them —
 * one call for up to 100 jobs — and retrieves one by one only what the list did not show.
 */
export class JobWatcher {
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #listThreshold: number;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #closed = false;

  constructor(
    readonly gateway: StripeGateway,
    readonly options: JobWatcherOptions,
  ) {
    if (!Number.isFinite(options.pollIntervalMs) || options.pollIntervalMs < 1) {
      throw new RangeError(`Expected \`pollIntervalMs\` to be a number from 1 and up, got \`${options.pollIntervalMs}\``);
    }
    this.#listThreshold = options.listThreshold ?? 3;
  }

  /** Resolves with the job once Stripe no longer works on it by itself (ready, failed, succeeded, canceled). */
  waitSettled(jobId: string, created: number): Promise<RedactionJobView> {
    if (this.#closed) return Promise.reject(new Error('JobWatcher is closed'));
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(jobId) ?? [];
      list.push({ jobId, created, since: Date.now(), resolve, reject });
      this.#waiters.set(jobId, list);
      this.#schedule();
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const list of this.#waiters.values()) for (const w of list) w.reject(new Error('JobWatcher closed'));
    this.#waiters.clear();
  }

  #schedule(): void {
    if (this.#timer || this.#ticking || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#tick();
    }, this.options.pollIntervalMs);
  }

  async #tick(): Promise<void> {
    this.#ticking = true;
    try {
      const waiting = [...this.#waiters.keys()];
      const seen = new Map<string, RedactionJobView>();
      if (waiting.length >= this.#listThreshold) await this.#listInto(waiting, seen);
      await Promise.all(
        waiting
          .filter((id) => !seen.has(id))
          .map(async (id) => {
            try {
              seen.set(id, await this.gateway.retrieveJob(id));
            } catch (error) {
              this.#settle(id, undefined, error);
            }
          }),
      );
      for (const [id, job] of seen) if (!isTransientJobStatus(job.status)) this.#settle(id, job);
      this.#expire(seen);
    } catch (error) {
      // A list failure that retries did not cure: every waiter hears about it.
      for (const id of [...this.#waiters.keys()]) this.#settle(id, undefined, error);
    } finally {
      this.#ticking = false;
      if (this.#waiters.size > 0) this.#schedule();
    }
  }

  async #listInto(waiting: string[], seen: Map<string, RedactionJobView>): Promise<void> {
    const wanted = new Set(waiting);
    let oldest = Infinity;
    for (const id of waiting) for (const w of this.#waiters.get(id) ?? []) oldest = Math.min(oldest, w.created);
    // Never spend more list pages than the retrieves they replace.
    const maxPages = Math.max(1, Math.floor(waiting.length / 2));
    let startingAfter: string | undefined;
    for (let page = 0; page < maxPages && wanted.size > 0; page++) {
      const result = await this.gateway.listJobs({ limit: LIST_PAGE, ...(startingAfter ? { startingAfter } : {}) });
      for (const job of result.data) {
        if (wanted.delete(job.id)) seen.set(job.id, job);
      }
      const last = result.data.at(-1);
      if (!result.hasMore || !last || last.created < oldest) return;
      startingAfter = last.id;
    }
  }

  /** Gives up on waits older than `maxWaitMs`. */
  #expire(seen: Map<string, RedactionJobView>): void {
    const maxWaitMs = this.options.maxWaitMs ?? Infinity;
    if (!Number.isFinite(maxWaitMs)) return;
    const now = Date.now();
    for (const [id, list] of [...this.#waiters]) {
      const since = Math.min(...list.map((w) => w.since));
      if (now - since >= maxWaitMs) this.#settle(id, undefined, new JobWaitTimeout(id, seen.get(id)?.status, now - since));
    }
  }

  #settle(jobId: string, job: RedactionJobView | undefined, error?: unknown): void {
    const list = this.#waiters.get(jobId);
    if (!list) return;
    this.#waiters.delete(jobId);
    for (const w of list) {
      if (job) w.resolve(job);
      else w.reject(error instanceof Error ? error : new GatewayError(String(error), { kind: 'api', retryable: false }));
    }
  }
}
