import { GatewayError } from '../errors.js';
import { objectTypeOfId } from '../domain/identifier.js';
import { type JobStatus, type JobValidationError, type RedactionJobView, type ValidationBehavior } from '../domain/job.js';
import { decideAfterFailedValidation } from '../domain/failed-job.js';
import { nextJobStep } from '../domain/job-step.js';
import { slotOf, toJobObjects } from '../domain/pack.js';
import type { StoredJob, StateStore } from '../io/state-store.js';
import type { Logger } from '../io/logger.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { JobWaitTimeout, type JobWatcher } from './job-watcher.js';
import { settleByPresence } from './settle-by-presence.js';

/** What drives a job: the run's ports and choices. */
export interface DriveContext {
  gateway: StripeGateway;
  store: StateStore;
  watcher: JobWatcher;
  logger: Logger;
  /** `validate` stops at ready/failed and cancels; `redact` runs ready jobs. */
  mode: 'validate' | 'redact';
  /** What this run may do about validation errors. */
  behavior: ValidationBehavior;
  /** Queues a new job for these objects (a split); does not wait for it. */
  spawn(objectIds: string[]): void;
  /** Queues a job Stripe already holds for these objects, to be driven as this state's own. */
  adopt(job: RedactionJobView, objectIds: string[]): void;
  /** Objects whose job was canceled from outside in this run (they are replaced once). */
  canceledOutside: Set<string>;
  /**
   * Local ids of this state's jobs that succeeded in this run. A lock reported by Stripe while such a
   * job was finishing was ours: the identifier goes on (once) instead of being called foreign.
   */
  succeededThisRun?: Set<number>;
  /** Set when the run is interrupted: drivers stop where they are and leave the state as it is. */
  signal?: AbortSignal;
}

/** An error that must stop the whole run (bad key, missing permission): never a row outcome. */
export function isFatalGatewayError(error: unknown): boolean {
  return error instanceof GatewayError && (error.kind === 'auth' || error.kind === 'permission');
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
              messages: [`job ${job.stripeId} was canceled outside stripe-redact, as was the job before it; the next run tries again`],
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
      ctx.store.setObjectStatus(job.objectIds, { status: 'in_job', messages: [`${error.message}; the next run follows it`] });
      timedOut = true;
      return;
    }
    if (isFatalGatewayError(error)) throw error;
    if (error instanceof GatewayError && error.kind === 'not_found' && job.stripeId) {
      // Stripe no longer knows the job (another account's state file, or a wiped emulator):
      // forget it and put its objects in a new job.
      ctx.logger.warn('job unknown to Stripe; its objects go into a new job', { job: job.stripeId });
      ctx.store.recordJobStatus(job, 'abandoned', 'unknown to Stripe');
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
      messages: [`${job.stripeId ?? 'job'}: ${message}`],
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
 * redacted them already (a PaymentIntent of a redacted customer): then they are settled as
 * redacted by this job; otherwise they get a job of their own.
 */
async function releaseDeferred(job: StoredJob, ctx: DriveContext): Promise<void> {
  await releaseWaiters(job.localId, job.status === 'succeeded', job.stripeId, ctx);
}

/** Objects deferred on job `ownerLocalId` go on: settled as redacted when its cascade redacted them, else in a job of their own. */
async function releaseWaiters(ownerLocalId: number, succeeded: boolean, ownerStripeId: string | null, ctx: DriveContext): Promise<void> {
  for (const id of ctx.store.objectsDeferredOn(ownerLocalId)) {
    const type = objectTypeOfId(id);
    if (succeeded && type) {
      const presence = await ctx.gateway.lookupObject(id, type).catch(() => 'present' as const);
      if (presence === 'redacted') {
        ctx.store.linkObjectToJob(id, ownerLocalId);
        ctx.store.setObjectStatus([id], {
          status: 'redacted',
          jobLocalId: ownerLocalId,
          deferredOn: null,
          messages: [`redacted with the related objects of job ${ownerStripeId}`],
        });
        continue;
      }
    }
    ctx.spawn([id]);
  }
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
    if (!(error instanceof GatewayError) || error.stripeCode !== 'resource_missing') throw error;
    const slot = error.param ? slotOf(objects, error.param) : undefined;
    const suspects = slot ? [slot] : job.objectIds;
    const gone: string[] = [];
    for (const id of suspects) {
      const type = objectTypeOfId(id);
      if (type && (await settleByPresence(id, type, ctx))) gone.push(id);
    }
    ctx.store.recordJobStatus(job, 'abandoned', `create refused: ${error.message}`);
    if (gone.length === 0) {
      ctx.store.setObjectStatus(job.objectIds, { status: 'failed', jobLocalId: null, errorCodes: ['resource_missing'], messages: [error.message] });
      return false;
    }
    const rest = job.objectIds.filter((id) => !gone.includes(id));
    if (rest.length > 0) ctx.spawn(rest);
    return false;
  }
}

type FailedNext = 'validate_again' | 'done';

async function handleFailed(job: StoredJob, view: RedactionJobView, ctx: DriveContext): Promise<FailedNext> {
  const embedded = view.firstValidationErrors;
  const errors = embedded?.complete ? embedded.errors : await ctx.gateway.listValidationErrors(view.id);
  if (errors.length === 0) {
    // Failed with nothing listed: nothing to split or fix on; keep it for the next run to re-validate.
    ctx.store.setObjectStatus(job.objectIds, {
      status: 'needs_action',
      messages: [`job ${view.id} failed validation without listing an error; the next run validates it again`],
    });
    if (ctx.mode === 'validate') await cancelJob(job, ctx);
    return 'done';
  }
  const { byRoot, unattributed } = await attribute(job, errors, ctx);

  // An identifier Stripe accepted at create but that does not exist (or is already redacted) fails
  // validation on itself: settle it as not_found / already_redacted and go on without it.
  const gone: string[] = [];
  for (const [root, rootErrors] of byRoot) {
    const onItself = rootErrors.every((e) => e.erroringObject?.id === root);
    const type = objectTypeOfId(root);
    if (onItself && type && (await settleByPresence(root, type, ctx))) gone.push(root);
  }
  if (gone.length > 0) {
    ctx.logger.info('identifiers Stripe does not hold go out of the job', { job: view.id, gone: gone.length });
    await cancelJob(job, ctx);
    const rest = job.objectIds.filter((id) => !gone.includes(id));
    if (rest.length > 0) ctx.spawn(rest);
    return 'done';
  }

  // Errors we cannot pin on one identifier (or a cascade too large): halve the job until we can.
  if (unattributed.length > 0 && job.objectIds.length > 1) {
    ctx.logger.info('splitting job to isolate validation errors', { job: view.id, codes: unattributed.map((e) => e.code) });
    await cancelJob(job, ctx);
    const half = Math.ceil(job.objectIds.length / 2);
    ctx.spawn(job.objectIds.slice(0, half));
    ctx.spawn(job.objectIds.slice(half));
    return 'done';
  }
  if (unattributed.length > 0) byRoot.set(job.objectIds[0] as string, [...(byRoot.get(job.objectIds[0] as string) ?? []), ...unattributed]);

  // A twin: a job Stripe holds for exactly these identifiers locks them all. This state made it and
  // lost the answer (a crash, then a restart after the create's idempotency key expired), so its
  // create ran twice. Keep the older job, drop this one.
  const twin = await findTwin(job, byRoot, ctx);
  if (twin) {
    ctx.logger.warn('adopting a job Stripe holds for the same identifiers', { job: view.id, twin: twin.id });
    await cancelJob(job, ctx);
    ctx.adopt(twin, job.objectIds);
    return 'done';
  }

  // Locks held by another live job of this state: wait for that job instead of reporting a conflict.
  const deferred = new Map<string, number>();
  for (const [root, rootErrors] of byRoot) {
    if (!rootErrors.every((e) => e.code === 'locked_by_other_job')) continue;
    const owner = await ownLockingJob(job, rootErrors, ctx);
    if (owner !== undefined) deferred.set(root, owner);
  }

  const decision = decideAfterFailedValidation({
    objectIds: job.objectIds,
    attempt: view.validationBehavior,
    runBehavior: ctx.behavior,
    errorsByRoot: byRoot,
    deferred: new Set(deferred.keys()),
    recordedBlockers: ctx.store.blockersOf(job.objectIds),
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

  for (const [root, { blockers, fixes }] of decision.blocked) {
    for (const blocker of blockers) {
      if (blocker.code !== 'locked_by_other_job' || blocker.heldBy) continue;
      // A hint for the person who must cancel it: the job Stripe's list shows holding the identifier.
      const holder = (await liveJobsNaming(root, ctx)).find((entry) => entry.job.id !== job.stripeId);
      if (holder) blocker.heldBy = holder.job.id;
    }
    ctx.store.setObjectStatus([root], { status: 'needs_action', errorCodes: [], blockers, fixes });
  }
  for (const [root, { fixes }] of decision.clean) {
    ctx.store.setObjectStatus([root], { status: 'in_job', blockers: [], fixes });
  }
  for (const [root, owner] of deferred) {
    ctx.store.setObjectStatus([root], { status: 'deferred', deferredOn: owner, messages: ['waits for another job of this run that holds it'] });
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
  await cancelJob(job, ctx);
  if (clean.length > 0) ctx.spawn(clean);
  const blocked = [...decision.blocked.keys()];
  if (blocked.length > 0) ctx.spawn(blocked);
  for (const id of decision.isolate) ctx.spawn([id]);
  for (const owner of finishedOwners) await releaseWaiters(owner, true, ctx.store.stripeIdOf(owner), ctx);
  return 'done';
}

/**
 * Pins each validation error on the job identifier it belongs to: the erroring object itself when it
 * is one, the only identifier of a one-identifier job, else the customer the erroring object names
 * (one retrieve per distinct object). What stays unpinned (or `too_many_objects`, which is the
 * job's) is returned apart.
 */
async function attribute(
  job: StoredJob,
  errors: readonly JobValidationError[],
  ctx: DriveContext,
): Promise<{ byRoot: Map<string, JobValidationError[]>; unattributed: JobValidationError[] }> {
  const roots = new Set(job.objectIds);
  const byRoot = new Map<string, JobValidationError[]>();
  const unattributed: JobValidationError[] = [];
  const owners = new Map<string, string | null>();
  for (const error of errors) {
    let root: string | undefined;
    const object = error.erroringObject;
    if (error.code === 'too_many_objects') root = undefined;
    else if (object && roots.has(object.id)) root = object.id;
    else if (job.objectIds.length === 1) root = job.objectIds[0];
    else if (object) {
      if (!owners.has(object.id)) owners.set(object.id, await ctx.gateway.customerOf(object.id, object.objectType));
      const owner = owners.get(object.id);
      if (owner && roots.has(owner)) root = owner;
    }
    if (root === undefined) unattributed.push(error);
    else byRoot.set(root, [...(byRoot.get(root) ?? []), error]);
  }
  return { byRoot, unattributed };
}

/**
 * The job locking every identifier of `job`, if `job` replays a create of an earlier run and the
 * locking job, unknown to the state, names exactly the same identifiers.
 */
async function findTwin(
  job: StoredJob,
  byRoot: Map<string, JobValidationError[]>,
  ctx: DriveContext,
): Promise<RedactionJobView | undefined> {
  // Only a replayed create can have a twin; a lock on a job of ours created this run is someone else's job.
  if (!job.replayedCreate || byRoot.size !== job.objectIds.length) return undefined;
  const errors = [...byRoot.values()].flat();
  if (!errors.every((e) => e.code === 'locked_by_other_job')) return undefined;
  // Which job holds the lock is read from Stripe's job list, never from the error's message.
  const holders = await liveJobsNaming(job.objectIds[0] as string, ctx);
  return holders.find(
    ({ job: other, objectIds }) =>
      other.id !== job.stripeId &&
      !ctx.store.knowsJob(other.id) &&
      objectIds.length === job.objectIds.length &&
      job.objectIds.every((id) => objectIds.includes(id)),
  )?.job;
}

/** Pages of Stripe's job list read at most to find the job holding an identifier (newest first). */
const HOLDER_SEARCH_PAGES = 5;

/**
 * Live jobs Stripe holds that name `objectId` among their identifiers, from the newest
 * {@link HOLDER_SEARCH_PAGES} pages of the job list.
 */
async function liveJobsNaming(objectId: string, ctx: DriveContext): Promise<{ job: RedactionJobView; objectIds: string[] }[]> {
  const found: { job: RedactionJobView; objectIds: string[] }[] = [];
  let startingAfter: string | undefined;
  for (let page = 0; page < HOLDER_SEARCH_PAGES; page += 1) {
    const { data, hasMore } = await ctx.gateway.listJobsWithObjects({ limit: 100, ...(startingAfter ? { startingAfter } : {}) });
    for (const entry of data) {
      if (entry.objectIds.includes(objectId) && entry.job.status !== 'succeeded' && entry.job.status !== 'canceled') found.push(entry);
    }
    startingAfter = data.at(-1)?.job.id;
    if (!hasMore || !startingAfter) break;
  }
  return found;
}

/**
 * The live job of this state that holds what locks `job`, if the lock is ours: the job holding the
 * locked object itself, or else the customer it belongs to (a PaymentIntent in another job's cascade).
 */
async function ownLockingJob(job: StoredJob, errors: JobValidationError[], ctx: DriveContext): Promise<number | undefined> {
  for (const error of errors) {
    const object = error.erroringObject;
    if (!object) continue;
    const customer = object.objectType === 'customer' ? null : await ctx.gateway.customerOf(object.id, object.objectType);
    for (const id of customer ? [object.id, customer] : [object.id]) {
      const holder = ctx.store.liveJobHolding(id, job.localId);
      if (holder !== undefined) return holder;
      // The holder finished between Stripe's validation and this look: still our lock.
      const finished = ctx.store.succeededJobHolding(id, job.localId);
      if (finished !== undefined && ctx.succeededThisRun?.has(finished)) return finished;
    }
  }
  return undefined;
}

function markRedacted(job: StoredJob, ctx: DriveContext): void {
  ctx.succeededThisRun?.add(job.localId);
  if (job.validationBehavior === 'fix') ctx.store.promoteBlockersToFixes(job.objectIds);
  ctx.store.setObjectStatus(job.objectIds, { status: 'redacted', jobLocalId: job.localId, errorCodes: [], blockers: [], messages: [] });
  ctx.logger.info('job succeeded', { job: job.stripeId, objects: job.objectIds.length });
}

/** Switches a failed job's validation behaviour; the state follows only once Stripe confirmed it. */
async function switchBehavior(job: StoredJob, behavior: ValidationBehavior, ctx: DriveContext): Promise<void> {
  const view = await ctx.gateway.updateJob(job.stripeId as string, behavior, ctx.store.nextActionKey(job, 'update'));
  ctx.store.recordJobBehavior(job, view.validationBehavior);
}

/**
 * Validate or run. Returns whether Stripe confirmed it. A refused transition means the job already
 * moved on (a resumed run, an answer lost after the request was carried out): the job's real status
 * is read and recorded, and the caller goes on from there.
 */
async function transition(job: StoredJob, action: 'validate' | 'run', ctx: DriveContext): Promise<boolean> {
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

/** Whether a job in `status` refuses `action` because it is past it, rather than for another reason. */
function isRefusedBecauseMovedOn(action: 'validate' | 'run' | 'cancel', status: JobStatus): boolean {
  switch (action) {
    case 'validate':
      return status !== 'failed';
    case 'run':
      return status !== 'ready';
    case 'cancel':
      return status !== 'ready' && status !== 'failed';
  }
}

/** Cancels and waits until Stripe releases the job's objects (a canceling job still holds them). */
async function cancelJob(job: StoredJob, ctx: DriveContext): Promise<void> {
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
