/** The job machine at a refused create: `resource_missing`, or a lock (job-machine.ts). */
import type { Blocker } from './blocker.js';
import { objectTypeOfId, stripeObjectType } from './identifier.js';
import type { RedactionJobView } from './job.js';
import { end, type CreateRefusal, type JobAction, type JobDecision, type JobLife, type JobState, type LookUp } from './job-machine-types.js';
import { slotOf, toJobObjects } from './pack.js';
import type { Reason } from './reason.js';
import { decideRefusedCreate } from './refused-create.js';


/** `resource_missing` at create: the slot Stripe named (or, without one, every identifier) is read. */
export function refusedMissing(life: JobLife, refusal: CreateRefusal): JobDecision {
  const slot = refusal.param ? slotOf(toJobObjects(life.brief.objectIds), refusal.param) : undefined;
  const suspects = slot ? [slot] : [...life.brief.objectIds];
  return { next: { at: 'create_missing', life, refusal }, actions: [{ kind: 'look_up', what: { kind: 'gone', ids: suspects } }] };
}

export function afterMissing(life: JobLife, refusal: CreateRefusal, gone: readonly string[]): JobDecision {
  const reason: Reason = { code: 'create_refused', stripeCode: refusal.stripeCode, message: refusal.message, ...(refusal.param ? { param: refusal.param } : {}) };
  const abandon: JobAction = { kind: 'record_abandoned', reason };
  if (gone.length === 0) {
    // None was gone: nothing to take out; the next run tries again.
    return end(life, [abandon, { kind: 'update_objects', ids: life.brief.objectIds, change: { status: 'failed', jobLocalId: null, errorCodes: ['resource_missing'], reasons: [reason] } }]);
  }
  const rest = life.brief.objectIds.filter((id) => !gone.includes(id));
  return end(life, rest.length > 0 ? [abandon, { kind: 'split_off', ids: rest }] : [abandon]);
}

export function refusedForLock(life: JobLife, message: string): JobDecision {
  return lockStep({ at: 'create_locked', life, message, facts: { objectIds: life.brief.objectIds, replayedCreate: life.brief.replayedCreate } });
}

/**
 * A create refused for a lock, as decideRefusedCreate asks. The job is abandoned only together
 * with what replaces it, in one list of actions with no wait between: until then its identifiers
 * are its own, and no other job of this run packs them meanwhile.
 */
export function lockStep(state: Extract<JobState, { at: 'create_locked' }>): JobDecision {
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

