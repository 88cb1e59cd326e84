/** The state port's jobs (state-store.ts): each redaction job, its keys and the statuses seen. */
import type { JobStatus, ValidationBehavior } from '../domain/job.js';
import type { Reason } from '../domain/reason.js';

/** A job as the state holds it. `status` is `unsent` until Stripe answered the create. */
export interface StoredJob {
  localId: number;
  stripeId: string | null;
  status: JobStatus | 'unsent';
  validationBehavior: ValidationBehavior;
  objectIds: string[];
  /**
   * Set on a job an earlier run wrote down but never heard back about: its create is a replay, and
   * if the create's idempotency key has expired meanwhile, Stripe may hold a twin of it.
   */
  replayedCreate?: boolean;
  /** Unix seconds, when this process saw the create answer (helps the job list poller stop early). */
  created?: number;
}

/** The jobs this state created or adopted, what they carried, and each status seen. */
export interface JobLedger {
  /** Writes a new job and moves its objects into it, at once, before anything is sent. Its create key is {@link createKey}. */
  insertJob(objectIds: readonly string[], validationBehavior: ValidationBehavior, runId: string): StoredJob;
  /** Records that a job carried an object it was not created with (redacted through its cascade). */
  linkObjectToJob(objectId: string, jobLocalId: number): void;
  /** The idempotency key of a job's create: stable across restarts, so a resumed create replays. */
  createKey(job: StoredJob): string;
  /**
   * A fresh idempotency key for a job action (validate, run, cancel, update). The counter is
   * written before the request goes out, so a key is never reused for a different action; repeating
   * an action after a crash is safe because Stripe refuses transitions from the wrong status.
   */
  nextActionKey(job: StoredJob, action: string): string;
  /** Records Stripe's answer to the create (and sets it on `job`). */
  recordJobCreated(job: StoredJob, stripeId: string, status: JobStatus, created?: number): void;
  /** Records a status Stripe reported (and sets it on `job`); a repeated status writes nothing. */
  recordJobStatus(job: StoredJob, status: JobStatus | 'abandoned', reason?: Reason): void;
  recordJobBehavior(job: StoredJob, behavior: ValidationBehavior): void;
  /** Jobs a run must pick up: sent or not, not yet terminal (failed ones wait for re-validation). */
  liveJobs(): StoredJob[];
  /**
   * Whether every object of a job stands for an identifier the run has read in its input: only
   * then may the run act on the job (validate, fix, run, cancel, re-create).
   */
  isJobOfRun(jobLocalId: number, runId: string): boolean;
  /** Whether this state ever created (or adopted) the job with this Stripe id. */
  knowsJob(stripeId: string): boolean;
  /** The Stripe id of one of this state's jobs (null while its create is unanswered). */
  stripeIdOf(jobLocalId: number): string | null;
  /** The newest job of this state, other than `exceptJob`, that carried an object and succeeded, if any. */
  succeededJobHolding(objectId: string, exceptJob?: number): number | undefined;
  /** The live job of this state, other than `exceptJob`, that holds an object, if any. */
  liveJobHolding(objectId: string, exceptJob?: number): number | undefined;
  /** Count of a run's jobs by status, for the summary. */
  jobCounts(runId: string): Record<string, number>;
}
