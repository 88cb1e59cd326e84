/**
 * The calls that move a job on (update, validate, run, cancel). A refused transition is answered by
 * reading the job's real status; what follows from it is the job machine's (domain/job-machine.ts).
 */
import { GatewayError } from '../errors.js';
import type { RedactionJobView, ValidationBehavior } from '../domain/job.js';
import type { StoredJob } from '../state/state-store.js';
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

/** How Stripe took a call on a job: carried it out, or refused it — then the job as read just after. */
export type JobCallAnswer = { kind: 'answered'; view: RedactionJobView } | { kind: 'refused'; view: RedactionJobView; error: GatewayError };

/** The calls that move a job on; `update` switches its validation behaviour. */
export type JobCall = { kind: 'validate' } | { kind: 'run' } | { kind: 'cancel' } | { kind: 'update'; to: ValidationBehavior };

/**
 * Sends one call on a job with the next action key from the state. A refusal (the answer to an
 * earlier attempt was lost, or the job moved on) is answered by reading the job, never by sending
 * the call again; whether the job simply moved on is the job machine's decision
 * (domain/job-machine.ts). Records nothing: the machine says what to record.
 */
export async function sendJobCall(job: StoredJob, call: JobCall, ctx: Pick<DriveContext, 'gateway' | 'store'>): Promise<JobCallAnswer> {
  const id = job.stripeId as string;
  const key = ctx.store.nextActionKey(job, call.kind);
  try {
    switch (call.kind) {
      case 'validate':
        return { kind: 'answered', view: await ctx.gateway.validateJob(id, key) };
      case 'run':
        return { kind: 'answered', view: await ctx.gateway.runJob(id, key) };
      case 'cancel':
        return { kind: 'answered', view: await ctx.gateway.cancelJob(id, key) };
      case 'update':
        return { kind: 'answered', view: await ctx.gateway.updateJob(id, call.to, key) };
    }
  } catch (error) {
    if (!isRefusal(error)) throw error;
    return { kind: 'refused', view: await ctx.gateway.retrieveJob(id), error };
  }
}
