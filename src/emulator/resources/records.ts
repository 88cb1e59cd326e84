import { ApiError, resourceMissing } from '../api-error.js';
import type { RequestContext } from '../route.js';
import type { StoredObject } from '../store.js';
import { CUSTOMERS, isCustomerGone, type Customer } from './customer-object.js';

/**
 * Store access shared by the graph's resources. Test-mode and live-mode data are separate, as in
 * Stripe: an object is visible only to keys of its own mode.
 */

/** The object with this id in the caller's mode, or a 404 `resource_missing` naming `kind`. */
export function findRecord<T extends StoredObject>(ctx: RequestContext, collection: string, id: string, kind: string): T {
  const item = ctx.store.collection<T>(collection).get(id);
  if (!item || item.livemode !== ctx.livemode) throw resourceMissing(kind, id);
  return item;
}

/** Every object of the collection in the caller's mode, newest first (Stripe's list order). */
export function listRecords<T extends StoredObject>(ctx: RequestContext, collection: string, keep: (item: T) => boolean = () => true): T[] {
  return ctx.store
    .collection<T>(collection)
    .newestFirst()
    .filter((item) => item.livemode === ctx.livemode && keep(item));
}

/**
 * The id for a new object: the seed's own `id` when the call is internal (so seed files can refer to
 * their objects), otherwise a fresh one. Clients over HTTP can never choose ids, as in Stripe.
 */
export function newRecordId(ctx: RequestContext, collection: string, prefix: string): string {
  const given = ctx.body.id;
  if (ctx.internal && typeof given === 'string' && given !== '') {
    if (ctx.store.collection(collection).has(given)) {
      throw new ApiError(400, 'invalid_request_error', 'resource_already_exists', `An object with id '${given}' already exists.`, 'id');
    }
    return given;
  }
  return ctx.store.newId(prefix);
}

/**
 * `created` for a new object: now on the emulator's clock, or — for an internal call (the seed) that
 * gives `created` in unix seconds — that time, so seed files can date their objects.
 */
export function createdAt(ctx: RequestContext): number {
  const given = ctx.body.created;
  if (ctx.internal && typeof given === 'string' && /^\d{1,12}$/.test(given)) return Number(given);
  return ctx.store.nowSeconds();
}

/** 400 for a parameter that names an object the account does not hold (`customer=cus_missing`). */
export function missingReference(kind: string, id: string, param: string): ApiError {
  return new ApiError(400, 'invalid_request_error', 'resource_missing', `No such ${kind}: '${id}'`, param);
}

/** The live (not deleted, not being redacted) customer a parameter names, or a 400 naming that parameter. */
export function referencedCustomer(ctx: RequestContext, id: string, param = 'customer'): Customer {
  const customer = ctx.store.collection<Customer>(CUSTOMERS).get(id);
  if (!customer || customer.livemode !== ctx.livemode || isCustomerGone(customer)) throw missingReference('customer', id, param);
  return customer;
}

/** The object a parameter names in the caller's mode, or a 400 naming that parameter. */
export function referencedRecord<T extends StoredObject>(ctx: RequestContext, collection: string, id: string, kind: string, param: string): T {
  const item = ctx.store.collection<T>(collection).get(id);
  if (!item || item.livemode !== ctx.livemode) throw missingReference(kind, id, param);
  return item;
}

/** 400 for an action the object's status does not allow, with Stripe's `*_unexpected_state` code. */
export function unexpectedState(kind: string, noun: string, id: string, status: string, action: string): ApiError {
  return new ApiError(
    400,
    'invalid_request_error',
    `${kind}_unexpected_state`,
    `You cannot ${action} this ${noun} (${id}) because it has a status of ${status}.`,
    undefined,
  );
}
