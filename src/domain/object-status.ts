/**
 * Where one Stripe object (a root identifier of a job) stands in the state.
 * - `queued`: needs a job; not in a live one.
 * - `in_job`: in a live job of this state.
 * - `deferred`: locked by another live job of this state; queued again when that job ends.
 * - `needs_action`: validation failed and this run may not fix it; its failed job is kept for re-validation.
 * - `ready`: a `validate` run found it clean (its job was then canceled).
 * - `redaction_pending`: a job of this state that carried it succeeded, but Stripe has not shown it
 *   redacted yet (domain/verification.ts); runs read it again until it does.
 * - `redacted`: Stripe showed it redacted after a job of this state succeeded (its proof is kept).
 * - `already_redacted`, `not_found`: settled.
 * - `failed`: an error no retry resolved; the next run tries again.
 */
export const OBJECT_STATUSES = [
  'queued',
  'in_job',
  'deferred',
  'needs_action',
  'ready',
  'redaction_pending',
  'redacted',
  'already_redacted',
  'not_found',
  'failed',
] as const;
export type ObjectStatus = (typeof OBJECT_STATUSES)[number];

/** Statuses of objects no run needs to touch again. */
export const DONE_OBJECT_STATUSES = ['redacted', 'already_redacted', 'not_found'] as const satisfies readonly ObjectStatus[];

export function isObjectDone(status: ObjectStatus): boolean {
  return (DONE_OBJECT_STATUSES as readonly ObjectStatus[]).includes(status);
}

/** Statuses of objects whose job succeeded and that runs read until Stripe shows them redacted: no job needed. */
export const AWAITING_PROOF_OBJECT_STATUSES = ['redaction_pending'] as const satisfies readonly ObjectStatus[];

/**
 * Statuses of objects whose identifier needs no lookup again: done, or only waiting for Stripe to
 * show what a succeeded job did (a later run reads the object itself, never looks the email up).
 */
export const LOOKED_UP_FOR_GOOD_OBJECT_STATUSES = [...DONE_OBJECT_STATUSES, ...AWAITING_PROOF_OBJECT_STATUSES] as const satisfies readonly ObjectStatus[];

/** Statuses of objects no job carries (`ready`: its validate-only job was canceled): each needs a new job. */
export const UNCARRIED_OBJECT_STATUSES = ['queued', 'ready'] as const satisfies readonly ObjectStatus[];

/**
 * Statuses of objects tied to a job — the one that carries them, or for `deferred` the one they
 * wait for, or none when it was never sent: they need a new job once that job is over or absent.
 */
export const JOB_BOUND_OBJECT_STATUSES = ['needs_action', 'in_job', 'deferred', 'failed'] as const satisfies readonly ObjectStatus[];
