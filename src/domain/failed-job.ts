import { blockerOf, type Blocker } from './blocker.js';
import type { JobValidationError, ValidationBehavior } from './job.js';

/** Codes that `validation_behavior=fix` cannot clear by Stripe's documentation: a lock held by another job, a cascade too large. */
export const NEVER_FIXABLE_CODES: ReadonlySet<string> = new Set(['locked_by_other_job', 'too_many_objects']);

/** What is known when a job's validation failed and each error is pinned on one of its identifiers. */
export interface FailedValidation {
  /** The job's identifiers, in job order. */
  objectIds: readonly string[];
  /** The behaviour the failed validation ran under (Stripe's answer, not the run's intent). */
  attempt: ValidationBehavior;
  /** What this run may do about blockers. */
  runBehavior: ValidationBehavior;
  /** Errors per identifier. Identifiers that are absent validated clean. */
  errorsByRoot: ReadonlyMap<string, readonly JobValidationError[]>;
  /** Identifiers locked by another live job of this state: they wait for it, whatever else holds them. */
  deferred: ReadonlySet<string>;
  /** Blockers the state recorded for each identifier from the validation with `error` that preceded a `fix` attempt. */
  recordedBlockers: ReadonlyMap<string, readonly Blocker[]>;
  /** Blockers an earlier validation with `fix` cleared for each identifier (what the fix changes), if the state holds any. */
  recordedFixes?: ReadonlyMap<string, readonly Blocker[]>;
}

/** The next step after a failed validation: a closed union the driver carries out. */
export type FailedJobDecision =
  /** Record each identifier's blockers, switch the job to `fix`, validate again. */
  | { kind: 'try_fix'; blockers: Map<string, Blocker[]> }
  /**
   * Settle the job: `blocked` identifiers become `needs_action` with their blockers (and the fixes known
   * to clear part of them); `clean` ones go on without those blockers (with the fixes a validation with
   * fix cleared); `isolate` ones each go into a job of their own, because a failure under fix cannot be
   * pinned on one of them; `deferred` ones wait. `keepJob`: the job stays failed for the next run to
   * validate again, since it holds exactly the blocked identifiers.
   */
  | {
      kind: 'settle';
      blocked: Map<string, { blockers: Blocker[]; fixes: Blocker[] }>;
      clean: Map<string, { fixes: Blocker[] }>;
      isolate: string[];
      keepJob: boolean;
    };

const sameBlocker = (a: Pick<Blocker, 'code' | 'erroringObject'>, b: Pick<Blocker, 'code' | 'erroringObject'>) =>
  a.code === b.code && (a.erroringObject?.id ?? null) === (b.erroringObject?.id ?? null);

/**
 * What earlier validations under fix showed of a blocker a validation with `error` lists again:
 * cleared (it is among the identifier's recorded fixes), still listed (its recorded blocker says
 * so), or nothing yet. Learnt per blocker — the same code on the same object — never per code.
 */
function evidenceUnderError(error: JobValidationError, recorded: readonly Blocker[], fixes: readonly Blocker[]): Blocker['underFix'] {
  if (fixes.some((fix) => sameBlocker(fix, error))) return 'cleared';
  const seen = recorded.find((blocker) => sameBlocker(blocker, error) && blocker.underFix !== 'untried' && blocker.underFix !== 'cleared');
  return seen?.underFix ?? 'untried';
}

/**
 * Decides what follows a failed validation. Learns what `fix` clears only from a validation with
 * `fix`, never from codes: an identifier that such a validation no longer lists was cleared by it.
 * When a validation with fix lists several identifiers, an account that lists fixable blockers too
 * would hold them all hostage to one with an unfixable blocker, so each goes on alone.
 */
export function decideAfterFailedValidation(facts: FailedValidation): FailedJobDecision {
  const listed = [...facts.errorsByRoot.keys()].filter((id) => !facts.deferred.has(id));
  if (facts.attempt === 'error') {
    const evidence = (id: string, e: JobValidationError) => evidenceUnderError(e, facts.recordedBlockers.get(id) ?? [], facts.recordedFixes?.get(id) ?? []);
    const blockers = new Map(listed.map((id) => [id, (facts.errorsByRoot.get(id) ?? []).map((e) => blockerOf(e, evidence(id, e)))]));
    const fixable = [...blockers.values()].flat().some((b) => !NEVER_FIXABLE_CODES.has(b.code));
    if (facts.runBehavior === 'fix' && fixable && facts.deferred.size === 0) return { kind: 'try_fix', blockers };
    const blocked = new Map([...blockers].map(([id, list]) => [id, { blockers: list, fixes: [] as Blocker[] }]));
    const clean = new Map(facts.objectIds.filter((id) => !facts.errorsByRoot.has(id)).map((id) => [id, { fixes: [] as Blocker[] }]));
    return { kind: 'settle', blocked, clean, isolate: [], keepJob: clean.size === 0 && facts.deferred.size === 0 };
  }
  // A failed validation under fix: identifiers it does not list were cleared by the fix.
  const clean = new Map(
    facts.objectIds
      .filter((id) => !facts.errorsByRoot.has(id))
      .map((id) => [id, { fixes: [...(facts.recordedBlockers.get(id) ?? [])].filter((b) => !NEVER_FIXABLE_CODES.has(b.code)) }]),
  );
  if (listed.length > 1) {
    return { kind: 'settle', blocked: new Map(), clean, isolate: listed, keepJob: false };
  }
  const blocked = new Map(
    listed.map((id) => {
      const errors = facts.errorsByRoot.get(id) ?? [];
      const recorded = facts.recordedBlockers.get(id) ?? [];
      // Listed under fix, a blocker is beyond the fix when it is listed alone, or when the account
      // dropped blockers the validation with error listed (it lists only what fix cannot clear).
      // Listed beside others on an account that drops nothing, it may be one the fix clears.
      // One an earlier validation under fix already showed beyond the fix stays so.
      const dropped = recorded.some((b) => !NEVER_FIXABLE_CODES.has(b.code) && !errors.some((e) => sameBlocker(b, e)));
      const survivedBefore = (e: JobValidationError) => recorded.some((b) => b.underFix === 'survived' && sameBlocker(b, e));
      const still = errors.map((e) => blockerOf(e, errors.length === 1 || dropped || survivedBefore(e) ? 'survived' : 'listed_under_fix'));
      const fixes = (facts.recordedBlockers.get(id) ?? []).filter((b) => !NEVER_FIXABLE_CODES.has(b.code) && !still.some((s) => sameBlocker(s, b)));
      return [id, { blockers: still, fixes }];
    }),
  );
  return { kind: 'settle', blocked, clean, isolate: [], keepJob: clean.size === 0 && facts.deferred.size === 0 };
}
