/**
 * The look-ups the job machine asks for (domain/job-machine.ts `LookUp`), each answered as a fact:
 * from Stripe (through the gateway), the state, or the run's memory. Only `gone` writes: reading an
 * object Stripe does not hold settles it (settle-by-presence.ts).
 */
import { objectTypeOfId, stripeObjectType } from '../domain/identifier.js';
import type { JobFact, LookUp } from '../domain/job-machine.js';
import type { StoredJob } from '../state/state-store.js';
import type { DriveContext } from './drive-context.js';
import { findTwin, liveJobsNaming, ownHoldingJob, ownLockingJob } from './lock-holders.js';
import { listedHolders } from './refused-create.js';
import { settleByPresence } from './settle-by-presence.js';

/** Answers one look-up. Synchronous where the answer is in the state or the run's memory. */
export function lookUp(what: LookUp, job: StoredJob, ctx: DriveContext): JobFact | Promise<JobFact> {
  switch (what.kind) {
    case 'recorded':
      return { kind: 'recorded', blockers: ctx.store.blockersOf(what.ids), fixes: ctx.store.fixesOf(what.ids) };
    case 'finished_owners':
      // No await before the answer: it follows the writes that deferred on these owners.
      return { kind: 'finished_owners', owners: what.owners.filter((owner) => ctx.memory.succeeded(owner)) };
    default:
      return lookUpRemote(what, job, ctx);
  }
}

async function lookUpRemote(what: LookUp, job: StoredJob, ctx: DriveContext): Promise<JobFact> {
  switch (what.kind) {
    case 'validation_errors':
      return { kind: 'validation_errors', errors: await ctx.gateway.listValidationErrors(what.job) };
    case 'owners': {
      const owners = new Map<string, string | null>();
      for (const object of what.objects) owners.set(object.id, await ctx.customerOf(object.id, object.objectType));
      return { kind: 'owners', owners };
    }
    case 'gone': {
      const ids: string[] = [];
      for (const id of what.ids) {
        const type = objectTypeOfId(id);
        if (type && (await settleByPresence(id, type, ctx))) ids.push(id);
      }
      return { kind: 'gone', ids };
    }
    case 'twin':
      return { kind: 'twin', twin: (await findTwin(job, ctx)) ?? null };
    case 'lock_owners': {
      const owners = new Map<string, number>();
      for (const [root, errors] of what.locked) {
        const owner = await ownLockingJob(job, errors, ctx);
        if (owner !== undefined) owners.set(root, owner);
      }
      return { kind: 'lock_owners', owners };
    }
    case 'lock_holders': {
      const holders: { own: boolean; heldBy?: string }[] = [];
      for (const { root, blocker } of what.locks) {
        const error = { id: '', code: blocker.code, message: blocker.message, erroringObject: blocker.erroringObject };
        if ((await ownLockingJob(job, [error], ctx)) !== undefined) {
          holders.push({ own: true });
          continue;
        }
        // Another's: the job Stripe's list shows holding the identifier, unless Stripe named one.
        const holder = blocker.heldBy ? undefined : (await liveJobsNaming(root, ctx)).find((entry) => entry.job.id !== job.stripeId);
        holders.push(holder ? { own: false, heldBy: holder.job.id } : { own: false });
      }
      return { kind: 'lock_holders', holders };
    }
    case 'carried': {
      const ids: string[] = [];
      for (const id of what.ids) {
        const owner = await ctx.customerOf(id, stripeObjectType(objectTypeOfId(id) ?? id));
        if (owner && what.customers.includes(owner)) ids.push(id);
      }
      return { kind: 'carried', ids };
    }
    case 'own_holder':
      return { kind: 'own_holder', owner: (await ownHoldingJob(what.id, job.localId, ctx)) ?? null };
    case 'listed_holders':
      return { kind: 'listed_holders', jobs: await listedHolders(what.id, ctx) };
    // Stryker disable all: unreachable — lookUp answers these two itself; the cases keep the switch exhaustive.
    case 'recorded':
    case 'finished_owners':
      return lookUp(what, job, ctx);
    // Stryker restore all
  }
}
