import { GatewayError } from '../errors.js';
import { decideJob, newJob, type FailureInfo, type JobAction, type JobEvent } from '../domain/job-machine.js';
import { toJobObjects } from '../domain/pack.js';
import type { StoredJob } from '../state/state-store.js';
import type { DriveContext } from './drive-context.js';
import { sendJobCall, type JobCall } from './job-actions.js';
import { lookUp } from './job-lookups.js';
import { JobWaitTimeout } from './job-watcher.js';
import { waitsFor } from './lock-holders.js';
import { isLockRefusedAtCreate } from './refused-create.js';
import { releaseWaiters } from './release-waiters.js';

/** An error that must stop the whole run (bad key, missing permission, no redaction jobs on the account): never a row outcome. */
export function isFatalGatewayError(error: unknown): boolean {
  return error instanceof GatewayError && (error.kind === 'auth' || error.kind === 'permission' || error.kind === 'unavailable');
}

/**
 * Drives one job to the end this run can reach, as the job machine (domain/job-machine.ts)
 * decides: wait for an event, decide, carry the actions out. Every fact lands in the state before
 * the next step acts on it, and only what Stripe confirmed is recorded. Outcomes become object
 * statuses; only a fatal gateway error is thrown — and then nothing more is written.
 */
export async function driveJob(job: StoredJob, ctx: DriveContext): Promise<void> {
  let state = newJob({ localId: job.localId, objectIds: job.objectIds, replayedCreate: job.replayedCreate === true, mode: ctx.mode, runBehavior: ctx.behavior });
  let event: JobEvent = { kind: 'start', status: job.status, stripeId: job.stripeId };
  let error: unknown;
  for (;;) {
    const decision = decideJob(state, event);
    state = decision.next;
    let next: JobEvent | void = undefined;
    for (const action of decision.actions) {
      if (action.kind === 'stop') {
        if (action.code === 'fatal') throw error;
        return;
      }
      try {
        // Synchronous actions are carried out with no await in between: a look at the state and
        // what is written after it cannot be split by another job's driver.
        const answer = carryOut(action, job, ctx);
        next = answer instanceof Promise ? await answer : answer;
      } catch (caught) {
        // A release runs as the job ends: an error there stops the run, as it always did.
        if (action.kind === 'release_waiters') throw caught;
        error = caught;
        next = eventOfError(caught, ctx);
        break;
      }
    }
    if (!next) throw new Error(`the job machine asked for no answer while ${state.at}`);
    event = next;
  }
}

/** What an error means to the machine: an interrupt, a wait given up, or a failure. */
function eventOfError(error: unknown, ctx: DriveContext): JobEvent {
  // Interrupted: the job stays live in the state, exactly as far as it got.
  if (ctx.signal?.aborted) return { kind: 'interrupted' };
  if (error instanceof JobWaitTimeout) return { kind: 'wait_timed_out', job: error.jobId, lastStatus: error.lastStatus ?? null, waitedMs: error.waitedMs };
  return { kind: 'failure', error: failureOf(error) };
}

function failureOf(error: unknown): FailureInfo {
  const message = error instanceof Error ? error.message : String(error);
  const gateway = error instanceof GatewayError ? error : undefined;
  return { fatal: isFatalGatewayError(error), notFound: gateway?.kind === 'not_found', message, ...(gateway?.stripeCode ? { stripeCode: gateway.stripeCode } : {}) };
}

/** Carries out one action; the answer of a call, wait or look-up is the machine's next event. */
function carryOut(action: Exclude<JobAction, { kind: 'stop' }>, job: StoredJob, ctx: DriveContext): JobEvent | void | Promise<JobEvent | void> {
  const { store } = ctx;
  switch (action.kind) {
    case 'create':
      return create(job, ctx);
    case 'wait':
    case 'await_release':
      return ctx.watcher.waitSettled(job.stripeId as string, job.created ?? 0).then((view) => ({ kind: 'settled', view, replacedBefore: ctx.memory.replacedAfterOutsideCancel(job.objectIds) }));
    case 'validate':
    case 'run':
    case 'cancel':
      return call(job, { kind: action.kind }, ctx);
    case 'switch':
      return call(job, { kind: 'update', to: action.to }, ctx);
    case 'look_up': {
      const fact = lookUp(action.what, job, ctx);
      return fact instanceof Promise ? fact.then((found) => ({ kind: 'fact', fact: found })) : { kind: 'fact', fact };
    }
    case 'record_created':
      return store.recordJobCreated(job, action.view.id, action.view.status, action.view.created);
    case 'record_view':
      store.recordJobStatus(job, action.status);
      if (action.behavior !== undefined && action.behavior !== job.validationBehavior) store.recordJobBehavior(job, action.behavior);
      return;
    case 'record_behavior':
      return store.recordJobBehavior(job, action.behavior);
    case 'record_abandoned':
      return store.recordJobStatus(job, 'abandoned', action.reason);
    case 'update_objects':
      return store.setObjectStatus(action.ids, action.change);
    case 'defer':
      return store.setObjectStatus(action.ids, { status: 'deferred', jobLocalId: action.owner, deferredOn: action.owner, reasons: [waitsFor(action.owner, ctx)] });
    case 'promote_fixes':
      return store.promoteBlockersToFixes(job.objectIds);
    case 'clear_blockers':
      return store.clearBlockers(action.ids);
    case 'split_off': {
      const local = ctx.spawn([...action.ids]);
      if (!action.waiters?.length) return;
      if (local !== undefined) store.setObjectStatus(action.waiters, { status: 'deferred', jobLocalId: local, deferredOn: local, reasons: [waitsFor(local, ctx)] });
      else ctx.spawn([...action.waiters]);
      return;
    }
    case 'adopt':
      return ctx.adopt(action.twin, job.objectIds);
    case 'release_waiters':
      // Interrupted: waiters stay deferred in the state; the next run releases them.
      return ctx.signal?.aborted ? undefined : releaseWaiters(action.owner, action.succeeded, ctx).then(() => undefined);
    case 'remember_succeeded':
      return ctx.memory.noteSucceeded(job.localId);
    case 'remember_canceled_outside':
      return ctx.memory.noteCanceledOutside(job.objectIds);
    case 'verify':
      return ctx.verify?.(job.objectIds);
    case 'log':
      return ctx.logger[action.level](action.message, action.fields);
  }
}

/** Sends the create. Created with `error` behaviour even in fix runs: the first validation then lists what the fix will change, which the report must say. */
async function create(job: StoredJob, ctx: DriveContext): Promise<JobEvent> {
  try {
    return { kind: 'created', view: await ctx.gateway.createJob(toJobObjects(job.objectIds), 'error', ctx.store.createKey(job)) };
  } catch (error) {
    if (isLockRefusedAtCreate(error)) return { kind: 'create_refused', cause: 'lock', message: error.message };
    if (!(error instanceof GatewayError) || error.stripeCode !== 'resource_missing') throw error;
    return { kind: 'create_refused', cause: 'resource_missing', refusal: { stripeCode: error.stripeCode, message: error.message, ...(error.param ? { param: error.param } : {}) } };
  }
}

async function call(job: StoredJob, jobCall: JobCall, ctx: DriveContext): Promise<JobEvent> {
  const answer = await sendJobCall(job, jobCall, ctx);
  const { status, validationBehavior: behavior } = answer.view;
  return answer.kind === 'answered' ? { kind: 'answered', status, behavior } : { kind: 'transition_refused', status, behavior, error: failureOf(answer.error) };
}
