/**
 * The calls that move a job on (update, validate, run, cancel). Each records in the state only what
 * Stripe answered; a refused transition is settled by reading the job's real status.
 */
import { GatewayError } from '../errors.js';
import type { ValidationBehavior } from '../domain/job.js';
import { isRefusedBecauseMovedOn } from '../domain/job-step.js';
import type { StoredJob } from '../io/state-store.js';
import type { DriveContext } from './drive-context.js';

/**
 * Whether Stripe refused a call on a job (400, 404 or 409, whatever its code, if any) rather than
 * failing to carry it out: such an answer is settled by reading the job, never by sending the call
 * again. A 409 `idempotency_key_in_use` is not a refusal: the same request is still in flight, and
 * the retry policy sends it again.
 */
export function isRefusal(error: unknown): error is GatewayError {
  if (!(error instanceof GatewayError) || error.status === undefined || ![400, 404, 409].includes(error.status)) return false;
  return error.kind === 'invalid_request' || error.kind === 'not_found' || (error.kind === 'conflict' && error.stripeCode !== 'idempotency_key_in_use');
}

/**
 * Switches a failed job's validation behaviour; the state follows only once Stripe confirmed it. A
 * refused update is settled by reading the job: one that moved past where an update applies goes
 * on from its real status (the caller's next call is refused too, and reads it again).
 */
export async function switchBehavior(job: StoredJob, behavior: ValidationBehavior, ctx: DriveContext): Promise<void> {
  const id = job.stripeId as string;
  try {
    const view = await ctx.gateway.updateJob(id, behavior, ctx.store.nextActionKey(job, 'update'));
    ctx.store.recordJobBehavior(job, view.validationBehavior);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    const view = await ctx.gateway.retrieveJob(id);
    ctx.store.recordJobStatus(job, view.status);
    if (view.validationBehavior !== job.validationBehavior) ctx.store.recordJobBehavior(job, view.validationBehavior);
    if (view.validationBehavior !== behavior && !isRefusedBecauseMovedOn('update', view.status)) throw error;
  }
}

/**
 * Validate or run. Returns whether Stripe confirmed it. A refused transition means the job already
 * moved on (a resumed run, an answer lost after the request was carried out): the job's real status
 * is read and recorded, and the caller goes on from there.
 */
export async function transition(job: StoredJob, action: 'validate' | 'run', ctx: DriveContext): Promise<boolean> {
  const id = job.stripeId as string;
  const key = ctx.store.nextActionKey(job, action);
  try {
    const view = action === 'run' ? await ctx.gateway.runJob(id, key) : await ctx.gateway.validateJob(id, key);
    ctx.store.recordJobStatus(job, view.status);
    return true;
  } catch (error) {
    if (!isRefusal(error)) throw error;
    const view = await ctx.gateway.retrieveJob(id);
    ctx.store.recordJobStatus(job, view.status);
    if (!isRefusedBecauseMovedOn(action, view.status)) throw error;
    return false;
  }
}

/** Cancels and waits until Stripe releases the job's objects (a canceling job still holds them). */
export async function cancelJob(job: StoredJob, ctx: DriveContext): Promise<void> {
  const id = job.stripeId as string;
  try {
    const view = await ctx.gateway.cancelJob(id, ctx.store.nextActionKey(job, 'cancel'));
    ctx.store.recordJobStatus(job, view.status);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    const view = await ctx.gateway.retrieveJob(id);
    ctx.store.recordJobStatus(job, view.status);
    if (!isRefusedBecauseMovedOn('cancel', view.status)) throw error;
  }
  const settled = await ctx.watcher.waitSettled(id, job.created ?? 0);
  ctx.store.recordJobStatus(job, settled.status);
}
