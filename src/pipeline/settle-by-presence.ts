import type { ObjectType } from '../domain/identifier.js';
import type { StateStore } from '../io/state-store.js';
import type { StripeGateway } from '../stripe/gateway.js';

/**
 * Asks Stripe whether an object exists and settles it in the state when it does not need a job:
 * `already_redacted` when Stripe holds it redacted or deleted, `not_found` when Stripe has no such
 * object. Returns whether it was settled (`false`: it is there, waiting to be redacted).
 */
export async function settleByPresence(
  id: string,
  type: ObjectType,
  ctx: { gateway: StripeGateway; store: StateStore },
): Promise<boolean> {
  const presence = await ctx.gateway.lookupObject(id, type);
  switch (presence) {
    case 'present':
      return false;
    case 'redacted':
      ctx.store.setObjectStatus([id], { status: 'already_redacted', jobLocalId: null, messages: ['Stripe already holds it redacted or deleted'] });
      return true;
    case 'missing':
      ctx.store.setObjectStatus([id], { status: 'not_found', jobLocalId: null, messages: ['no such Stripe object'] });
      return true;
  }
}
