import type { RedactionJobView, ValidationBehavior } from '../domain/job.js';
import type { StateStore } from '../state/state-store.js';
import type { Logger } from '../io/logger.js';
import type { StripeGateway } from '../stripe/gateway.js';
import type { JobWatcher } from './job-watcher.js';
import type { RunMemory } from './run-memory.js';

/** What drives a job: the run's ports and choices. */
export interface DriveContext {
  gateway: StripeGateway;
  store: StateStore;
  watcher: JobWatcher;
  logger: Logger;
  /** `validate` stops at ready/failed and cancels; `redact` runs ready jobs. */
  mode: 'validate' | 'redact';
  /** What this run may do about validation errors. */
  behavior: ValidationBehavior;
  /**
   * Queues a new job for these objects (a split); does not wait for it. Returns the job's local id
   * (undefined when the run is stopping and queues nothing).
   */
  spawn(objectIds: string[]): number | undefined;
  /** Queues a job Stripe already holds for these objects, to be driven as this state's own. */
  adopt(job: RedactionJobView, objectIds: string[]): void;
  /** What the run remembers across its jobs: outside cancels, jobs that succeeded, customers of related objects. */
  memory: RunMemory;
  /** Set when the run is interrupted: drivers stop where they are and leave the state as it is. */
  signal?: AbortSignal;
  /** The customer a related object belongs to ({@link StripeGateway.customerOf}), remembered for the run. */
  customerOf(id: string, objectType: string): Promise<string | null>;
  /** Reads objects whose job succeeded, for Stripe's word that they are redacted (verify-objects.ts); absent: the run verifies later. */
  verify?(objectIds: readonly string[]): void;
}
