import type { JobStatus } from '../domain/job.js';
import type { StoredJob } from '../state/state-store.js';
import type { DriveContext } from './drive-context.js';
import { isFatalGatewayError } from './drive-job.js';
import { JobWaitTimeout } from './job-watcher.js';

/**
 * Follows a job another input's run left live, without acting on it: waits while Stripe works,
 * records the status it settles in, and settles its objects as redacted if it succeeded. Returns
 * the status it was left in.
 */
export async function followJob(job: StoredJob, ctx: DriveContext): Promise<JobStatus> {
  try {
    const view = await ctx.watcher.waitSettled(job.stripeId as string, job.created ?? 0);
    ctx.store.recordJobStatus(job, view.status);
    if (view.status === 'succeeded') {
      ctx.memory.noteSucceeded(job.localId);
      if (job.validationBehavior === 'fix') ctx.store.promoteBlockersToFixes(job.objectIds);
      ctx.store.setObjectStatus(job.objectIds, { status: 'redaction_pending', jobLocalId: job.localId, errorCodes: [], blockers: [], reasons: [] });
      ctx.logger.info('job succeeded', { job: job.stripeId, objects: job.objectIds.length });
    }
    return view.status;
  } catch (error) {
    if (ctx.signal?.aborted || error instanceof JobWaitTimeout) return job.status as JobStatus;
    if (isFatalGatewayError(error)) throw error;
    ctx.logger.warn('could not follow a job of another input', { job: job.stripeId, error: error instanceof Error ? error.message : String(error) });
    return job.status as JobStatus;
  }
}
