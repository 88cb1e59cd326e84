import { objectTypeOfId } from '../domain/identifier.js';
import { MAX_JOB_IDENTIFIERS } from '../domain/job.js';
import { chunk } from '../domain/pack.js';
import type { DriveContext } from './drive-context.js';
import { settleAfterOwnCascade } from './settle-by-presence.js';

/**
 * Objects deferred on job `owner` go on: settled as redacted when its cascade took them (a
 * PaymentIntent of a redacted customer, once Stripe shows it), else in jobs of their own.
 */
export async function releaseWaiters(owner: number, succeeded: boolean, ctx: DriveContext): Promise<void> {
  const rest: string[] = [];
  for (const id of ctx.store.objectsDeferredOn(owner)) {
    const type = objectTypeOfId(id);
    if (succeeded && type && (await settleAfterOwnCascade(id, type, owner, ctx))) continue;
    rest.push(id);
  }
  for (const group of chunk(rest, MAX_JOB_IDENTIFIERS)) ctx.spawn(group);
}
