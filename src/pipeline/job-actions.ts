/**
 * The calls that move a job on (update, validate, run, cancel). Each records in the state only what
 * Stripe answered; a refused transition is settled by reading the job's real status.
 */
import { GatewayError } from '../errors.js';
import type { ValidationBehavior } from '../domain/job.js';
import { isRefusedBecauseMovedOn } from '../domain/job-step.js';
import type { StoredJob } from '../io/state-store.js';
import type { DriveContext } from './drive-context.js';

/** Switches a failed job's validation behaviour; the state follows only once Stripe confirmed it. */
export async function switchBehavior(job: StoredJob, behavior: ValidationBehavior, ctx: DriveContext): Promise<void> {
  const view = await ctx.gateway.updateJob(job.stripeId as string, behavior, ctx.store.nextActionKey(job, 'update'));
  ctx.store.recordJobBehavior(job, view.validationBehavior);
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
    if (!(error instanceof GatewayError) || error.kind !== 'invalid_request') throw error;
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
    if (!(error instanceof GatewayError) || error.kind !== 'invalid_request') throw error;
    const view = await ctx.gateway.retrieveJob(id);
    ctx.store.recordJobStatus(job, view.status);
    if (!isRefusedBecauseMovedOn('cancel', view.status)) throw error;
  }
  const settled = await ctx.watcher.waitSettled(id, job.created ?? 0);
  ctx.store.recordJobStatus(job, settled.status);
}
