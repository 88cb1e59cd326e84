/**
 * What every step of the selftest's walk stands on: the probe and the options, the steps run one by
 * one (a failure recorded, the walk going on), the jobs and customers made, polling a job until
 * Stripe stops working on it, and the cleanup of what the walk made.
 */
import { GatewayError } from '../errors.js';
import type { Observations } from './observations.js';
import type { ProbeJob, StripeProbe } from './probe.js';

export interface WalkOptions {
  /** Names this selftest's objects and idempotency keys: unique per selftest. */
  runId: string;
  /** How often a working job (validating, redacting, canceling) is polled. @default 1000 (ms) */
  pollIntervalMs?: number;
  /** How long one job may keep working before the step gives up on it. @default 600000 (ms) */
  jobTimeoutMs?: number;
  /** How long after a job succeeded its objects are read a second time ("a few seconds later"). @default 5000 (ms) */
  settleWaitMs?: number;
  /** Ends waits early (Ctrl-C): the walk then skips to its cleanup. */
  signal?: AbortSignal;
  /** One line per step, for the progress of a person watching. */
  onStep?: (step: string) => void;
}

/** Statuses in which Stripe is working on the job and the client only waits. */
const WORKING = new Set(['created', 'validating', 'redacting', 'canceling']);

/** Live jobs a cancel ends. */
export const CANCELABLE = new Set(['ready', 'failed']);

/** The walk's state and the primitives its steps use (walk-guide.ts's GuideWalk takes the steps). */
export class WalkSession {
  readonly observations: Observations = { statusesSeen: [], stepFailures: [], cleanup: { done: [], left: [] } };
  protected readonly probe: StripeProbe;
  protected readonly runId: string;
  protected readonly pollIntervalMs: number;
  readonly #jobTimeoutMs: number;
  protected readonly settleWaitMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onStep: (step: string) => void;
  /** Every job made, for the cleanup. */
  readonly #jobs: string[] = [];
  /** Customers made, and whether a job redacted them (a redacted customer is gone already). */
  protected readonly customers = new Map<string, { redacted: boolean }>();

  constructor(probe: StripeProbe, options: WalkOptions) {
    this.probe = probe;
    this.runId = options.runId;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#jobTimeoutMs = options.jobTimeoutMs ?? 600_000;
    this.settleWaitMs = options.settleWaitMs ?? 5000;
    this.#signal = options.signal;
    this.#onStep = options.onStep ?? (() => {});
  }

  /** Cancels every live job this walk made and deletes its customers that no job redacted. */
  async cleanup(): Promise<void> {
    const { done, left } = this.observations.cleanup;
    for (const jobId of this.#jobs) {
      try {
        let job = await this.settle(jobId, { abortable: false });
        if (CANCELABLE.has(job.status)) {
          const answer = await this.probe.cancelJob(jobId, this.key(`cleanup-${jobId}`));
          if (!answer.ok) throw new Error(answer.refusal.message);
          job = await this.settle(jobId, { abortable: false });
          if (job.status === 'canceled') done.push(`canceled job ${jobId}`);
        }
        if (job.status !== 'canceled' && job.status !== 'succeeded') left.push(`job ${jobId} is still ${job.status}`);
      } catch (error) {
        left.push(`job ${jobId}: could not cancel it (${messageOf(error)})`);
      }
    }
    for (const [customer, { redacted }] of this.customers) {
      try {
        // A redacted customer reads deleted once all its objects are redacted; one Stripe still
        // holds (a young charge) is deleted now, so no selftest customer stays listed.
        const deleted = await this.probe.deleteCustomer(customer);
        done.push(redacted ? `customer ${customer} was redacted by the selftest's job${deleted ? ' (and deleted)' : ''}` : `deleted customer ${customer}`);
      } catch (error) {
        left.push(`customer ${customer}: could not delete it (${messageOf(error)})`);
      }
    }
  }

  /** Runs one step; a failure is recorded and the walk goes on, unless the key itself was refused. */
  protected async step<T>(name: string, action: () => Promise<T>): Promise<T | undefined> {
    if (this.#signal?.aborted) {
      this.observations.stepFailures.push({ step: name, message: 'interrupted before this step' });
      return undefined;
    }
    this.#onStep(name);
    try {
      return await action();
    } catch (error) {
      if (error instanceof GatewayError && (error.kind === 'auth' || error.kind === 'permission' || error.kind === 'unavailable')) throw error;
      this.observations.stepFailures.push({ step: name, message: messageOf(error) });
      return undefined;
    }
  }

  protected async customer(step: string): Promise<string> {
    const { id } = await this.probe.createCustomer(this.runId, step);
    this.customers.set(id, { redacted: false });
    return id;
  }

  protected async createJob(customers: string[], behavior: 'error' | 'fix', step: string): Promise<ProbeJob | undefined> {
    const created = await this.probe.createJob(customers, behavior, this.key(step));
    if (!created.ok) return undefined;
    this.made(created.value);
    return created.value;
  }

  protected made(job: ProbeJob): void {
    this.#jobs.push(job.id);
    this.see(job.status);
  }

  protected see(status: string): void {
    if (!this.observations.statusesSeen.includes(status)) this.observations.statusesSeen.push(status);
  }

  protected key(step: string): string {
    return `stripe-redact-selftest-${this.runId}-${step}`;
  }

  /** Polls the job until Stripe stops working on it; throws after `jobTimeoutMs`. */
  protected async settle(jobId: string, { abortable = true } = {}): Promise<ProbeJob> {
    const deadline = Date.now() + this.#jobTimeoutMs;
    for (;;) {
      const answer = await this.probe.retrieveJob(jobId);
      if (!answer.ok) throw new Error(`job ${jobId} could not be read: ${answer.refusal.message}`);
      this.see(answer.value.status);
      if (!WORKING.has(answer.value.status)) return answer.value;
      if (Date.now() >= deadline) throw new Error(`job ${jobId} was still ${answer.value.status} after ${this.#jobTimeoutMs} ms`);
      if (abortable && this.#signal?.aborted) throw new Error(`interrupted while job ${jobId} was ${answer.value.status}`);
      await this.sleep(this.pollIntervalMs, abortable);
    }
  }

  protected sleep(ms: number, abortable = true): Promise<void> {
    const signal = abortable ? this.#signal : undefined;
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
