import type { ObjectType } from '../domain/identifier.js';
import type { JobLedger, ObjectLedger } from '../io/state-store.js';
import type { StripeGateway } from '../stripe/gateway.js';

/** What settling an object by its presence needs: Stripe, and the state's objects and jobs. */
export interface PresenceContext {
  gateway: StripeGateway;
  store: ObjectLedger & Pick<JobLedger, 'succeededJobHolding' | 'linkObjectToJob' | 'stripeIdOf'>;
  /** The customer a related object belongs to; the gateway's lookup unless the run remembers them. */
  customerOf?: (id: string, objectType: string) => Promise<string | null>;
}

/**
 * Asks Stripe whether an object exists and settles it in the state when it does not need a job:
 * `not_found` when Stripe has no such object; when Stripe holds it redacted or deleted, `redacted`
 * with the job if a job of this state that succeeded redacted its customer (the cascade took it),
 * else `already_redacted` — redacted before this tool acted. Returns whether it was settled
 * (`false`: it is there, waiting to be redacted).
 */
export async function settleByPresence(id: string, type: ObjectType, ctx: PresenceContext): Promise<boolean> {
  const presence = await ctx.gateway.lookupObject(id, type);
  switch (presence) {
    case 'present':
      return false;
    case 'redacted': {
      const owner = type === 'customer' ? undefined : await redactedByOwnJob(id, type, ctx);
      if (owner !== undefined) {
        ctx.store.linkObjectToJob(id, owner);
        ctx.store.setObjectStatus([id], { status: 'redacted', jobLocalId: owner, deferredOn: null, reasons: [{ code: 'redacted_by_cascade', job: ctx.store.stripeIdOf(owner) as string }] });
      } else {
        ctx.store.setObjectStatus([id], { status: 'already_redacted', jobLocalId: null, reasons: [{ code: 'already_redacted' }] });
      }
      return true;
    }
    case 'missing':
      ctx.store.setObjectStatus([id], { status: 'not_found', jobLocalId: null, reasons: [{ code: 'no_such_object' }] });
      return true;
  }
}

/** The local id of this state's succeeded job that holds the customer a redacted object belongs to. */
async function redactedByOwnJob(id: string, type: ObjectType, ctx: PresenceContext): Promise<number | undefined> {
  const customerOf = ctx.customerOf ?? ((objectId: string, objectType: string) => ctx.gateway.customerOf(objectId, objectType));
  const customer = await customerOf(id, type).catch(() => null);
  return customer ? ctx.store.succeededJobHolding(customer) : undefined;
}
