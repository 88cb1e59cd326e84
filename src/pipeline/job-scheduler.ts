import PQueue from 'p-queue';
import type { RedactionJobView } from '../domain/job.js';
import type { JobLedger, StoredJob } from '../state/state-store.js';

/** How the scheduler drives and follows a job (drive-job.ts, follow-job.ts in a run). */
export interface JobRunners {
  drive(job: StoredJob): Promise<void>;
  /** Follows a job of another input; resolves with the status it was left in. */
  follow(job: StoredJob): Promise<string>;
}

export interface SchedulerOptions {
  store: Pick<JobLedger, 'insertJob' | 'recordJobCreated'>;
  runId: string;
  /** Jobs driven at once. */
  concurrency: number;
  /** The run's interrupt (SIGINT/SIGTERM): it stops the scheduler like a fatal error, without one. */
  interrupt?: AbortSignal;
  /** Told each time a driven job is done (progress). */
  onJobDone?: () => void;
}

/**
 * The run's job queue and its one stop signal. The signal aborts on the interrupt and on the first
 * fatal error a driver throws: from then on nothing new is queued or started — no job written into
 * the state, no driver begun — and every driver and wait sharing the signal ends where it is.
 */
export class JobScheduler {
  readonly #queue: PQueue;
  readonly #stop = new AbortController();
  readonly #options: SchedulerOptions;
  #runners: JobRunners | undefined;
  #fatal: unknown;
  #hasFatal = false;
  jobsStarted = 0;
  jobsDone = 0;
  /** Jobs of other inputs followed, by the status each was left in. */
  readonly followed = { jobs: 0, byStatus: {} as Record<string, number> };

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#queue = new PQueue({ concurrency: options.concurrency });
    this.#stop.signal.addEventListener('abort', () => this.#queue.clear(), { once: true });
    const { interrupt } = options;
    if (interrupt?.aborted) this.#stop.abort();
    else interrupt?.addEventListener('abort', () => this.#stop.abort(), { once: true, signal: this.#stop.signal });
  }

  /** Aborts on the interrupt or a fatal error. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  get stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  /** The fatal error that stopped the run, if one did (thrown by {@link throwIfFatal}). */
  get fatal(): unknown {
    return this.#fatal;
  }

  /** Set once, before anything is queued: how jobs are driven and followed. */
  use(runners: JobRunners): void {
    this.#runners = runners;
  }

  /** A fatal error: the first one is kept, and the run stops. */
  fail(error: unknown): void {
    if (!this.#hasFatal) {
      this.#hasFatal = true;
      this.#fatal = error;
    }
    this.#stop.abort();
  }

  throwIfFatal(): void {
    if (this.#hasFatal) throw this.#fatal;
  }

  /** Writes a job for these objects and drives it; its local id, or undefined when stopped (nothing written). */
  submit(objectIds: string[]): number | undefined {
    if (objectIds.length === 0 || this.stopped) return undefined;
    const job = this.#options.store.insertJob(objectIds, 'error', this.#options.runId);
    this.drive(job);
    return job.localId;
  }

  /** Takes a job Stripe already holds for these objects as this state's own, and drives it. */
  adopt(twin: RedactionJobView, objectIds: string[]): void {
    if (this.stopped) return;
    const job = this.#options.store.insertJob(objectIds, twin.validationBehavior, this.#options.runId);
    this.#options.store.recordJobCreated(job, twin.id, twin.status, twin.created);
    this.drive(job);
  }

  drive(job: StoredJob): void {
    const runners = this.#runnersOrThrow();
    this.jobsStarted += 1;
    this.#enqueue(async () => {
      if (this.stopped) return;
      try {
        await runners.drive(job);
      } finally {
        this.jobsDone += 1;
        this.#options.onJobDone?.();
      }
    });
  }

  follow(job: StoredJob): void {
    const runners = this.#runnersOrThrow();
    this.followed.jobs += 1;
    this.#enqueue(async () => {
      if (this.stopped) return;
      const status = await runners.follow(job);
      this.followed.byStatus[status] = (this.followed.byStatus[status] ?? 0) + 1;
    });
  }

  /** Back-pressure: resolves once fewer than `size` jobs wait for a slot. */
  async waitForRoom(size: number): Promise<void> {
    await this.#queue.onSizeLessThan(size);
  }

  /** Resolves once every queued and running job is done. */
  async onIdle(): Promise<void> {
    await this.#queue.onIdle();
  }

  #enqueue(task: () => Promise<void>): void {
    void this.#queue.add(() => task().catch((error: unknown) => this.fail(error))).catch((error: unknown) => this.fail(error));
  }

  #runnersOrThrow(): JobRunners {
    if (!this.#runners) throw new Error('JobScheduler: use() was not called');
    return this.#runners;
  }
}
