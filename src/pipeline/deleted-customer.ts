import { GatewayError } from '../errors.js';
import type { StripeReading } from '../domain/verification.js';
import type { IdentifierLedger, JobLedger, ObjectLedger } from '../state/state-store.js';
import type { Logger } from '../io/logger.js';
import type { CustomerObject, StripeGateway } from '../stripe/gateway.js';
import { MAX_JOB_IDENTIFIERS } from '../domain/job.js';
import { chunk } from '../domain/pack.js';

export interface DeletedCustomerContext {
  gateway: Pick<StripeGateway, 'listCustomerObjects'>;
  store: ObjectLedger & Pick<IdentifierLedger, 'addRelatedObjects'> & Partial<Pick<JobLedger, 'liveJobHolding'>>;
  spawn: (objectIds: string[]) => void;
  logger?: Logger;
}

/**
 * A customer that read `deleted: true` before any job of this state redacted it, and that Stripe
 * refused to redact: deleted is not redacted (issue 14). A `DELETE /v1/customers/:id` leaves its
 * PaymentIntents, charges, SetupIntents and Checkout Sessions — names, emails, addresses — in place.
 * They are listed by customer, and those not reading `redacted` become the row's objects too,
 * redacted in jobs of their own. The customer itself is settled `already_redacted` with a reason
 * saying how many of its objects still held data (none: the row reads `already_redacted`). If
 * Stripe will not list them, the customer `needs_action`: a person must find them.
 *
 * While the customer's refused job is live, its objects wait on it (`deferred`): a job of theirs
 * before that one is canceled would be refused as locked. When it ends, they go on as any waiter.
 */
export async function settleDeletedCustomer(id: string, reading: StripeReading, ctx: DeletedCustomerContext): Promise<void> {
  let listed: CustomerObject[];
  try {
    listed = await ctx.gateway.listCustomerObjects(id);
  } catch (error) {
    if (error instanceof GatewayError && (error.kind === 'auth' || error.kind === 'permission')) throw error;
    const message = error instanceof Error ? error.message : String(error);
    ctx.logger?.warn('could not list the objects of a deleted customer', { customer: id, error: message });
    ctx.store.setObjectStatus([id], { status: 'needs_action', jobLocalId: null, reasons: [{ code: 'deleted_unlisted', message }] });
    ctx.store.recordReading(id, reading);
    return;
  }
  const toRedact = listed.filter((o) => o.reading.stated !== 'redacted' && o.reading.stated !== 'deleted' && o.reading.stated !== 'missing');
  ctx.store.addRelatedObjects(
    id,
    toRedact.map((o) => ({ id: o.id, type: o.type })),
  );
  for (const object of toRedact) ctx.store.recordReading(object.id, object.reading);
  // Only objects no job carries yet: one a row names itself may be in a job already.
  const fresh = toRedact.map((o) => o.id).filter((objectId) => ctx.store.objectStatus(objectId) === 'queued');
  const holder = ctx.store.liveJobHolding?.(id);
  if (holder !== undefined && fresh.length > 0) {
    ctx.store.setObjectStatus(fresh, { status: 'deferred', deferredOn: holder, jobLocalId: null, reasons: [] });
  }
  const byKind: Partial<Record<CustomerObject['type'], number>> = {};
  for (const object of toRedact) byKind[object.type] = (byKind[object.type] ?? 0) + 1;
  ctx.store.setObjectStatus([id], { status: 'already_redacted', jobLocalId: null, reasons: [{ code: 'deleted_before', related: toRedact.length, byKind }] });
  ctx.store.recordReading(id, reading);
  ctx.logger?.info('customer deleted before redaction: its objects are redacted instead', { customer: id, objects: toRedact.length });
  if (holder === undefined) for (const group of chunk(fresh, MAX_JOB_IDENTIFIERS)) ctx.spawn(group);
}
