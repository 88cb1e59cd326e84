import type { ObjectType } from '../domain/identifier.js';
import type { ObjectLedger } from '../io/state-store.js';
import type { StripeGateway } from '../stripe/gateway.js';

/**
 * Asks Stripe whether an object exists and settles it in the state when it does not need a job:
 * `already_redacted` when Stripe holds it redacted or deleted, `not_found` when Stripe has no such
 * object. Returns whether it was settled (`false`: it is there, waiting to be redacted).
 */
export async function settleByPresence(
  id: string,
  type: ObjectType,
  ctx: { gateway: StripeGateway; store: ObjectLedger },
): Promise<boolean> {
  const presence = await ctx.gateway.lookupObject(id, type);
  switch (presence) {
    case 'present':
      return false;
    case 'redacted':
      ctx.store.setObjectStatus([id], { status: 'already_redacted', jobLocalId: null, reasons: [{ code: 'already_redacted' }] });
      return true;
    case 'missing':
      ctx.store.setObjectStatus([id], { status: 'not_found', jobLocalId: null, reasons: [{ code: 'no_such_object' }] });
      return true;
  }
}
