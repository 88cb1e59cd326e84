import { ApiError } from '../api-error.js';
import { CUSTOMERS, type Customer } from './customer-object.js';
import type { RequestContext, Route } from '../route.js';
import { PAYMENT_METHODS, type BillingDetails, type PaymentMethod, type TestCardBehavior } from './graph-objects.js';
import { linkChild } from './graph-edges.js';
import { paginate } from './list-helpers.js';
import { metadataParam, optionalHash, optionalString, requiredString } from './params.js';
import { findRecord, listRecords, newRecordId, referencedCustomer } from './records.js';

/** Stripe's test card tokens and PaymentMethods, by the behaviour they trigger. */
const TEST_CARDS: Record<string, { brand: string; last4: string; behavior: TestCardBehavior }> = {
  tok_visa: { brand: 'visa', last4: '4242', behavior: 'succeed' },
  tok_mastercard: { brand: 'mastercard', last4: '4444', behavior: 'succeed' },
  tok_createDispute: { brand: 'visa', last4: '0259', behavior: 'dispute' },
  pm_card_visa: { brand: 'visa', last4: '4242', behavior: 'succeed' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', behavior: 'succeed' },
  pm_card_createDispute: { brand: 'visa', last4: '0259', behavior: 'dispute' },
};

function billingDetailsParam(ctx: RequestContext): BillingDetails {
  const hash = optionalHash(ctx.body, 'billing_details') ?? {};
  const text = (key: string): string | null => (typeof hash[key] === 'string' ? (hash[key] as string) : null);
  const address = hash.address;
  return {
    address: typeof address === 'object' && address !== null ? (address as Record<string, unknown>) : null,
    email: text('email'),
    name: text('name'),
    phone: text('phone'),
  };
}

function newPaymentMethod(ctx: RequestContext, token: string, billing: BillingDetails, id: string): PaymentMethod {
  const card = TEST_CARDS[token];
  if (!card) {
    throw new ApiError(400, 'invalid_request_error', 'resource_missing', `No such token: '${token}'`, 'card[token]');
  }
  return ctx.store.collection<PaymentMethod>(PAYMENT_METHODS).insert({
    id,
    object: 'payment_method',
    created: ctx.store.nowSeconds(),
    livemode: ctx.livemode,
    type: 'card',
    customer: null,
    billing_details: billing,
    card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3 },
    metadata: metadataParam(ctx.body),
    redaction: null,
    _behavior: card.behavior,
  });
}

/**
 * The PaymentMethod a `payment_method` parameter names. Stripe accepts its test PaymentMethods
 * (`pm_card_visa`, `pm_card_createDispute`) directly and makes a fresh PaymentMethod from each use.
 */
export function resolvePaymentMethod(ctx: RequestContext, value: string, param = 'payment_method'): PaymentMethod {
  if (value in TEST_CARDS && value.startsWith('pm_card_')) {
    return newPaymentMethod(ctx, value, { address: null, email: null, name: null, phone: null }, ctx.store.newId('pm'));
  }
  const pm = ctx.store.collection<PaymentMethod>(PAYMENT_METHODS).get(value);
  if (!pm || pm.livemode !== ctx.livemode) {
    throw new ApiError(400, 'invalid_request_error', 'resource_missing', `No such PaymentMethod: '${value}'`, param);
  }
  return pm;
}

function create(ctx: RequestContext): PaymentMethod {
  const type = requiredString(ctx.body, 'type');
  if (type !== 'card') {
    throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `The emulator supports only type=card, got ${type}`, 'type');
  }
  const card = optionalHash(ctx.body, 'card');
  const token = typeof card?.token === 'string' ? card.token : 'tok_visa';
  return newPaymentMethod(ctx, token, billingDetailsParam(ctx), newRecordId(ctx, PAYMENT_METHODS, 'pm'));
}

function attach(ctx: RequestContext): PaymentMethod {
  const pm = findRecord<PaymentMethod>(ctx, PAYMENT_METHODS, ctx.params.id!, 'PaymentMethod');
  const customer = referencedCustomer(ctx, requiredString(ctx.body, 'customer'));
  if (pm.customer !== null && pm.customer !== customer.id) {
    throw new ApiError(400, 'invalid_request_error', 'payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.');
  }
  pm.customer = customer.id;
  linkChild(ctx.store, ctx.livemode, customer.id, pm.id);
  return pm;
}

function detach(ctx: RequestContext): PaymentMethod {
  const pm = findRecord<PaymentMethod>(ctx, PAYMENT_METHODS, ctx.params.id!, 'PaymentMethod');
  if (pm.customer === null) {
    throw new ApiError(400, 'invalid_request_error', 'payment_method_unexpected_state', 'The payment method you provided is not attached to a customer so detachment is impossible.');
  }
  pm.customer = null;
  return pm;
}

/** `GET /v1/payment_methods?customer=…` and `GET /v1/customers/:id/payment_methods`. */
function list(ctx: RequestContext, customerId: string | undefined): unknown {
  const type = optionalString(ctx.query, 'type');
  const items = listRecords<PaymentMethod>(
    ctx,
    PAYMENT_METHODS,
    (pm) => (customerId === undefined || pm.customer === customerId) && (type === undefined || pm.type === type),
  );
  return paginate(items, ctx.query, customerId ? `/v1/customers/${customerId}/payment_methods` : '/v1/payment_methods');
}

export const paymentMethodRoutes: Route[] = [
  { method: 'POST', path: '/v1/payment_methods', kind: 'write', handler: create },
  { method: 'GET', path: '/v1/payment_methods', kind: 'read', handler: (ctx) => list(ctx, optionalString(ctx.query, 'customer')) },
  { method: 'GET', path: '/v1/customers/:id/payment_methods', kind: 'read', handler: (ctx) => list(ctx, findRecord<Customer>(ctx, CUSTOMERS, ctx.params.id!, 'customer').id) },
  { method: 'GET', path: '/v1/payment_methods/:id', kind: 'read', handler: (ctx) => findRecord(ctx, PAYMENT_METHODS, ctx.params.id!, 'PaymentMethod') },
  { method: 'POST', path: '/v1/payment_methods/:id/attach', kind: 'write', handler: attach },
  { method: 'POST', path: '/v1/payment_methods/:id/detach', kind: 'write', handler: detach },
];
