/**
 * Where one Stripe object (a root identifier of a job) stands in the state.
 * - `queued`: needs a job; not in a live one.
 * - `in_job`: in a live job of this state.
 * - `deferred`: locked by another live job of this state; queued again when that job ends.
 * - `needs_action`: validation failed and this run may not fix it; its failed job is kept for re-validation.
 * - `ready`: a `validate` run found it clean (its job was then canceled).
 * - `redacted`, `already_redacted`, `not_found`: settled.
 * - `failed`: an error no retry resolved; the next run tries again.
 */
export const OBJECT_STATUSES = [
  'queued',
  'in_job',
  'deferred',
  'needs_action',
  'ready',
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

/** Statuses of objects no job carries (`ready`: its validate-only job was canceled): each needs a new job. */
export const UNCARRIED_OBJECT_STATUSES = ['queued', 'ready'] as const satisfies readonly ObjectStatus[];

/**
 * Statuses of objects tied to a job — the one that carries them, or for `deferred` the one they
 * wait for, or none when it was never sent: they need a new job once that job is over or absent.
 */
export const JOB_BOUND_OBJECT_STATUSES = ['needs_action', 'in_job', 'deferred', 'failed'] as const satisfies readonly ObjectStatus[];
