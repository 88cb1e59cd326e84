/**
 * The life of one redaction job as one pure machine: `decideJob(state, event)` answers what comes
 * next and what to do. Events are what Stripe answered or a look-up found; actions are what the
 * driver (pipeline/drive-job.ts) carries out, in order. The last action of a list is the one whose
 * answer is the next event (a call, a wait, a look-up), or `stop`. The machine composes the
 * deciders of each moment — the next step on a settled view (job-step.ts), the triage of a failed
 * validation (failure-triage.ts), the blockers (failed-job.ts), a create refused for a lock
 * (refused-create.ts) — and owns everything between them.
 */
import type { Blocker } from './blocker.js';
import { decideAfterFailedValidation, type FailedJobDecision } from './failed-job.js';
import { triageFailedValidation, type FailureFacts, ownersToLookUp, pinErrors } from './failure-triage.js';
import { objectTypeOfId, stripeObjectType } from './identifier.js';
import { isRefusedBecauseMovedOn, nextJobStep } from './job-step.js';
import type { JobStatus, JobValidationError, RedactionJobView, ValidationBehavior } from './job.js';
import type { ObjectStatus } from './object-status.js';
import { slotOf, toJobObjects } from './pack.js';
import type { Reason } from './reason.js';
import { decideRefusedCreate, type RefusedCreateFacts } from './refused-create.js';

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
interface FailedView {
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

type Settle = Extract<FailedJobDecision, { kind: 'settle' }>;

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

/** The state of a job not yet taken up; the first event is `start`. */
export function newJob(brief: JobBrief): JobState {
  return { at: 'idle', life: { brief, stripeId: null, status: 'unsent', fresh: false, validations: 0 } };
}

/** The next state and actions, given where the job is and what just happened. Pure. */
export function decideJob(state: JobState, event: JobEvent): JobDecision {
  const life = state.life;
  switch (event.kind) {
    case 'start': {
      const started = { ...life, status: event.status, stripeId: event.stripeId };
      if (event.status === 'unsent') return { next: { at: 'creating', life: started }, actions: [{ kind: 'create' }] };
      return waitFor(started);
    }
    case 'interrupted':
      // The job stays live in the state exactly as far as it got; the next run resumes it.
      return { next: { at: 'ended', life }, actions: [{ kind: 'stop', code: 'interrupted' }] };
    case 'wait_timed_out':
      // Stripe is still at it: the job stays live and its rows pending; the next run follows it.
      return {
        next: { at: 'ended', life },
        actions: [
          { kind: 'log', level: 'warn', message: 'gave up waiting for a job; the next run follows it', fields: { job: life.stripeId, status: event.lastStatus ?? undefined } },
          { kind: 'update_objects', ids: life.brief.objectIds, change: { status: 'in_job', reasons: [{ code: 'wait_timed_out', job: event.job, lastStatus: event.lastStatus, waitedMs: event.waitedMs }] } },
          { kind: 'stop', code: 'timed_out' },
        ],
      };
    case 'failure':
      return failed(life, event.error);
    case 'created':
      return onCreated(state, event.view);
    case 'create_refused':
      return event.cause === 'lock' ? refusedForLock(life, event.message) : refusedMissing(life, event.refusal);
    case 'settled':
      return state.at === 'releasing' ? afterRelease(state, event.view) : onSettled(life, event.view, event.replacedBefore);
    case 'answered':
      return onAnswered(state, event);
    case 'transition_refused':
      return onRefused(state, event);
    case 'fact':
      return onFact(state, event.fact);
  }
}

function waitFor(life: JobLife): JobDecision {
  return { next: { at: 'waiting', life }, actions: [{ kind: 'wait' }] };
}

/** The job ends this run: objects that waited for it go on (settled by its cascade if it succeeded). */
function end(life: JobLife, before: JobAction[]): JobDecision {
  return {
    next: { at: 'ended', life },
    actions: [...before, { kind: 'release_waiters', owner: life.brief.localId, succeeded: life.status === 'succeeded' }, { kind: 'stop', code: 'done' }],
  };
}

/** Cancel, wait for Stripe to release the objects, then `then`, and end. */
function cancelThen(life: JobLife, before: JobAction[], then: JobAction[]): JobDecision {
  return { next: { at: 'canceling', life, then }, actions: [...before, { kind: 'cancel' }] };
}

/** An error no retry resolved: it stops the run, forgets a job Stripe does not know, or fails the rows. */
function failed(life: JobLife, error: FailureInfo): JobDecision {
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

function onCreated(state: JobState, view: RedactionJobView): JobDecision {
  const life = { ...state.life, stripeId: view.id, status: view.status, fresh: true };
  return {
    next: { at: 'waiting', life },
    actions: [
      { kind: 'record_created', view },
      { kind: 'log', level: 'info', message: 'job created', fields: { job: view.id, objects: life.brief.objectIds.length } },
      { kind: 'wait' },
    ],
  };
}

/** `resource_missing` at create: the slot Stripe named (or, without one, every identifier) is read. */
function refusedMissing(life: JobLife, refusal: CreateRefusal): JobDecision {
  const slot = refusal.param ? slotOf(toJobObjects(life.brief.objectIds), refusal.param) : undefined;
  const suspects = slot ? [slot] : [...life.brief.objectIds];
  return { next: { at: 'create_missing', life, refusal }, actions: [{ kind: 'look_up', what: { kind: 'gone', ids: suspects } }] };
}

function afterMissing(life: JobLife, refusal: CreateRefusal, gone: readonly string[]): JobDecision {
  const reason: Reason = { code: 'create_refused', stripeCode: refusal.stripeCode, message: refusal.message, ...(refusal.param ? { param: refusal.param } : {}) };
  const abandon: JobAction = { kind: 'record_abandoned', reason };
  if (gone.length === 0) {
    // None was gone: nothing to take out; the next run tries again.
    return end(life, [abandon, { kind: 'update_objects', ids: life.brief.objectIds, change: { status: 'failed', jobLocalId: null, errorCodes: ['resource_missing'], reasons: [reason] } }]);
  }
  const rest = life.brief.objectIds.filter((id) => !gone.includes(id));
  return end(life, rest.length > 0 ? [abandon, { kind: 'split_off', ids: rest }] : [abandon]);
}

function refusedForLock(life: JobLife, message: string): JobDecision {
  return lockStep({ at: 'create_locked', life, message, facts: { objectIds: life.brief.objectIds, replayedCreate: life.brief.replayedCreate } });
}

/**
 * A create refused for a lock, as decideRefusedCreate asks. The job is abandoned only together
 * with what replaces it, in one list of actions with no wait between: until then its identifiers
 * are its own, and no other job of this run packs them meanwhile.
 */
function lockStep(state: Extract<JobState, { at: 'create_locked' }>): JobDecision {
  const { life, message } = state;
  const abandon: JobAction = { kind: 'record_abandoned', reason: { code: 'create_refused', message } };
  const id = life.brief.objectIds[0] as string;
  const step = decideRefusedCreate(state.facts);
  const ask = (what: LookUp): JobDecision => ({ next: state, actions: [{ kind: 'look_up', what }] });
  switch (step.kind) {
    case 'look_for_twin':
      return ask({ kind: 'twin' });
    case 'adopt_twin':
      // This state made the twin and lost the answer (a crash, then a restart after the create's
      // idempotency key expired): drive it as this state's own.
      return end(life, [
        { kind: 'log', level: 'warn', message: 'adopting a job Stripe holds for the same identifiers', fields: { twin: step.twin.id } },
        abandon,
        { kind: 'adopt', twin: state.twin as RedactionJobView },
      ]);
    case 'split':
      return end(life, [
        { kind: 'log', level: 'info', message: 'job create refused for a lock; splitting it to find the identifier held', fields: { objects: life.brief.objectIds.length } },
        abandon,
        ...step.halves.map((half): JobAction => ({ kind: 'split_off', ids: half })),
      ]);
    case 'find_own_holder':
      return ask({ kind: 'own_holder', id });
    case 'wait_for_own':
      // The holder may have succeeded in this run already, and released its waiters before this one waited.
      return {
        next: { at: 'create_waiting', life },
        actions: [abandon, { kind: 'defer', ids: [id], owner: step.owner }, { kind: 'look_up', what: { kind: 'finished_owners', owners: [step.owner] } }],
      };
    case 'find_listed_holder':
      return ask({ kind: 'listed_holders', id });
    case 'held_by_other': {
      const objectType = objectTypeOfId(id) ?? 'unknown';
      const blocker: Blocker = {
        code: 'locked_by_other_job',
        message,
        erroringObject: { id, objectType: stripeObjectType(objectType) },
        underFix: 'untried',
        ...(step.holder ? { heldBy: step.holder } : {}),
      };
      return end(life, [
        { kind: 'log', level: 'warn', message: 'an identifier is held by a redaction job this state does not own', fields: { job: step.holder } },
        abandon,
        { kind: 'update_objects', ids: [id], change: { status: 'needs_action', jobLocalId: null, errorCodes: [], blockers: [blocker], fixes: [] } },
      ]);
    }
  }
}

/** Stripe reported the job settled (or still working): record it, then take the job's next step. */
function onSettled(previous: JobLife, view: RedactionJobView, replacedBefore: boolean): JobDecision {
  const life = { ...previous, status: view.status };
  const record: JobAction[] = [{ kind: 'record_view', status: view.status, behavior: view.validationBehavior }];
  if (view.status === 'ready') {
    // Ready under fix: the blockers its validation with error listed are what the fix clears. In
    // the state before anything runs, so a kill cannot lose what the fix changed.
    if (view.validationBehavior === 'fix') record.push({ kind: 'promote_fixes' });
    else if (life.fresh) record.push({ kind: 'clear_blockers', ids: life.brief.objectIds });
  }
  const { brief } = life;
  const step = nextJobStep({
    status: view.status,
    behavior: view.validationBehavior,
    fresh: life.fresh,
    validations: life.validations,
    mode: brief.mode,
    runBehavior: brief.runBehavior,
    replacedBefore,
  });
  switch (step.kind) {
    case 'wait':
      return { next: { at: 'waiting', life }, actions: [...record, { kind: 'wait' }] };
    case 'report_ready_and_cancel':
      return cancelThen(life, [...record, { kind: 'update_objects', ids: brief.objectIds, change: { status: 'ready' } }], []);
    case 'cancel_and_repack':
      // A job an earlier run switched to fix: running it would apply fixes this run was not asked
      // for. Start its objects over in a job of this run's behaviour instead.
      return cancelThen(
        life,
        [...record, { kind: 'log', level: 'info', message: 'not running a fix job from an earlier run without --validation-behavior fix', fields: { job: life.stripeId } }],
        [{ kind: 'split_off', ids: brief.objectIds }],
      );
    case 'run':
      return { next: { at: 'moving', life, action: 'run' }, actions: [...record, { kind: 'run' }] };
    case 'revalidate':
      if (step.switchTo) return { next: { at: 'switching', life, to: step.switchTo }, actions: [...record, { kind: 'switch', to: step.switchTo }] };
      return validate(life, record);
    case 'give_up':
      // Failed again and again in this run: its rows are failed; the next run starts over.
      return end(life, [
        ...record,
        { kind: 'log', level: 'warn', message: 'job failed', fields: { job: life.stripeId, error: `failed validation ${life.validations} times in this run` } },
        { kind: 'update_objects', ids: brief.objectIds, change: { status: 'failed', errorCodes: [], reasons: [{ code: 'gave_up_validating', job: life.stripeId as string, validations: life.validations }] } },
      ]);
    case 'settle_failure': {
      const failedView: FailedView = { id: view.id, behavior: view.validationBehavior };
      const embedded = view.firstValidationErrors;
      if (embedded?.complete) return withErrors({ at: 'failed', life, view: failedView }, embedded.errors, record);
      return { next: { at: 'failed', life, view: failedView }, actions: [...record, { kind: 'look_up', what: { kind: 'validation_errors', job: view.id } }] };
    }
    case 'settle_redacted':
      // Stripe's own word, not the job's: each object is read (verify-objects.ts).
      return end(life, [
        ...record,
        { kind: 'remember_succeeded' },
        ...(view.validationBehavior === 'fix' ? [{ kind: 'promote_fixes' } as const] : []),
        { kind: 'update_objects', ids: brief.objectIds, change: { status: 'redaction_pending', jobLocalId: brief.localId, errorCodes: [], blockers: [], reasons: [] } },
        { kind: 'log', level: 'info', message: 'job succeeded', fields: { job: life.stripeId, objects: brief.objectIds.length } },
        { kind: 'verify' },
      ]);
    case 'replace_canceled':
    case 'leave_canceled': {
      // Canceled by someone else: the requests still stand, so the objects go into a new job (the
      // canceled one stays in the row's earlier_job_ids as evidence) — once per run, so that a
      // person who keeps canceling stops the tool rather than racing it.
      const replace = step.kind === 'replace_canceled';
      return end(life, [
        ...record,
        { kind: 'remember_canceled_outside' },
        { kind: 'log', level: 'warn', message: 'job canceled outside stripe-redact', fields: { job: life.stripeId, replaced: replace } },
        replace
          ? { kind: 'split_off', ids: brief.objectIds }
          : { kind: 'update_objects', ids: brief.objectIds, change: { status: 'queued', jobLocalId: null, reasons: [{ code: 'canceled_outside_twice', job: life.stripeId as string }] } },
      ]);
    }
  }
}

function failedAfterRecord(life: JobLife, record: JobAction[], error: FailureInfo): JobDecision {
  const decision = failed(life, error);
  return { next: decision.next, actions: [...record, ...decision.actions] };
}

function validate(life: JobLife, before: JobAction[]): JobDecision {
  return { next: { at: 'moving', life: { ...life, validations: life.validations + 1 }, action: 'validate' }, actions: [...before, { kind: 'validate' }] };
}

function onAnswered(state: JobState, event: Extract<JobEvent, { kind: 'answered' }>): JobDecision {
  const life = { ...state.life, status: event.status };
  const record: JobAction = { kind: 'record_view', status: event.status };
  switch (state.at) {
    case 'moving': {
      // A validate Stripe confirmed starts a fresh validation; a run goes on to wait.
      const decision = waitFor(state.action === 'validate' ? { ...life, fresh: true } : life);
      return { next: decision.next, actions: [record, ...decision.actions] };
    }
    case 'switching':
      return validate(state.life, [{ kind: 'record_behavior', behavior: event.behavior }]);
    case 'canceling':
      return { next: { at: 'releasing', life, then: state.then }, actions: [record, { kind: 'await_release' }] };
    default:
      return unexpected(state, 'answered');
  }
}

/**
 * Stripe refused a transition (its answer to an earlier attempt was lost, or the job moved on
 * meanwhile): the job was read. One that moved past where the call applies goes on from its real
 * status; any other refusal stands as the job's error.
 */
function onRefused(state: JobState, event: Extract<JobEvent, { kind: 'transition_refused' }>): JobDecision {
  const life = { ...state.life, status: event.status };
  const record: JobAction[] = [{ kind: 'record_view', status: event.status, ...(state.at === 'switching' ? { behavior: event.behavior } : {}) }];
  const stand = () => failedAfterRecord(life, record, event.error);
  switch (state.at) {
    case 'moving':
      if (!isRefusedBecauseMovedOn(state.action, event.status)) return stand();
      // Not confirmed: whatever validation the job shows is not known to be this run's answer.
      return { next: { at: 'waiting', life: state.action === 'validate' ? { ...life, fresh: false } : life }, actions: [...record, { kind: 'wait' }] };
    case 'switching':
      if (event.behavior !== state.to && !isRefusedBecauseMovedOn('update', event.status)) return stand();
      return validate(life, record);
    case 'canceling':
      if (!isRefusedBecauseMovedOn('cancel', event.status)) return stand();
      return { next: { at: 'releasing', life, then: state.then }, actions: [...record, { kind: 'await_release' }] };
    default:
      return unexpected(state, 'transition_refused');
  }
}

function afterRelease(state: Extract<JobState, { at: 'releasing' }>, view: RedactionJobView): JobDecision {
  const life = { ...state.life, status: view.status };
  return end(life, [{ kind: 'record_view', status: view.status }, ...state.then]);
}

function onFact(state: JobState, fact: JobFact): JobDecision {
  switch (state.at) {
    case 'create_missing':
      if (fact.kind === 'gone') return afterMissing(state.life, state.refusal, fact.ids);
      break;
    case 'create_locked':
      if (fact.kind === 'twin') return lockStep({ ...state, facts: { ...state.facts, twin: fact.twin ? { id: fact.twin.id } : null }, ...(fact.twin ? { twin: fact.twin } : {}) });
      if (fact.kind === 'own_holder') return lockStep({ ...state, facts: { ...state.facts, ownHolder: fact.owner } });
      if (fact.kind === 'listed_holders') return lockStep({ ...state, facts: { ...state.facts, listedHolders: fact.jobs } });
      break;
    case 'failed':
      if (fact.kind === 'validation_errors') return withErrors(state, fact.errors, []);
      if (fact.kind === 'owners' && state.errors) return triage(state.life, state.view, factsOf(state.life, state.errors, fact.owners));
      break;
    case 'triage':
      if (fact.kind === 'gone') return triage(state.life, state.view, { ...state.facts, gone: fact.ids });
      // A twin found is adopted at once; none found, the triage goes on without one.
      if (fact.kind === 'twin') return triage(state.life, state.view, { ...state.facts, twin: fact.twin ? { id: fact.twin.id } : null }, fact.twin ?? undefined);
      if (fact.kind === 'lock_owners') return triage(state.life, state.view, { ...state.facts, lockOwners: fact.owners });
      break;
    case 'create_waiting':
      if (fact.kind === 'finished_owners') return end(state.life, fact.owners.map((owner): JobAction => ({ kind: 'release_waiters', owner, succeeded: true })));
      break;
    case 'deciding':
      if (fact.kind === 'recorded') return decide(state, fact.blockers, fact.fixes);
      break;
    case 'naming_holders':
      if (fact.kind === 'lock_holders') return writeSettle(state, nameHolders(state.decision, fact.holders));
      break;
    case 'settled':
      if (fact.kind === 'finished_owners') return afterSettle(state, fact.owners);
      break;
    case 'carrying':
      if (fact.kind === 'carried') return carry(state, fact.ids);
      break;
    default:
      break;
  }
  return unexpected(state, `fact ${fact.kind}`);
}

/** An event the machine never asks for where it stands: a defect in the driver, reported as the job's error. */
function unexpected(state: JobState, what: string): JobDecision {
  return failed(state.life, { fatal: false, notFound: false, message: `unexpected ${what} while ${state.at}` });
}

/** The errors of a failed validation are in: their owners are looked up when some are not identifiers. */
function withErrors(state: Extract<JobState, { at: 'failed' }>, errors: readonly JobValidationError[], before: JobAction[]): JobDecision {
  const objects = ownersToLookUp(state.life.brief.objectIds, errors);
  if (objects.length === 0) {
    const decision = triage(state.life, state.view, factsOf(state.life, errors, new Map()));
    return { next: decision.next, actions: [...before, ...decision.actions] };
  }
  return { next: { ...state, errors }, actions: [...before, { kind: 'look_up', what: { kind: 'owners', objects } }] };
}

function factsOf(life: JobLife, errors: readonly JobValidationError[], owners: ReadonlyMap<string, string | null>): FailureFacts {
  const { objectIds, replayedCreate } = life.brief;
  return { objectIds, replayedCreate, errors, ...pinErrors(objectIds, errors, owners) };
}

/** A failed validation, taken apart as triageFailedValidation asks: one fact at a time. */
function triage(life: JobLife, view: FailedView, facts: FailureFacts, twin?: RedactionJobView): JobDecision {
  const step = triageFailedValidation(facts);
  const state: JobState = { at: 'triage', life, view, facts };
  const ask = (what: LookUp): JobDecision => ({ next: state, actions: [{ kind: 'look_up', what }] });
  const { objectIds } = life.brief;
  switch (step.kind) {
    case 'nothing_listed': {
      // Failed with nothing listed: nothing to split or fix on; kept for the next run to re-validate.
      const mark: JobAction = { kind: 'update_objects', ids: objectIds, change: { status: 'needs_action', reasons: [{ code: 'failed_without_errors', job: view.id }] } };
      return life.brief.mode === 'validate' ? cancelThen(life, [mark], []) : end(life, [mark]);
    }
    case 'check_presence':
      // An identifier Stripe accepted at create but that does not exist (or is already redacted)
      // fails validation on itself: settled as not_found / already_redacted by the look-up.
      return ask({ kind: 'gone', ids: step.ids });
    case 'drop_gone':
      return cancelThen(
        life,
        [{ kind: 'log', level: 'info', message: 'identifiers Stripe does not hold go out of the job', fields: { job: view.id, gone: step.gone.length } }],
        step.rest.length > 0 ? [{ kind: 'split_off', ids: step.rest }] : [],
      );
    case 'split':
      return cancelThen(
        life,
        [{ kind: 'log', level: 'info', message: 'splitting job to isolate validation errors', fields: { job: view.id, codes: facts.unattributed.map((e) => e.code) } }],
        step.halves.map((half): JobAction => ({ kind: 'split_off', ids: half })),
      );
    case 'look_for_twin':
      return ask({ kind: 'twin' });
    case 'adopt_twin':
      // This state made the twin and lost the answer (a crash, then a restart after the create's
      // idempotency key expired), so its create ran twice. Keep the older job, drop this one.
      return cancelThen(
        life,
        [{ kind: 'log', level: 'warn', message: 'adopting a job Stripe holds for the same identifiers', fields: { job: view.id, twin: step.twin.id } }],
        [{ kind: 'adopt', twin: twin as RedactionJobView }],
      );
    case 'find_lock_owners':
      // Locks held by another live job of this state: wait for that job instead of reporting a conflict.
      return ask({ kind: 'lock_owners', locked: step.locked });
    case 'decide':
      return {
        next: { at: 'deciding', life, view, errors: facts.errors, errorsByRoot: step.errorsByRoot, deferred: step.deferred },
        actions: [{ kind: 'look_up', what: { kind: 'recorded', ids: objectIds } }],
      };
  }
}

/** decideAfterFailedValidation on a failed validation whose errors are all pinned. */
function decide(state: Extract<JobState, { at: 'deciding' }>, recordedBlockers: Map<string, Blocker[]>, recordedFixes: Map<string, Blocker[]>): JobDecision {
  const { life, view, errors, deferred } = state;
  const decision = decideAfterFailedValidation({
    objectIds: life.brief.objectIds,
    attempt: view.behavior,
    runBehavior: life.brief.runBehavior,
    errorsByRoot: state.errorsByRoot,
    deferred: new Set(deferred.keys()),
    recordedBlockers,
    recordedFixes,
  });
  if (decision.kind === 'try_fix') {
    // What blocks each identifier is in the state before the switch: once fixed, it is the
    // evidence of what the fix changed.
    return {
      next: { at: 'switching', life, to: 'fix' },
      actions: [
        ...[...decision.blockers].map(([root, blockers]): JobAction => ({ kind: 'update_objects', ids: [root], change: { status: 'in_job', blockers } })),
        { kind: 'clear_blockers', ids: life.brief.objectIds.filter((id) => !decision.blockers.has(id)) },
        { kind: 'switch', to: 'fix' },
      ],
    };
  }
  const locks = lockedBlockers(decision);
  if (locks.length === 0) return writeSettle({ life, view, errors, deferred }, decision);
  return { next: { at: 'naming_holders', life, view, errors, decision, deferred }, actions: [{ kind: 'look_up', what: { kind: 'lock_holders', locks } }] };
}

/** The locks among the blocked identifiers' blockers, in order: each is ours or another's. */
function lockedBlockers(decision: Settle): { root: string; blocker: Blocker }[] {
  const locks: { root: string; blocker: Blocker }[] = [];
  for (const [root, { blockers }] of decision.blocked) for (const blocker of blockers) if (blocker.code === 'locked_by_other_job') locks.push({ root, blocker });
  return locks;
}

/**
 * A lock of this state's own job is ours, never another's: it ends with that job, and what else
 * blocks the identifier is what needs a person. A lock of another's names, as a hint for the
 * person who must cancel it, the job Stripe's list shows holding it.
 */
function nameHolders(decision: Settle, holders: readonly { own: boolean; heldBy?: string }[]): Settle {
  let next = 0;
  const blocked = new Map<string, { blockers: Blocker[]; fixes: Blocker[] }>();
  for (const [root, { blockers, fixes }] of decision.blocked) {
    const kept: Blocker[] = [];
    for (const blocker of blockers) {
      if (blocker.code !== 'locked_by_other_job') {
        kept.push(blocker);
        continue;
      }
      const holder = holders[next++];
      if (holder?.own) continue;
      kept.push(!blocker.heldBy && holder?.heldBy ? { ...blocker, heldBy: holder.heldBy } : blocker);
    }
    blocked.set(root, { blockers: kept, fixes });
  }
  return { ...decision, blocked };
}

/** Writes what the decision says of each identifier, then asks which holders waited on already finished. */
function writeSettle(state: Pick<Extract<JobState, { at: 'settled' }>, 'life' | 'view' | 'errors' | 'deferred'>, decision: Settle): JobDecision {
  const actions: JobAction[] = [];
  for (const [root, { blockers, fixes }] of decision.blocked) actions.push({ kind: 'update_objects', ids: [root], change: { status: 'needs_action', errorCodes: [], blockers, fixes } });
  for (const [root, { fixes }] of decision.clean) actions.push({ kind: 'update_objects', ids: [root], change: { status: 'in_job', blockers: [], fixes } });
  for (const [root, owner] of state.deferred) actions.push({ kind: 'defer', ids: [root], owner });
  // A holder that already finished released its waiters before they waited: they are released below.
  actions.push({ kind: 'look_up', what: { kind: 'finished_owners', owners: [...new Set(state.deferred.values())] } });
  const { life, view, errors, deferred } = state;
  return { next: { at: 'settled', life, view, errors, decision, deferred }, actions };
}

/** The failed job's identifiers are written: the job is canceled, kept, or split by what they are. */
function afterSettle(state: Extract<JobState, { at: 'settled' }>, finished: readonly number[]): JobDecision {
  const { life, decision } = state;
  const clean = [...decision.clean.keys()];
  const isolate = decision.isolate.map((id): JobAction => ({ kind: 'split_off', ids: [id] }));
  if (life.brief.mode === 'validate') {
    // Validate reports and releases: clean roots would be redacted; nothing stays locked.
    return cancelThen(life, clean.length > 0 ? [{ kind: 'update_objects', ids: clean, change: { status: 'ready' } }] : [], isolate);
  }
  if (decision.keepJob) {
    // Every identifier is blocked: the failed job stays for the next run to re-validate.
    return end(life, [{ kind: 'log', level: 'info', message: 'job needs action', fields: { job: state.view.id, codes: [...new Set(state.errors.map((e) => e.code))] } }]);
  }
  // A clean identifier that a blocked customer's cascade carries (the customer's PaymentIntent,
  // named in another row) settles with that customer's job, not in a job of its own.
  const customers = [...decision.blocked.keys()].filter((id) => objectTypeOfId(id) === 'customer');
  const carrying: JobState = { at: 'carrying', life, decision, finished };
  const candidates = clean.filter((id) => {
    const type = objectTypeOfId(id);
    return type !== undefined && type !== 'customer';
  });
  if (customers.length === 0 || candidates.length === 0) return carry(carrying, []);
  return { next: carrying, actions: [{ kind: 'look_up', what: { kind: 'carried', ids: candidates, customers } }] };
}

/**
 * One blocked customer must not hold the others hostage: clean ones go on in a job of their own,
 * blocked ones wait in another (kept failed for re-validation) with what their cascade carries,
 * and those a validation under fix could not tell apart each go on alone.
 */
function carry(state: Extract<JobState, { at: 'carrying' }>, carried: readonly string[]): JobDecision {
  const { life, decision, finished } = state;
  const rest = [...decision.clean.keys()].filter((id) => !carried.includes(id));
  const blocked = [...decision.blocked.keys()];
  const then: JobAction[] = [];
  if (rest.length > 0) then.push({ kind: 'split_off', ids: rest });
  // Carried ones exist only beside a blocked customer: they wait for its new job.
  if (blocked.length > 0) then.push({ kind: 'split_off', ids: blocked, ...(carried.length > 0 ? { waiters: carried } : {}) });
  for (const id of decision.isolate) then.push({ kind: 'split_off', ids: [id] });
  for (const owner of finished) then.push({ kind: 'release_waiters', owner, succeeded: true });
  return cancelThen(life, [], then);
}
