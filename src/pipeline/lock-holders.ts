/**
 * Who holds a lock Stripe reports: read from this state's own jobs and Stripe's job list, never from
 * an error's message (stripe-api.md §6: Stripe's text names no job).
 */
import { TERMINAL_JOB_STATUSES, type JobValidationError, type RedactionJobView } from '../domain/job.js';
import type { StoredJob } from '../io/state-store.js';
import type { DriveContext } from './drive-context.js';

/**
 * The job Stripe holds for exactly the identifiers of `job` that the state does not know: the older
 * create of a replayed one. Read from Stripe's job list, never from an error's message.
 */
export async function findTwin(job: StoredJob, ctx: DriveContext): Promise<RedactionJobView | undefined> {
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
export async function liveJobsNaming(objectId: string, ctx: DriveContext): Promise<{ job: RedactionJobView; objectIds: string[] }[]> {
  const found: { job: RedactionJobView; objectIds: string[] }[] = [];
  let startingAfter: string | undefined;
  for (let page = 0; page < HOLDER_SEARCH_PAGES; page += 1) {
    const { data, hasMore } = await ctx.gateway.listJobsWithObjects({ limit: 100, ...(startingAfter ? { startingAfter } : {}) });
    for (const entry of data) {
      if (entry.objectIds.includes(objectId) && !isTerminal(entry.job.status)) found.push(entry);
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
export async function ownLockingJob(job: StoredJob, errors: readonly JobValidationError[], ctx: DriveContext): Promise<number | undefined> {
  for (const error of errors) {
    const object = error.erroringObject;
    if (!object) continue;
    const customer = object.objectType === 'customer' ? null : await ctx.customerOf(object.id, object.objectType);
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

const isTerminal = (status: string): boolean => (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);
