import type { JobValidationError } from './job.js';

/**
 * A failed validation, taken apart in the order its facts cost calls: each answer of
 * {@link triageFailedValidation} either names the one fact to look up next or says what to do. The
 * driver looks up only what is asked for, adds it to the facts, and asks again.
 */
export interface FailureFacts {
  /** The job's identifiers, in job order. */
  objectIds: readonly string[];
  /** Whether the job replays a create an earlier run sent: only then can Stripe hold a twin of it. */
  replayedCreate: boolean;
  /** Every error the failed validation listed. */
  errors: readonly JobValidationError[];
  /** The errors pinned on an identifier ({@link pinErrors}). */
  byRoot: ReadonlyMap<string, readonly JobValidationError[]>;
  /** The errors pinned on none (a cascade too large, an object naming no identifier). */
  unattributed: readonly JobValidationError[];
  /** Identifiers Stripe does not hold (missing, deleted, already redacted); unset until looked up. */
  gone?: readonly string[];
  /** The job Stripe holds for exactly these identifiers, unknown to the state; unset until looked for, null when none. */
  twin?: { id: string } | null;
  /** For identifiers locked by another live job of this state: that job's local id; unset until looked up. */
  lockOwners?: ReadonlyMap<string, number>;
}

/** The next step after a failed validation: a fact to look up, or what to do. */
export type FailureTriage =
  /** Failed listing no error: nothing to split or fix on; its identifiers need a person, the job stays. */
  | { kind: 'nothing_listed' }
  /** Look up whether these identifiers exist: each failed on itself alone, as a missing one does. */
  | { kind: 'check_presence'; ids: string[] }
  /** Settle the identifiers Stripe does not hold; cancel the job and put the rest in a new one. */
  | { kind: 'drop_gone'; gone: string[]; rest: string[] }
  /** Errors no identifier can be blamed for: cancel the job and halve it until they can. */
  | { kind: 'split'; halves: [string[], string[]] }
  /** Every identifier is locked and the create was replayed: look in Stripe's job list for its twin. */
  | { kind: 'look_for_twin' }
  /** Stripe holds the same job twice (a replayed create): cancel this one and drive the older. */
  | { kind: 'adopt_twin'; twin: { id: string } }
  /** Look up which of this state's live jobs holds what locks these identifiers (each with its lock errors). */
  | { kind: 'find_lock_owners'; locked: Map<string, JobValidationError[]> }
  /**
   * All facts are in: decide on the blockers (decideAfterFailedValidation) with the errors per
   * identifier, and let the identifiers locked by this state's own jobs wait for them.
   */
  | { kind: 'decide'; errorsByRoot: Map<string, JobValidationError[]>; deferred: Map<string, number> };

const LOCKED = 'locked_by_other_job';

/**
 * The related objects whose customer must be looked up to pin their errors: in a job of several
 * identifiers, an erroring object that is not one of them (a PaymentIntent of one of ten customers).
 * Distinct, in order of first mention.
 */
export function ownersToLookUp(objectIds: readonly string[], errors: readonly JobValidationError[]): { id: string; objectType: string }[] {
  if (objectIds.length <= 1) return [];
  const out = new Map<string, { id: string; objectType: string }>();
  for (const error of errors) {
    const object = error.erroringObject;
    if (error.code === 'too_many_objects' || !object || objectIds.includes(object.id)) continue;
    out.set(object.id, { id: object.id, objectType: object.objectType });
  }
  return [...out.values()];
}

/**
 * Pins each validation error on the job identifier it belongs to: the erroring object itself when it
 * is one, the only identifier of a one-identifier job, else the customer `owners` names for the
 * erroring object. `too_many_objects` is the job's, not an identifier's; it stays unpinned, as does an
 * error whose object names no identifier of the job.
 */
export function pinErrors(
  objectIds: readonly string[],
  errors: readonly JobValidationError[],
  owners: ReadonlyMap<string, string | null>,
): { byRoot: Map<string, JobValidationError[]>; unattributed: JobValidationError[] } {
  const byRoot = new Map<string, JobValidationError[]>();
  const unattributed: JobValidationError[] = [];
  for (const error of errors) {
    const object = error.erroringObject;
    let root: string | undefined;
    if (error.code === 'too_many_objects') root = undefined;
    else if (object && objectIds.includes(object.id)) root = object.id;
    else if (objectIds.length === 1) root = objectIds[0];
    else if (object) {
      const owner = owners.get(object.id);
      if (owner && objectIds.includes(owner)) root = owner;
    }
    if (root === undefined) unattributed.push(error);
    else byRoot.set(root, [...(byRoot.get(root) ?? []), error]);
  }
  return { byRoot, unattributed };
}

/**
 * What follows a failed validation, given the facts looked up so far. Pure; asks for one fact at a
 * time, cheapest decision first: a missing identifier explains every other error away, an
 * unattributable error makes the job split before anything is pinned on anyone, a twin makes
 * every lock moot.
 */
export function triageFailedValidation(facts: FailureFacts): FailureTriage {
  if (facts.errors.length === 0) return { kind: 'nothing_listed' };

  if (facts.gone === undefined) {
    const ids = [...facts.byRoot].filter(([root, errors]) => errors.every((e) => e.erroringObject?.id === root)).map(([root]) => root);
    if (ids.length > 0) return { kind: 'check_presence', ids };
  } else if (facts.gone.length > 0) {
    const gone = [...facts.gone];
    return { kind: 'drop_gone', gone, rest: facts.objectIds.filter((id) => !gone.includes(id)) };
  }

  if (facts.unattributed.length > 0 && facts.objectIds.length > 1) {
    const half = Math.ceil(facts.objectIds.length / 2);
    return { kind: 'split', halves: [facts.objectIds.slice(0, half), facts.objectIds.slice(half)] };
  }
  const errorsByRoot = new Map([...facts.byRoot].map(([root, errors]) => [root, [...errors]]));
  if (facts.unattributed.length > 0) {
    const only = facts.objectIds[0] as string;
    errorsByRoot.set(only, [...(errorsByRoot.get(only) ?? []), ...facts.unattributed]);
  }

  const allLocked = [...errorsByRoot.values()].flat().every((e) => e.code === LOCKED);
  if (facts.replayedCreate && errorsByRoot.size === facts.objectIds.length && allLocked) {
    if (facts.twin === undefined) return { kind: 'look_for_twin' };
    if (facts.twin !== null) return { kind: 'adopt_twin', twin: facts.twin };
  }

  const locked = new Map([...errorsByRoot].filter(([, errors]) => errors.every((e) => e.code === LOCKED)));
  if (facts.lockOwners === undefined && locked.size > 0) return { kind: 'find_lock_owners', locked };
  const deferred = new Map([...(facts.lockOwners ?? new Map<string, number>())].filter(([root]) => locked.has(root)));
  return { kind: 'decide', errorsByRoot, deferred };
}
