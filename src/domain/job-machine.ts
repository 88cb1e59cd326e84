/**
 * The life of one redaction job as one pure machine: `decideJob(state, event)` answers what comes
 * next and what to do. Events are what Stripe answered or a look-up found; actions are what the
 * driver (pipeline/drive-job.ts) carries out, in order. The last action of a list is the one whose
 * answer is the next event (a call, a wait, a look-up), or `stop`. The machine composes the
 * deciders of each moment — the next step on a settled view (job-step.ts), the triage of a failed
 * validation (failure-triage.ts), the blockers (failed-job.ts), a create refused for a lock
 * (refused-create.ts) — and owns everything between them.
 */
import { isRefusedBecauseMovedOn, nextJobStep } from './job-step.js';
import type { RedactionJobView } from './job.js';
import { afterMissing, lockStep, refusedForLock, refusedMissing } from './job-machine-create.js';
import { afterSettle, carry, decide, factsOf, nameHolders, triage, withErrors, writeSettle } from './job-machine-failure.js';
import { cancelThen, end, failed, failedAfterRecord, validate, waitFor, type FailedView, type JobAction, type JobBrief, type JobDecision, type JobEvent, type JobFact, type JobLife, type JobState } from './job-machine-types.js';

// The vocabulary (states, events, actions) lives beside the machine; callers import it from here.
export type * from './job-machine-types.js';

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

