/**
 * A job create Stripe refused for a lock (no code naming the object; docs/stripe.md#emulator-variants,
 * `--lock-refusal create`): how to tell one, and who Stripe's list shows holding the identifier.
 * What follows is the job machine's (domain/job-machine.ts, domain/refused-create.ts). Stripe's
 * message is never read for this.
 */
import { GatewayError } from '../errors.js';
import { objectTypeOfId } from '../domain/identifier.js';
import type { DriveContext } from './drive-context.js';
import { isRefusal } from './job-actions.js';
import { liveJobsNaming, STRIPE_OBJECT_TYPE } from './lock-holders.js';

/** Whether a refused create is how Stripe refuses a lock: 400 or 409, and no code that says anything else. */
export function isLockRefusedAtCreate(error: unknown): error is GatewayError {
  return isRefusal(error) && (error.status === 400 || error.status === 409) && (error.stripeCode === undefined || error.stripeCode === 'locked_by_other_job');
}

/** Live jobs Stripe lists naming the identifier, or the customer it belongs to. */
export async function listedHolders(id: string, ctx: DriveContext): Promise<string[]> {
  const type = objectTypeOfId(id);
  const customer = type && type !== 'customer' ? await ctx.customerOf(id, STRIPE_OBJECT_TYPE[type] ?? type) : null;
  const holders: string[] = [];
  for (const named of customer ? [id, customer] : [id]) {
    for (const entry of await liveJobsNaming(named, ctx)) if (!holders.includes(entry.job.id)) holders.push(entry.job.id);
  }
  return holders;
}
