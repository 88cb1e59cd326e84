/**
 * A job create Stripe refused with no code that names an object: how Stripe may refuse a lock at
 * create (docs/stripe.md#emulator-variants, `--lock-refusal create`). Its message is never parsed; the held
 * identifier is found by splitting the pack, and its holder from this state's jobs and Stripe's list.
 * Like {@link triageFailedValidation}, each answer names the one fact to look up next or says what
 * to do; the driver looks up only what is asked for.
 */
export interface RefusedCreateFacts {
  /** The refused job's identifiers, in job order. */
  objectIds: readonly string[];
  /** Whether the job replays a create an earlier run sent: only then can Stripe hold a twin of it. */
  replayedCreate: boolean;
  /** The job Stripe holds for exactly these identifiers, unknown to the state; unset until looked for, null when none. */
  twin?: { id: string } | null;
  /**
   * For a single identifier: the live job of this state (other than the refused one) that holds it,
   * or holds the customer it belongs to; unset until looked up, `null` when none does.
   */
  ownHolder?: number | null;
  /**
   * For a single identifier no job of this state holds: the live jobs in Stripe's list
   * (`expand[]=data.objects`) that name it or its customer; unset until looked up.
   */
  listedHolders?: readonly string[];
}

/** The next step after a refused create: a fact to look up, or what to do. */
export type RefusedCreateStep =
  /** A replayed create: look in Stripe's job list for the job its lost answer made. */
  | { kind: 'look_for_twin' }
  /** Stripe holds the job this create made before (its answer lost, its key expired): drive that one. */
  | { kind: 'adopt_twin'; twin: { id: string } }
  /** Several identifiers: try each half in a job of its own, so only what is held stays back. */
  | { kind: 'split'; halves: [string[], string[]] }
  /** One identifier: look for a live job of this state that holds it (or its customer). */
  | { kind: 'find_own_holder' }
  /** Held by a job of this state: wait for that job, as a lock met at validation does. */
  | { kind: 'wait_for_own'; owner: number }
  /** Held by no job of this state: look in Stripe's job list for who holds it. */
  | { kind: 'find_listed_holder' }
  /**
   * Held by a job this state does not own: a person must cancel it or let it finish. `holder` is
   * the job Stripe's list shows holding it, or `null` when the list shows none.
   */
  | { kind: 'held_by_other'; holder: string | null };

/** What follows a create refused for a lock, given the facts looked up so far. Pure. */
export function decideRefusedCreate(facts: RefusedCreateFacts): RefusedCreateStep {
  if (facts.replayedCreate) {
    if (facts.twin === undefined) return { kind: 'look_for_twin' };
    if (facts.twin !== null) return { kind: 'adopt_twin', twin: facts.twin };
  }
  if (facts.objectIds.length > 1) {
    const half = Math.ceil(facts.objectIds.length / 2);
    return { kind: 'split', halves: [facts.objectIds.slice(0, half), facts.objectIds.slice(half)] };
  }
  if (facts.ownHolder === undefined) return { kind: 'find_own_holder' };
  if (facts.ownHolder !== null) return { kind: 'wait_for_own', owner: facts.ownHolder };
  if (facts.listedHolders === undefined) return { kind: 'find_listed_holder' };
  return { kind: 'held_by_other', holder: facts.listedHolders[0] ?? null };
}
