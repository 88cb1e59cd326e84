import { ApiError } from '../api-error.js';
import { CUSTOMERS, type Customer } from './customer-object.js';
import type { RequestContext, Route } from '../route.js';
import { PAYMENT_METHODS, type BillingDetails, type PaymentMethod, type TestCardBehavior } from './graph-objects.js';
import { linkChild } from './graph-edges.js';
import { paginate } from './list-helpers.js';
import { metadataParam, optionalHash, optionalString, requiredString } from './params.js';
import { createdAt, findRecord, listRecords, newRecordId, referencedCustomer } from './records.js';

interface TestCard {
  brand: string;
  last4: string;
  behavior: TestCardBehavior;
}

/** Stripe's test cards (https://docs.stripe.com/testing), each as a token `tok_*` and a PaymentMethod `pm_card_*`. */
const CARDS: Record<string, TestCard> = {
  visa: { brand: 'visa', last4: '4242', behavior: 'succeed' },
  visa_debit: { brand: 'visa', last4: '5556', behavior: 'succeed' },
  mastercard: { brand: 'mastercard', last4: '4444', behavior: 'succeed' },
  amex: { brand: 'amex', last4: '8431', behavior: 'succeed' },
  discover: { brand: 'discover', last4: '1117', behavior: 'succeed' },
  createDispute: { brand: 'visa', last4: '0259', behavior: 'dispute' },
};

const TEST_CARDS: Record<string, TestCard> = Object.fromEntries(
  Object.entries(CARDS).flatMap(([name, card]) => [
    [`tok_${name}`, card],
    [`pm_card_${name}`, card],
  ]),
);

/** `pm_card_visa`, `tok_mastercard`…: a test card that Stripe turns into a fresh PaymentMethod wherever it takes one. */
export function isTestCard(value: string): boolean {
  return Object.hasOwn(TEST_CARDS, value);
}

/** The test cards the emulator knows, for documentation and tests. */
export const TEST_CARD_NAMES: readonly string[] = Object.keys(TEST_CARDS);

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
  const card = isTestCard(token) ? TEST_CARDS[token] : undefined;
  if (!card) {
    throw new ApiError(400, 'invalid_request_error', 'resource_missing', `No such token: '${token}'`, 'card[token]');
  }
  return ctx.store.collection<PaymentMethod>(PAYMENT_METHODS).insert({
    id,
    object: 'payment_method',
    created: createdAt(ctx),
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
 * The PaymentMethod a `payment_method` parameter names. Stripe accepts its test cards
 * (`pm_card_visa`, `tok_visa`, `pm_card_createDispute`…) directly and makes a fresh PaymentMethod
 * from each use.
 */
export function resolvePaymentMethod(ctx: RequestContext, value: string, param = 'payment_method'): PaymentMethod {
  if (isTestCard(value)) {
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

/** Attaches the PaymentMethod to the customer; 400 when another customer holds it. */
export function attachPaymentMethod(ctx: RequestContext, pm: PaymentMethod, customer: Customer): PaymentMethod {
  if (pm.customer !== null && pm.customer !== customer.id) {
    throw new ApiError(400, 'invalid_request_error', 'payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.');
  }
  pm.customer = customer.id;
  linkChild(ctx.store, ctx.livemode, customer.id, pm.id);
  return pm;
}

/**
 * The PaymentMethod a customer's default (`invoice_settings[default_payment_method]`, a
 * subscription's `default_payment_method`) names: a test card becomes a fresh PaymentMethod attached
 * to the customer; any other id must already be attached to that customer, as Stripe requires.
 */
export function defaultPaymentMethodFor(ctx: RequestContext, customer: Customer, value: string, param: string): PaymentMethod {
  if (isTestCard(value)) return attachPaymentMethod(ctx, resolvePaymentMethod(ctx, value, param), customer);
  const pm = ctx.store.collection<PaymentMethod>(PAYMENT_METHODS).get(value);
  if (!pm || pm.livemode !== ctx.livemode || pm.customer !== customer.id) {
    throw new ApiError(
      400,
      'invalid_request_error',
      'resource_missing',
      `The customer does not have a payment method with the ID ${value}. The payment method must be attached to the customer.`,
      param,
    );
  }
  return pm;
}

/** `POST /v1/payment_methods/:id/attach`; a test card (`pm_card_visa`) attaches a fresh PaymentMethod, as in Stripe's docs. */
function attach(ctx: RequestContext): PaymentMethod {
  const id = ctx.params.id!;
  const existing = isTestCard(id) ? undefined : findRecord<PaymentMethod>(ctx, PAYMENT_METHODS, id, 'PaymentMethod');
  const customer = referencedCustomer(ctx, requiredString(ctx.body, 'customer'));
  return attachPaymentMethod(ctx, existing ?? resolvePaymentMethod(ctx, id, 'id'), customer);
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
