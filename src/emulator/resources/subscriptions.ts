import { ApiError } from '../api-error.js';
import type { FormValue, RequestContext, Route } from '../route.js';
import { PRICES, SUBSCRIPTIONS, type Price, type Subscription, type SubscriptionItem } from './graph-objects.js';
import { linkChild } from './graph-edges.js';
import { paginate } from './list-helpers.js';
import { metadataParam, optionalEnum, optionalHash, optionalInteger, optionalString, requiredString } from './params.js';
import { defaultPaymentMethodFor } from './payment-methods.js';
import { insertPrice } from './products-prices.js';
import { createdAt, findRecord, listRecords, newRecordId, referencedCustomer, referencedRecord, unexpectedState } from './records.js';

/** Subscription statuses that still bill or may bill: they block redaction (docs/stripe.md#redaction-jobs). */
export const LIVE_SUBSCRIPTION_STATUSES: readonly Subscription['status'][] = [
  'active',
  'trialing',
  'past_due',
  'unpaid',
  'incomplete',
  'paused',
];

const DAY_SECONDS = 86_400;

/**
 * `items[0][price]=…` or `items[][price]=…` (the server hands both over as an array), each with a
 * `price` id or an inline `price_data`.
 */
function itemPrices(ctx: RequestContext): { price: Price; quantity: number }[] {
  const raw: FormValue | undefined = ctx.body.items;
  const list = raw === undefined || typeof raw === 'string' ? [] : Array.isArray(raw) ? raw : Object.values(raw);
  if (list.length === 0) throw new ApiError(400, 'invalid_request_error', 'parameter_missing', 'Missing required param: items.', 'items');
  return list.map((item, i) => {
    const param = `items[${i}]`;
    if (typeof item !== 'object' || Array.isArray(item)) {
      throw new ApiError(400, 'invalid_request_error', 'parameter_missing', `Missing required param: ${param}[price].`, `${param}[price]`);
    }
    const quantity = optionalInteger(item, 'quantity') ?? 1;
    const priceData = optionalHash(item, 'price_data');
    if (priceData !== null) return { price: insertPrice(ctx, priceData, ctx.store.newId('price'), `${param}[price_data]`), quantity };
    const price = referencedRecord<Price>(ctx, PRICES, requiredString(item, 'price'), 'price', `${param}[price]`);
    return { price, quantity };
  });
}

function create(ctx: RequestContext): Subscription {
  const customer = referencedCustomer(ctx, requiredString(ctx.body, 'customer'));
  const id = newRecordId(ctx, SUBSCRIPTIONS, 'sub');
  const items: SubscriptionItem[] = itemPrices(ctx).map(({ price, quantity }, i) => {
    if (price.recurring === null) {
      throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `The price specified (${price.id}) is not recurring.`, `items[${i}][price]`);
    }
    return { id: ctx.store.newId('si'), object: 'subscription_item', price, quantity, subscription: id };
  });
  const now = createdAt(ctx);
  const trialDays = optionalInteger(ctx.body, 'trial_period_days');
  // `default_incomplete` leaves the first payment to the client, as Stripe's flow for SCA does.
  const incomplete = optionalEnum(ctx.body, 'payment_behavior', ['allow_incomplete', 'default_incomplete', 'error_if_incomplete'] as const) === 'default_incomplete';
  const status: Subscription['status'] = trialDays !== undefined && trialDays > 0 ? 'trialing' : incomplete ? 'incomplete' : 'active';
  const defaultPaymentMethod = optionalString(ctx.body, 'default_payment_method');
  const defaultPm = defaultPaymentMethod === undefined ? null : defaultPaymentMethodFor(ctx, customer, defaultPaymentMethod, 'default_payment_method').id;
  linkChild(ctx.store, ctx.livemode, customer.id, id);
  return ctx.store.collection<Subscription>(SUBSCRIPTIONS).insert({
    id,
    object: 'subscription',
    created: now,
    livemode: ctx.livemode,
    customer: customer.id,
    status,
    description: optionalString(ctx.body, 'description') ?? null,
    items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    trial_start: status === 'trialing' ? now : null,
    trial_end: status === 'trialing' ? now + trialDays! * DAY_SECONDS : null,
    canceled_at: null,
    ended_at: null,
    cancel_at_period_end: false,
    default_payment_method: defaultPm,
    latest_invoice: null,
    metadata: metadataParam(ctx.body),
  });
}

/** Cancels at once; shared with redaction's `fix`. */
export function cancelSubscription(sub: Subscription, nowSeconds: number): void {
  sub.status = 'canceled';
  sub.canceled_at = nowSeconds;
  sub.ended_at = nowSeconds;
}

function cancel(ctx: RequestContext): Subscription {
  const sub = findRecord<Subscription>(ctx, SUBSCRIPTIONS, ctx.params.id!, 'subscription');
  if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
    throw unexpectedState('subscription', 'Subscription', sub.id, sub.status, 'cancel');
  }
  cancelSubscription(sub, ctx.store.nowSeconds());
  return sub;
}

function list(ctx: RequestContext): unknown {
  const customer = optionalString(ctx.query, 'customer');
  // Stripe's default hides canceled subscriptions; `status=all` shows every one.
  const status = optionalString(ctx.query, 'status');
  const items = listRecords<Subscription>(
    ctx,
    SUBSCRIPTIONS,
    (sub) =>
      (customer === undefined || sub.customer === customer) &&
      (status === 'all' || (status === undefined ? sub.status !== 'canceled' : sub.status === status)),
  );
  return paginate(items, ctx.query, '/v1/subscriptions');
}

export const subscriptionRoutes: Route[] = [
  { method: 'POST', path: '/v1/subscriptions', kind: 'write', handler: create },
  { method: 'GET', path: '/v1/subscriptions', kind: 'read', handler: list },
  { method: 'GET', path: '/v1/subscriptions/:id', kind: 'read', handler: (ctx) => findRecord(ctx, SUBSCRIPTIONS, ctx.params.id!, 'subscription') },
  { method: 'DELETE', path: '/v1/subscriptions/:id', kind: 'write', handler: cancel },
];
