/**
 * The job machine's vocabulary (job-machine.ts): its states, events, facts, look-ups and actions,
 * and the few decisions every moment shares — wait, end, cancel then, fail.
 */
import type { Blocker } from './blocker.js';
import type { FailedJobDecision } from './failed-job.js';
import type { FailureFacts } from './failure-triage.js';
import type { JobStatus, JobValidationError, RedactionJobView, ValidationBehavior } from './job.js';
import type { ObjectStatus } from './object-status.js';
import type { Reason } from './reason.js';
import type { RefusedCreateFacts } from './refused-create.js';


/** What the machine knows of the job and the run, fixed for the job's life. */
export interface JobBrief {
  localId: number;
  /** The job's identifiers, in job order. */
  objectIds: readonly string[];
  /** Whether the job replays a create an earlier run sent (its answer never came back). */
  replayedCreate: boolean;
  /** `validate` stops at ready/failed and cancels; `redact` runs ready jobs. */
  mode: 'validate' | 'redact';
  /** What this run may do about blockers. */
  runBehavior: ValidationBehavior;
}

/** What changes along the way, whatever the moment. */
export interface JobLife {
  brief: JobBrief;
  /** Stripe's id, once the create was answered. */
  stripeId: string | null;
  /** The last status Stripe stated (`unsent` before the create). */
  status: JobStatus | 'unsent';
  /**
   * Whether the job's latest validation started, as this run saw Stripe confirm, after its last
   * change of behaviour: only then are its errors this behaviour's answer.
   */
  fresh: boolean;
  /** Validations sent this run. */
  validations: number;
}

/** The settled view of a failed validation the triage works on. */
export interface FailedView {
  id: string;
  behavior: ValidationBehavior;
}

/** Where the job is: each moment names the one answer it waits for. */
export type JobState =
  /** The create is out. */
  | { at: 'creating'; life: JobLife }
  /** The create was refused `resource_missing`: is each suspect there? */
  | { at: 'create_missing'; life: JobLife; refusal: CreateRefusal }
  /** The create was refused for a lock: splitting, adopting or finding the holder. */
  | { at: 'create_locked'; life: JobLife; facts: RefusedCreateFacts; message: string; twin?: RedactionJobView }
  /** A create refused for a lock, deferred on this state's holder: has the holder finished already? */
  | { at: 'create_waiting'; life: JobLife }
  /** Not taken up yet: the first event is `start`. */
  | { at: 'idle'; life: JobLife }
  /** Waiting for Stripe to settle the job. */
  | { at: 'waiting'; life: JobLife }
  /** A validate or run is out. */
  | { at: 'moving'; life: JobLife; action: 'validate' | 'run' }
  /** An update of the behaviour is out; a validate follows. */
  | { at: 'switching'; life: JobLife; to: ValidationBehavior }
  /** Failed: its errors and their owners are looked up. */
  | { at: 'failed'; life: JobLife; view: FailedView; errors?: readonly JobValidationError[] }
  /** Failed: the triage asks for one fact at a time. */
  | { at: 'triage'; life: JobLife; view: FailedView; facts: FailureFacts }
  /** All facts in: the blockers on record are read. */
  | { at: 'deciding'; life: JobLife; view: FailedView; errors: readonly JobValidationError[]; errorsByRoot: Map<string, JobValidationError[]>; deferred: Map<string, number> }
  /** Settled: locks held by others are being named. */
  | { at: 'naming_holders'; life: JobLife; view: FailedView; errors: readonly JobValidationError[]; decision: Settle; deferred: Map<string, number> }
  /** Settled and written: which of the owners waited on already finished. */
  | { at: 'settled'; life: JobLife; view: FailedView; errors: readonly JobValidationError[]; decision: Settle; deferred: Map<string, number> }
  /** Settled: which clean identifiers a blocked customer's cascade carries. */
  | { at: 'carrying'; life: JobLife; decision: Settle; finished: readonly number[] }
  /** A cancel is out; then `then` is done and the job ends. */
  | { at: 'canceling'; life: JobLife; then: JobAction[] }
  /** Canceled: waiting for Stripe to release the objects; then `then`. */
  | { at: 'releasing'; life: JobLife; then: JobAction[] }
  /** Nothing more this run. */
  | { at: 'ended'; life: JobLife };

export type Settle = Extract<FailedJobDecision, { kind: 'settle' }>;

/** A create Stripe refused with `resource_missing`, as its answer said. */
export interface CreateRefusal {
  stripeCode: string;
  message: string;
  param?: string;
}

/** What one look-up found. */
export type JobFact =
  | { kind: 'validation_errors'; errors: JobValidationError[] }
  | { kind: 'owners'; owners: Map<string, string | null> }
  | { kind: 'gone'; ids: string[] }
  | { kind: 'twin'; twin: RedactionJobView | null }
  | { kind: 'lock_owners'; owners: Map<string, number> }
  | { kind: 'recorded'; blockers: Map<string, Blocker[]>; fixes: Map<string, Blocker[]> }
  /** One per locked blocker asked about, in order: whether a job of this state holds it, and who else does. */
  | { kind: 'lock_holders'; holders: { own: boolean; heldBy?: string }[] }
  | { kind: 'finished_owners'; owners: number[] }
  | { kind: 'carried'; ids: string[] }
  | { kind: 'own_holder'; owner: number | null }
  | { kind: 'listed_holders'; jobs: string[] };

/** What the driver looks up. */
export type LookUp =
  | { kind: 'validation_errors'; job: string }
  | { kind: 'owners'; objects: { id: string; objectType: string }[] }
  /** Reads each id and settles those Stripe does not hold (settle-by-presence.ts): the fact is which. */
  | { kind: 'gone'; ids: string[] }
  | { kind: 'twin' }
  | { kind: 'lock_owners'; locked: Map<string, JobValidationError[]> }
  | { kind: 'recorded'; ids: readonly string[] }
  | { kind: 'lock_holders'; locks: { root: string; blocker: Blocker }[] }
  /** Of these jobs of this state, those that succeeded in this run (read with no await after what came before). */
  | { kind: 'finished_owners'; owners: number[] }
  | { kind: 'carried'; ids: string[]; customers: string[] }
  | { kind: 'own_holder'; id: string }
  | { kind: 'listed_holders'; id: string };

/** What happened: the answer to the last action. */
export type JobEvent =
  /** The driver takes up the job. */
  | { kind: 'start'; status: JobStatus | 'unsent'; stripeId: string | null }
  | { kind: 'created'; view: RedactionJobView }
  /** The create was refused: for a lock (no code naming an object), or `resource_missing`. */
  | { kind: 'create_refused'; cause: 'lock'; message: string }
  | { kind: 'create_refused'; cause: 'resource_missing'; refusal: CreateRefusal }
  /** Stripe settled the job (or it still works); `replacedBefore`: the run's memory says an identifier of it was replaced once already after an outside cancel. */
  | { kind: 'settled'; view: RedactionJobView; replacedBefore: boolean }
  /** A validate, run, update or cancel went through; `status` as Stripe answered it. */
  | { kind: 'answered'; status: JobStatus; behavior: ValidationBehavior }
  /**
   * Stripe refused a validate, run, update or cancel; the job was read: `status` and `behavior` as
   * Stripe states them. `error` describes the refusal, should it stand.
   */
  | { kind: 'transition_refused'; status: JobStatus; behavior: ValidationBehavior; error: FailureInfo }
  | { kind: 'fact'; fact: JobFact }
  | { kind: 'wait_timed_out'; job: string; lastStatus: string | null; waitedMs: number }
  /** A call failed and no retry helped (or something else went wrong carrying an action out). */
  | { kind: 'failure'; error: FailureInfo }
  /** The run was interrupted. */
  | { kind: 'interrupted' };

/** An error as the machine sees it. */
export interface FailureInfo {
  /** Stops the run (authentication, permission, no redaction jobs on the account). */
  fatal: boolean;
  /** Stripe does not know the job (404 on it). */
  notFound: boolean;
  message: string;
  stripeCode?: string;
}

/** A change of objects in the state (the state port's `ObjectStatusChange`). */
export interface ObjectChange {
  status: ObjectStatus;
  errorCodes?: string[];
  reasons?: Reason[];
  blockers?: Blocker[];
  fixes?: Blocker[];
  jobLocalId?: number | null;
  deferredOn?: number | null;
}

/** Why the driver stops: a code, never a message. */
export type StopCode = 'done' | 'interrupted' | 'timed_out' | 'fatal';

/** What the driver does. */
export type JobAction =
  | { kind: 'create' }
  | { kind: 'wait' }
  | { kind: 'validate' }
  | { kind: 'run' }
  | { kind: 'switch'; to: ValidationBehavior }
  | { kind: 'cancel' }
  /** After a cancel: wait until Stripe releases the objects (a canceling job still holds them). */
  | { kind: 'await_release' }
  | { kind: 'look_up'; what: LookUp }
  /** Record the created job (its Stripe id, status, time). */
  | { kind: 'record_created'; view: RedactionJobView }
  /** Record the status (and the behaviour, when given and it changed) Stripe stated. */
  | { kind: 'record_view'; status: JobStatus; behavior?: ValidationBehavior }
  /** Record the behaviour Stripe confirmed an update to. */
  | { kind: 'record_behavior'; behavior: ValidationBehavior }
  /** The job will never be created: recorded `abandoned` with why. */
  | { kind: 'record_abandoned'; reason: Reason }
  | { kind: 'update_objects'; ids: readonly string[]; change: ObjectChange }
  /** These objects wait for job `owner` of this state. */
  | { kind: 'defer'; ids: readonly string[]; owner: number }
  | { kind: 'promote_fixes' }
  | { kind: 'clear_blockers'; ids: readonly string[] }
  /** Queue a new job for `ids`; `waiters` then wait for it (or, should none be queued, get their own). */
  | { kind: 'split_off'; ids: readonly string[]; waiters?: readonly string[] }
  | { kind: 'adopt'; twin: RedactionJobView }
  /** Objects deferred on job `owner` go on: settled by its cascade if it succeeded and took them, else in jobs of their own. */
  | { kind: 'release_waiters'; owner: number; succeeded: boolean }
  | { kind: 'remember_succeeded' }
  | { kind: 'remember_canceled_outside' }
  /** Read the objects for Stripe's word that they are redacted (verify-objects.ts). */
  | { kind: 'verify' }
  | { kind: 'log'; level: 'info' | 'warn'; message: string; fields: Record<string, unknown> }
  /** Stop driving; `fatal` rethrows the error that stopped the run. */
  | { kind: 'stop'; code: StopCode };

export interface JobDecision {
  next: JobState;
  actions: JobAction[];
}


export function waitFor(life: JobLife): JobDecision {
  return { next: { at: 'waiting', life }, actions: [{ kind: 'wait' }] };
}

/** The job ends this run: objects that waited for it go on (settled by its cascade if it succeeded). */
export function end(life: JobLife, before: JobAction[]): JobDecision {
  return {
    next: { at: 'ended', life },
    actions: [...before, { kind: 'release_waiters', owner: life.brief.localId, succeeded: life.status === 'succeeded' }, { kind: 'stop', code: 'done' }],
  };
}

/** Cancel, wait for Stripe to release the objects, then `then`, and end. */
export function cancelThen(life: JobLife, before: JobAction[], then: JobAction[]): JobDecision {
  return { next: { at: 'canceling', life, then }, actions: [...before, { kind: 'cancel' }] };
}

/** An error no retry resolved: it stops the run, forgets a job Stripe does not know, or fails the rows. */
export function failed(life: JobLife, error: FailureInfo): JobDecision {
  // Fatal: stop at once. Nothing is released — a dying run writes no new job into the state.
  if (error.fatal) return { next: { at: 'ended', life }, actions: [{ kind: 'stop', code: 'fatal' }] };
  if (error.notFound && life.stripeId) {
    // Stripe no longer knows the job (another account's state file, a wiped emulator): forget it
    // and put its objects in a new job.
    return end(life, [
      { kind: 'log', level: 'warn', message: 'job unknown to Stripe; its objects go into a new job', fields: { job: life.stripeId } },
      { kind: 'record_abandoned', reason: { code: 'unknown_to_stripe' } },
      { kind: 'split_off', ids: [...life.brief.objectIds] },
    ]);
  }
  const codes = error.stripeCode ? [error.stripeCode] : [];
  // The job, if Stripe has it, stays live in the state: the next run looks at it again.
  return end(life, [
    { kind: 'log', level: 'warn', message: 'job failed', fields: { job: life.stripeId ?? `local-${life.brief.localId}`, error: error.message } },
    {
      kind: 'update_objects',
      ids: life.brief.objectIds,
      change: { status: 'failed', errorCodes: codes, reasons: [{ code: 'job_error', job: life.stripeId, message: error.message, ...(error.stripeCode ? { stripeCode: error.stripeCode } : {}) }] },
    },
  ]);
}


export function failedAfterRecord(life: JobLife, record: JobAction[], error: FailureInfo): JobDecision {
  const decision = failed(life, error);
  return { next: decision.next, actions: [...record, ...decision.actions] };
}

export function validate(life: JobLife, before: JobAction[]): JobDecision {
  return { next: { at: 'moving', life: { ...life, validations: life.validations + 1 }, action: 'validate' }, actions: [...before, { kind: 'validate' }] };
}

