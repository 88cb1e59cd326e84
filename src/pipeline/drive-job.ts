import { GatewayError } from '../errors.js';
import { objectTypeOfId } from '../domain/identifier.js';
import { type JobStatus, type JobValidationError, type RedactionJobView } from '../domain/job.js';
import { decideAfterFailedValidation } from '../domain/failed-job.js';
import { nextJobStep } from '../domain/job-step.js';
import { ownersToLookUp, pinErrors, triageFailedValidation, type FailureFacts } from '../domain/failure-triage.js';
import { chunk, slotOf, toJobObjects } from '../domain/pack.js';
import { MAX_JOB_IDENTIFIERS } from '../domain/job.js';
import type { StoredJob } from '../io/state-store.js';
import type { DriveContext } from './drive-context.js';
import { cancelJob, switchBehavior, transition } from './job-actions.js';
import { JobWaitTimeout } from './job-watcher.js';
import { findTwin, liveJobsNaming, ownLockingJob, STRIPE_OBJECT_TYPE, waitsFor } from './lock-holders.js';
import { isLockRefusedAtCreate, settleRefusedCreate } from './refused-create.js';
import { settleAfterOwnCascade, settleByPresence } from './settle-by-presence.js';

/** An error that must stop the whole run (bad key, missing permission, no redaction jobs on the account): never a row outcome. */
export function isFatalGatewayError(error: unknown): boolean {
  return error instanceof GatewayError && (error.kind === 'auth' || error.kind === 'permission' || error.kind === 'unavailable');
}

/**
 * Drives one job to the end this run can reach: created → validating → ready | failed →
 * (fix → validating → ready) → run → redacting → succeeded. Every fact lands in the state before
 * the next step acts on it, and only what Stripe confirmed is recorded. Outcomes — blockers, locks,
 * missing ids, outside cancellation — become object statuses; only a fatal gateway error is thrown.
 */
export async function driveJob(job: StoredJob, ctx: DriveContext): Promise<void> {
  // Whether the job's latest validation started, as this run saw Stripe confirm, after its last
  // change of behaviour. A failed job met any other way (a resumed run, an update whose validate
  // never went out) is validated again before its errors are believed.
  let fresh = false;
  let validations = 0;
  let timedOut = false;
  try {
    if (job.status === 'unsent') {
      const created = await createJob(job, ctx);
      if (!created) return;
      fresh = true;
    }
    for (;;) {
      const view = await ctx.watcher.waitSettled(job.stripeId as string, job.created ?? 0);
      ctx.store.recordJobStatus(job, view.status);
      if (view.validationBehavior !== job.validationBehavior) ctx.store.recordJobBehavior(job, view.validationBehavior);
      const step = nextJobStep({
        status: view.status,
        behavior: view.validationBehavior,
        fresh,
        validations,
        mode: ctx.mode,
        runBehavior: ctx.behavior,
        replacedBefore: job.objectIds.some((id) => ctx.canceledOutside.has(id)),
      });
      if (view.status === 'ready') {
        if (view.validationBehavior === 'fix') {
          // Ready under fix: the blockers its validation with error listed are what the fix clears.
          // In the state before anything runs, so a kill cannot lose what the fix changed.
          ctx.store.promoteBlockersToFixes(job.objectIds);
        } else if (fresh) {
          ctx.store.clearBlockers(job.objectIds);
        }
      }
      switch (step.kind) {
        case 'wait':
          continue;
        case 'report_ready_and_cancel':
          ctx.store.setObjectStatus(job.objectIds, { status: 'ready' });
          await cancelJob(job, ctx);
          return;
        case 'cancel_and_repack':
          // A job an earlier run switched to fix: running it would apply fixes this run was not
          // asked for. Start its objects over in a job of this run's behaviour instead.
          ctx.logger.info('not running a fix job from an earlier run without --validation-behavior fix', { job: job.stripeId });
          await cancelJob(job, ctx);
          ctx.spawn(job.objectIds);
          return;
        case 'run':
          await transition(job, 'run', ctx);
          continue;
        case 'revalidate':
          if (step.switchTo) await switchBehavior(job, step.switchTo, ctx);
          validations += 1;
          fresh = await transition(job, 'validate', ctx);
          continue;
        case 'give_up':
          throw new Error(`job ${job.stripeId} failed validation ${validations} times in this run`);
        case 'settle_failure': {
          const next = await handleFailed(job, view, ctx);
          if (next === 'done') return;
          validations += 1;
          fresh = await transition(job, 'validate', ctx);
          continue;
        }
        case 'settle_redacted':
          markRedacted(job, ctx);
          // Stripe's own word, not the job's: each object is read (verify-objects.ts).
          ctx.verify?.(job.objectIds);
          return;
        case 'replace_canceled':
        case 'leave_canceled':
          // Canceled by someone else: the requests still stand, so the objects go into a new job
          // (the canceled one stays in the row's earlier_job_ids as evidence) — once per run, so
          // that a person who keeps canceling stops the tool rather than racing it.
          for (const id of job.objectIds) ctx.canceledOutside.add(id);
          ctx.logger.warn('job canceled outside stripe-redact', { job: job.stripeId, replaced: step.kind === 'replace_canceled' });
          if (step.kind === 'replace_canceled') {
            ctx.spawn(job.objectIds);
          } else {
            ctx.store.setObjectStatus(job.objectIds, {
              status: 'queued',
              jobLocalId: null,
              reasons: [{ code: 'canceled_outside_twice', job: job.stripeId as string }],
            });
          }
          return;
      }
    }
  } catch (error) {
    // Interrupted: the job stays live in the state, exactly as far as it got; the next run resumes it.
    if (ctx.signal?.aborted) return;
    if (error instanceof JobWaitTimeout) {
      // Stripe is still at it: the job stays live in the state and its rows pending; the next run follows it.
      ctx.logger.warn('gave up waiting for a job; the next run follows it', { job: job.stripeId, status: error.lastStatus });
      ctx.store.setObjectStatus(job.objectIds, { status: 'in_job', reasons: [{ code: 'wait_timed_out', job: error.jobId, lastStatus: error.lastStatus ?? null, waitedMs: error.waitedMs }] });
      timedOut = true;
      return;
    }
    if (isFatalGatewayError(error)) throw error;
    if (error instanceof GatewayError && error.kind === 'not_found' && job.stripeId) {
      // Stripe no longer knows the job (another account's state file, or a wiped emulator):
      // forget it and put its objects in a new job.
      ctx.logger.warn('job unknown to Stripe; its objects go into a new job', { job: job.stripeId });
      ctx.store.recordJobStatus(job, 'abandoned', { code: 'unknown_to_stripe' });
      ctx.spawn(job.objectIds);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof GatewayError && error.stripeCode ? [error.stripeCode] : [];
    ctx.logger.warn('job failed', { job: job.stripeId ?? `local-${job.localId}`, error: message });
    // The job, if Stripe has it, stays live in the state: the next run looks at it again.
    ctx.store.setObjectStatus(job.objectIds, {
      status: 'failed',
      errorCodes: code,
      reasons: [{ code: 'job_error', job: job.stripeId, message, ...(code[0] ? { stripeCode: code[0] } : {}) }],
    });
  } finally {
    if (!ctx.signal?.aborted && !timedOut) await releaseDeferred(job, ctx);
  }
}

/**
 * Follows a job another input's run left live, without acting on it: waits while Stripe works,
 * records the status it settles in, and settles its objects as redacted if it succeeded. Returns
 * the status it was left in.
 */
export async function followJob(job: StoredJob, ctx: DriveContext): Promise<JobStatus> {
  try {
    const view = await ctx.watcher.waitSettled(job.stripeId as string, job.created ?? 0);
    ctx.store.recordJobStatus(job, view.status);
    if (view.status === 'succeeded') markRedacted(job, ctx);
    return view.status;
  } catch (error) {
    if (ctx.signal?.aborted || error instanceof JobWaitTimeout) return job.status as JobStatus;
    if (isFatalGatewayError(error)) throw error;
    ctx.logger.warn('could not follow a job of another input', { job: job.stripeId, error: error instanceof Error ? error.message : String(error) });
    return job.status as JobStatus;
  }
}

/**
 * Objects that waited for this job go on now. When the job succeeded, its cascade may have
 * redacted them already (a PaymentIntent of a redacted customer): then they are settled by this
 * job, once Stripe shows it; otherwise they go into jobs of their own.
 */
async function releaseDeferred(job: StoredJob, ctx: DriveContext): Promise<void> {
  await releaseWaiters(job.localId, job.status === 'succeeded', ctx);
}

/** Objects deferred on job `ownerLocalId` go on: settled as redacted when its cascade redacted them, else in a job of their own. */
async function releaseWaiters(ownerLocalId: number, succeeded: boolean, ctx: DriveContext): Promise<void> {
  const rest: string[] = [];
  for (const id of ctx.store.objectsDeferredOn(ownerLocalId)) {
    const type = objectTypeOfId(id);
    if (succeeded && type && (await settleAfterOwnCascade(id, type, ownerLocalId, ctx))) continue;
    rest.push(id);
  }
  for (const group of chunk(rest, MAX_JOB_IDENTIFIERS)) ctx.spawn(group);
}

/** Sends the create; returns false when the job could not be created and its objects were settled or re-packed. */
async function createJob(job: StoredJob, ctx: DriveContext): Promise<boolean> {
  const objects = toJobObjects(job.objectIds);
  try {
    // Created with `error` behaviour even in fix runs: the first validation then lists what the
    // fix will change, which the report must say.
    const view = await ctx.gateway.createJob(objects, 'error', ctx.store.createKey(job));
    ctx.store.recordJobCreated(job, view.id, view.status, view.created);
    ctx.logger.info('job created', { job: view.id, objects: job.objectIds.length });
    return true;
  } catch (error) {
    if (isLockRefusedAtCreate(error)) {
      await settleRefusedCreate(job, error, ctx, (owner) => releaseWaiters(owner, true, ctx));
      return false;
    }
    if (!(error instanceof GatewayError) || error.stripeCode !== 'resource_missing') throw error;
    const slot = error.param ? slotOf(objects, error.param) : undefined;
    const suspects = slot ? [slot] : job.objectIds;
    const gone: string[] = [];
    for (const id of suspects) {
      const type = objectTypeOfId(id);
      if (type && (await settleByPresence(id, type, ctx))) gone.push(id);
    }
    ctx.store.recordJobStatus(job, 'abandoned', { code: 'create_refused', stripeCode: error.stripeCode, message: error.message, ...(error.param ? { param: error.param } : {}) });
    if (gone.length === 0) {
      ctx.store.setObjectStatus(job.objectIds, { status: 'failed', jobLocalId: null, errorCodes: ['resource_missing'], reasons: [{ code: 'create_refused', stripeCode: error.stripeCode, message: error.message, ...(error.param ? { param: error.param } : {}) }] });
      return false;
    }
    const rest = job.objectIds.filter((id) => !gone.includes(id));
    if (rest.length > 0) ctx.spawn(rest);
    return false;
  }
}

type FailedNext = 'validate_again' | 'done';

/**
 * A failed validation, carried out step by step as {@link triageFailedValidation} asks: each fact
 * it needs is looked up only when it is asked for, then the job is split, re-packed, adopted or
 * decided on.
 */
async function handleFailed(job: StoredJob, view: RedactionJobView, ctx: DriveContext): Promise<FailedNext> {
  const embedded = view.firstValidationErrors;
  const errors = embedded?.complete ? embedded.errors : await ctx.gateway.listValidationErrors(view.id);
  const owners = new Map<string, string | null>();
  for (const object of ownersToLookUp(job.objectIds, errors)) owners.set(object.id, await ctx.customerOf(object.id, object.objectType));
  const facts: FailureFacts = { objectIds: job.objectIds, replayedCreate: job.replayedCreate === true, errors, ...pinErrors(job.objectIds, errors, owners) };
  let twin: RedactionJobView | undefined;
  for (;;) {
    const step = triageFailedValidation(facts);
    switch (step.kind) {
      case 'nothing_listed':
        // Failed with nothing listed: nothing to split or fix on; keep it for the next run to re-validate.
        ctx.store.setObjectStatus(job.objectIds, {
          status: 'needs_action',
          reasons: [{ code: 'failed_without_errors', job: view.id }],
        });
        if (ctx.mode === 'validate') await cancelJob(job, ctx);
        return 'done';
      case 'check_presence': {
        // An identifier Stripe accepted at create but that does not exist (or is already redacted)
        // fails validation on itself: settled as not_found / already_redacted here.
        const gone: string[] = [];
        for (const id of step.ids) {
          const type = objectTypeOfId(id);
          if (type && (await settleByPresence(id, type, ctx))) gone.push(id);
        }
        facts.gone = gone;
        continue;
      }
      case 'drop_gone':
        ctx.logger.info('identifiers Stripe does not hold go out of the job', { job: view.id, gone: step.gone.length });
        await cancelJob(job, ctx);
        if (step.rest.length > 0) ctx.spawn(step.rest);
        return 'done';
      case 'split':
        ctx.logger.info('splitting job to isolate validation errors', { job: view.id, codes: facts.unattributed.map((e) => e.code) });
        await cancelJob(job, ctx);
        for (const half of step.halves) ctx.spawn(half);
        return 'done';
      case 'look_for_twin':
        twin = await findTwin(job, ctx);
        facts.twin = twin ? { id: twin.id } : null;
        continue;
      case 'adopt_twin':
        // This state made the twin and lost the answer (a crash, then a restart after the create's
        // idempotency key expired), so its create ran twice. Keep the older job, drop this one.
        ctx.logger.warn('adopting a job Stripe holds for the same identifiers', { job: view.id, twin: step.twin.id });
        await cancelJob(job, ctx);
        ctx.adopt(twin as RedactionJobView, job.objectIds);
        return 'done';
      case 'find_lock_owners': {
        // Locks held by another live job of this state: wait for that job instead of reporting a conflict.
        const lockOwners = new Map<string, number>();
        for (const [root, lockErrors] of step.locked) {
          const owner = await ownLockingJob(job, lockErrors, ctx);
          if (owner !== undefined) lockOwners.set(root, owner);
        }
        facts.lockOwners = lockOwners;
        continue;
      }
      case 'decide':
        return settleFailure(job, view, errors, step.errorsByRoot, step.deferred, ctx);
    }
  }
}

/** Carries out {@link decideAfterFailedValidation} on a failed validation whose errors are all pinned. */
async function settleFailure(
  job: StoredJob,
  view: RedactionJobView,
  errors: readonly JobValidationError[],
  byRoot: Map<string, JobValidationError[]>,
  deferred: Map<string, number>,
  ctx: DriveContext,
): Promise<FailedNext> {
  const decision = decideAfterFailedValidation({
    objectIds: job.objectIds,
    attempt: view.validationBehavior,
    runBehavior: ctx.behavior,
    errorsByRoot: byRoot,
    deferred: new Set(deferred.keys()),
    recordedBlockers: ctx.store.blockersOf(job.objectIds),
    recordedFixes: ctx.store.fixesOf(job.objectIds),
  });
  switch (decision.kind) {
    case 'try_fix':
      // What blocks each identifier is in the state before the switch: once fixed, it is the
      // evidence of what the fix changed.
      for (const [root, blockers] of decision.blockers) ctx.store.setObjectStatus([root], { status: 'in_job', blockers });
      ctx.store.clearBlockers(job.objectIds.filter((id) => !decision.blockers.has(id)));
      await switchBehavior(job, 'fix', ctx);
      return 'validate_again';
    case 'settle':
      break;
  }

  for (const [root, { blockers: listed, fixes }] of decision.blocked) {
    const blockers = [];
    for (const blocker of listed) {
      if (blocker.code === 'locked_by_other_job') {
        // A lock of this state's own job is ours, never another's: it ends with that job. What
        // else blocks the identifier is what needs a person.
        const error = { id: '', code: blocker.code, message: blocker.message, erroringObject: blocker.erroringObject };
        if ((await ownLockingJob(job, [error], ctx)) !== undefined) continue;
        if (!blocker.heldBy) {
          // A hint for the person who must cancel it: the job Stripe's list shows holding the identifier.
          const holder = (await liveJobsNaming(root, ctx)).find((entry) => entry.job.id !== job.stripeId);
          if (holder) blocker.heldBy = holder.job.id;
        }
      }
      blockers.push(blocker);
    }
    ctx.store.setObjectStatus([root], { status: 'needs_action', errorCodes: [], blockers, fixes });
  }
  for (const [root, { fixes }] of decision.clean) {
    ctx.store.setObjectStatus([root], { status: 'in_job', blockers: [], fixes });
  }
  for (const [root, owner] of deferred) {
    ctx.store.setObjectStatus([root], { status: 'deferred', jobLocalId: owner, deferredOn: owner, reasons: [waitsFor(owner, ctx)] });
  }
  // A holder that already finished released its waiters before they waited: release them now.
  const finishedOwners = new Set([...deferred.values()].filter((owner) => ctx.succeededThisRun?.has(owner)));

  const clean = [...decision.clean.keys()];
  if (ctx.mode === 'validate') {
    // Validate reports and releases: clean roots would be redacted; nothing stays locked.
    if (clean.length > 0) ctx.store.setObjectStatus(clean, { status: 'ready' });
    await cancelJob(job, ctx);
    for (const id of decision.isolate) ctx.spawn([id]);
    return 'done';
  }
  if (decision.keepJob) {
    // Every identifier is blocked: the failed job stays for the next run to re-validate.
    ctx.logger.info('job needs action', { job: view.id, codes: [...new Set(errors.map((e) => e.code))] });
    return 'done';
  }
  // One blocked customer must not hold the others hostage: clean ones go on in a job of their
  // own, blocked ones wait in another (kept failed for re-validation), deferred ones wait, and
  // those a validation under fix could not tell apart each go on alone.
  const blocked = [...decision.blocked.keys()];
  // A clean identifier that a blocked customer's cascade carries (the customer's PaymentIntent,
  // named in another row) settles with that customer's job, not in a job of its own.
  const carried = await carriedByCustomers(clean, blocked, ctx);
  await cancelJob(job, ctx);
  const rest = clean.filter((id) => !carried.includes(id));
  if (rest.length > 0) ctx.spawn(rest);
  const blockedJob = blocked.length > 0 ? ctx.spawn(blocked) : undefined;
  if (blockedJob !== undefined && carried.length > 0) {
    ctx.store.setObjectStatus(carried, { status: 'deferred', jobLocalId: blockedJob, deferredOn: blockedJob, reasons: [waitsFor(blockedJob, ctx)] });
  } else if (carried.length > 0) {
    ctx.spawn(carried);
  }
  for (const id of decision.isolate) ctx.spawn([id]);
  for (const owner of finishedOwners) await releaseWaiters(owner, true, ctx);
  return 'done';
}

/** Of `ids`, those whose object belongs to one of the customers `customers` (looked up once per run each). */
async function carriedByCustomers(ids: readonly string[], customers: readonly string[], ctx: DriveContext): Promise<string[]> {
  const roots = new Set(customers.filter((id) => objectTypeOfId(id) === 'customer'));
  if (roots.size === 0) return [];
  const carried: string[] = [];
  for (const id of ids) {
    const type = objectTypeOfId(id);
    if (!type || type === 'customer') continue;
    const owner = await ctx.customerOf(id, STRIPE_OBJECT_TYPE[type] ?? type);
    if (owner && roots.has(owner)) carried.push(id);
  }
  return carried;
}

/** The job succeeded: its objects wait for Stripe to show them redacted (domain/verification.ts). */
function markRedacted(job: StoredJob, ctx: DriveContext): void {
  ctx.succeededThisRun?.add(job.localId);
  if (job.validationBehavior === 'fix') ctx.store.promoteBlockersToFixes(job.objectIds);
  ctx.store.setObjectStatus(job.objectIds, { status: 'redaction_pending', jobLocalId: job.localId, errorCodes: [], blockers: [], reasons: [] });
  ctx.logger.info('job succeeded', { job: job.stripeId, objects: job.objectIds.length });
}
