/**
 * The job machine on a failed validation (job-machine.ts): errors and owners looked up, the triage
 * asked one fact at a time, the blockers decided, written, and the job canceled, kept or split.
 */
import type { Blocker } from './blocker.js';
import { decideAfterFailedValidation } from './failed-job.js';
import { triageFailedValidation, type FailureFacts, ownersToLookUp, pinErrors } from './failure-triage.js';
import { objectTypeOfId } from './identifier.js';
import type { JobValidationError, RedactionJobView } from './job.js';
import { cancelThen, end, type FailedView, type JobAction, type JobDecision, type JobLife, type JobState, type LookUp, type Settle } from './job-machine-types.js';


/** The errors of a failed validation are in: their owners are looked up when some are not identifiers. */
export function withErrors(state: Extract<JobState, { at: 'failed' }>, errors: readonly JobValidationError[], before: JobAction[]): JobDecision {
  const objects = ownersToLookUp(state.life.brief.objectIds, errors);
  if (objects.length === 0) {
    const decision = triage(state.life, state.view, factsOf(state.life, errors, new Map()));
    return { next: decision.next, actions: [...before, ...decision.actions] };
  }
  return { next: { ...state, errors }, actions: [...before, { kind: 'look_up', what: { kind: 'owners', objects } }] };
}

export function factsOf(life: JobLife, errors: readonly JobValidationError[], owners: ReadonlyMap<string, string | null>): FailureFacts {
  const { objectIds, replayedCreate } = life.brief;
  return { objectIds, replayedCreate, errors, ...pinErrors(objectIds, errors, owners) };
}

/** A failed validation, taken apart as triageFailedValidation asks: one fact at a time. */
export function triage(life: JobLife, view: FailedView, facts: FailureFacts, twin?: RedactionJobView): JobDecision {
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
export function decide(state: Extract<JobState, { at: 'deciding' }>, recordedBlockers: Map<string, Blocker[]>, recordedFixes: Map<string, Blocker[]>): JobDecision {
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
export function nameHolders(decision: Settle, holders: readonly { own: boolean; heldBy?: string }[]): Settle {
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
export function writeSettle(state: Pick<Extract<JobState, { at: 'settled' }>, 'life' | 'view' | 'errors' | 'deferred'>, decision: Settle): JobDecision {
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
export function afterSettle(state: Extract<JobState, { at: 'settled' }>, finished: readonly number[]): JobDecision {
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
export function carry(state: Extract<JobState, { at: 'carrying' }>, carried: readonly string[]): JobDecision {
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

