/**
 * Who holds a lock Stripe reports: read from this state's own jobs and Stripe's job list, never from
 * an error's message (docs/stripe.md#what-the-client-must-not-rely-on: Stripe's text names no job).
 */
import { objectTypeOfId, STRIPE_OBJECT_TYPE } from '../domain/identifier.js';
import { TERMINAL_JOB_STATUSES, type JobValidationError, type RedactionJobView } from '../domain/job.js';
import type { Reason } from '../domain/reason.js';
import type { StoredJob } from '../state/state-store.js';
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
    const holder = await ownHolderOfObject(object.id, object.objectType, job.localId, ctx);
    if (holder !== undefined) return holder;
  }
  return undefined;
}

/**
 * The job of this state, other than `exceptJob`, that holds identifier `id` (a create refused for a
 * lock names nothing else): the job naming it, or the customer it belongs to.
 */
export async function ownHoldingJob(id: string, exceptJob: number, ctx: DriveContext): Promise<number | undefined> {
  const type = objectTypeOfId(id);
  const direct = await ownHolderOfObject(id, type ? (STRIPE_OBJECT_TYPE[type] ?? type) : 'unknown', exceptJob, ctx);
  if (direct !== undefined || type !== 'customer') return direct;
  // A customer is also held by a job of ours that names one of its objects (its PaymentIntent, in
  // another row): that job's cascade reaches into the customer's.
  for (const other of ctx.store.liveJobs()) {
    if (other.localId === exceptJob) continue;
    for (const objectId of other.objectIds) {
      const objectType = objectTypeOfId(objectId);
      if (!objectType || objectType === 'customer') continue;
      if ((await ctx.customerOf(objectId, STRIPE_OBJECT_TYPE[objectType] ?? objectType)) !== id) continue;
      // Read again with no await before the answer: the holder must still be live when deferred on.
      const holder = ctx.store.liveJobHolding(objectId, exceptJob);
      if (holder !== undefined) return holder;
    }
  }
  return undefined;
}

/**
 * A job of this state holding an object: live (created, or still to be sent, which holds it as soon
 * as it is), or one that succeeded in this run after Stripe reported the lock — still our lock.
 */
async function ownHolderOfObject(objectId: string, objectType: string, exceptJob: number, ctx: DriveContext): Promise<number | undefined> {
  const heldBy = (id: string): number | undefined => {
    const holder = ctx.store.liveJobHolding(id, exceptJob);
    if (holder !== undefined) return holder;
    const finished = ctx.store.succeededJobHolding(id, exceptJob);
    return finished !== undefined && ctx.memory.succeeded(finished) ? finished : undefined;
  };
  // No await between a look and the answer: the caller defers on the holder before it can release its waiters.
  const own = heldBy(objectId);
  if (own !== undefined || objectType === 'customer') return own;
  const customer = await ctx.customerOf(objectId, objectType);
  return customer ? heldBy(customer) : undefined;
}

export { STRIPE_OBJECT_TYPE } from '../domain/identifier.js';

const isTerminal = (status: string): boolean => (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);

/** Why an object waits for job `owner` of this state, naming it once Stripe has. */
export function waitsFor(owner: number, ctx: DriveContext): Reason {
  const job = ctx.store.stripeIdOf(owner);
  return job ? { code: 'waits_for_own_job', job } : { code: 'waits_for_own_job' };
}
