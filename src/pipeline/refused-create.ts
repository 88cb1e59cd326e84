/**
 * A job create Stripe refused for a lock (no code naming the object; stripe-api.md §6,
 * `--lock-refusal create`), carried out as {@link decideRefusedCreate} asks: the pack is split
 * until the held identifier stands alone, which then waits for the job of this state that holds it,
 * or is reported held by a job this state does not own. Stripe's message is never read for this.
 */
import { GatewayError } from '../errors.js';
import { objectTypeOfId } from '../domain/identifier.js';
import type { RedactionJobView } from '../domain/job.js';
import { decideRefusedCreate, type RefusedCreateFacts } from '../domain/refused-create.js';
import type { StoredJob } from '../io/state-store.js';
import type { DriveContext } from './drive-context.js';
import { isRefusal } from './job-actions.js';
import { findTwin, liveJobsNaming, ownHoldingJob, STRIPE_OBJECT_TYPE, waitsFor } from './lock-holders.js';

/** Whether a refused create is how Stripe refuses a lock: 400 or 409, and no code that says anything else. */
export function isLockRefusedAtCreate(error: unknown): error is GatewayError {
  return isRefusal(error) && (error.status === 400 || error.status === 409) && (error.stripeCode === undefined || error.stripeCode === 'locked_by_other_job');
}

/**
 * Settles a job whose create was refused for a lock: nothing was created, so the job is abandoned
 * and its identifiers go on — split in halves (each half a new job, whose create key derives from
 * the state like any other), or, alone, deferred on this state's holder or left for a person.
 * `release(owner)` lets go of the waiters of an own holder that already succeeded in this run.
 */
export async function settleRefusedCreate(job: StoredJob, error: GatewayError, ctx: DriveContext, release: (owner: number) => Promise<void>): Promise<void> {
  // The job is abandoned only together with what replaces it, with no await in between: until
  // then its identifiers are still its own, and no other job of this run packs them meanwhile.
  const abandon = () => ctx.store.recordJobStatus(job, 'abandoned', { code: 'create_refused', message: error.message });
  const id = job.objectIds[0] as string;
  const facts: RefusedCreateFacts = { objectIds: job.objectIds, replayedCreate: job.replayedCreate === true };
  let twin: RedactionJobView | undefined;
  for (;;) {
    const step = decideRefusedCreate(facts);
    switch (step.kind) {
      case 'look_for_twin':
        twin = await findTwin(job, ctx);
        facts.twin = twin ? { id: twin.id } : null;
        continue;
      case 'adopt_twin':
        // This state made the twin and lost the answer (a crash, then a restart after the create's
        // idempotency key expired): drive it as this state's own.
        ctx.logger.warn('adopting a job Stripe holds for the same identifiers', { twin: step.twin.id });
        abandon();
        ctx.adopt(twin as RedactionJobView, job.objectIds);
        return;
      case 'split':
        ctx.logger.info('job create refused for a lock; splitting it to find the identifier held', { objects: job.objectIds.length });
        abandon();
        for (const half of step.halves) ctx.spawn(half);
        return;
      case 'find_own_holder':
        facts.ownHolder = (await ownHoldingJob(id, job.localId, ctx)) ?? null;
        continue;
      case 'wait_for_own':
        // No await between finding the holder and deferring on it: the holder cannot release its
        // waiters in between. One that already succeeded in this run released them before.
        abandon();
        ctx.store.setObjectStatus([id], { status: 'deferred', jobLocalId: step.owner, deferredOn: step.owner, reasons: [waitsFor(step.owner, ctx)] });
        if (ctx.succeededThisRun?.has(step.owner)) await release(step.owner);
        return;
      case 'find_listed_holder':
        facts.listedHolders = await listedHolders(id, ctx);
        continue;
      case 'held_by_other': {
        const objectType = objectTypeOfId(id) ?? 'unknown';
        ctx.logger.warn('an identifier is held by a redaction job this state does not own', { job: step.holder });
        abandon();
        ctx.store.setObjectStatus([id], {
          status: 'needs_action',
          jobLocalId: null,
          errorCodes: [],
          blockers: [
            {
              code: 'locked_by_other_job',
              message: error.message,
              erroringObject: { id, objectType: STRIPE_OBJECT_TYPE[objectType] ?? objectType },
              underFix: 'untried',
              ...(step.holder ? { heldBy: step.holder } : {}),
            },
          ],
          fixes: [],
        });
        return;
      }
    }
  }
}

/** Live jobs Stripe lists naming the identifier, or the customer it belongs to. */
async function listedHolders(id: string, ctx: DriveContext): Promise<string[]> {
  const type = objectTypeOfId(id);
  const customer = type && type !== 'customer' ? await ctx.customerOf(id, STRIPE_OBJECT_TYPE[type] ?? type) : null;
  const holders: string[] = [];
  for (const named of customer ? [id, customer] : [id]) {
    for (const entry of await liveJobsNaming(named, ctx)) if (!holders.includes(entry.job.id)) holders.push(entry.job.id);
  }
  return holders;
}
