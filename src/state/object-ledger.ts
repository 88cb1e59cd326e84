/** The state port's objects (state-store.ts): where each Stripe object stands. */
import type { Blocker } from '../domain/blocker.js';
import type { ObjectStatus } from '../domain/object-status.js';
import type { Reason } from '../domain/reason.js';
import type { StripeReading } from '../domain/verification.js';

/** A change of one or more objects' status; fields left out keep what the state holds. */
export interface ObjectStatusChange {
  status: ObjectStatus;
  /** Codes of API errors no retry resolved (`failed`); validation errors go in `blockers`. */
  errorCodes?: string[];
  /** Why the object stands where it does, as data; the report words them (domain/reason.ts). */
  reasons?: Reason[];
  /** What blocks the object now, as Stripe's validation listed it. */
  blockers?: Blocker[];
  /** Blockers a validation with `fix` cleared for it: what the fix will change, or changed. */
  fixes?: Blocker[];
  /** The live job holding the object, or the job that settled it. */
  jobLocalId?: number | null;
  deferredOn?: number | null;
}

/** Where each Stripe object stands (domain/object-status.ts), what blocks it, what fix cleared. */
export interface ObjectLedger {
  /**
   * The objects an identifier resolved to that need a new job: queued ones, ones a validate run or
   * an error left without a job, and ones whose job or awaited job is over without settling them.
   * Objects in a live job of this state are that job's business, not a new one's.
   */
  objectsNeedingJobOf(key: string): string[];
  /** Objects waiting on another job of this state. */
  objectsDeferredOn(jobLocalId: number): string[];
  objectStatus(id: string): ObjectStatus | undefined;
  setObjectStatus(ids: readonly string[], change: ObjectStatusChange): void;
  /** The blockers the state holds for each of `ids` (from the last validation that listed them). */
  blockersOf(ids: readonly string[]): Map<string, Blocker[]>;
  /** The fixes the state holds for each of `ids`: what an earlier validation with `fix` cleared. */
  fixesOf(ids: readonly string[]): Map<string, Blocker[]>;
  /**
   * A validation with `fix` passed: what blocked each object is what the fix clears. Moves blockers
   * to fixes; objects with no blockers keep the fixes they have, so repeating it changes nothing.
   */
  promoteBlockersToFixes(ids: readonly string[]): void;
  /** A validation with `error` passed: nothing blocks the objects, and no fix is needed. */
  clearBlockers(ids: readonly string[]): void;
  /**
   * Records what Stripe stated of an object, read now (only what it answered). `verified`: the read
   * showed it redacted after a job of this state succeeded — the object becomes `redacted`, with
   * `verified_at` now. Otherwise its status stays.
   */
  recordReading(id: string, reading: StripeReading, options?: { verified?: boolean }): void;
  /**
   * Objects that wait for Stripe to show them redacted (`redaction_pending`) and stand for an
   * identifier `runId` read: what that run verifies. A verified object is never among them.
   */
  objectsAwaitingProof(runId: string): { id: string; type: string }[];
}
