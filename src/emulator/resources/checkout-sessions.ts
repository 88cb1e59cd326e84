import { ApiError } from '../api-error.js';
import type { FormValue, RequestContext, Route } from '../route.js';
import { CHECKOUT_SESSIONS, PRICES, type CheckoutSession, type Price } from './graph-objects.js';
import { linkChild } from './graph-edges.js';
import { paginate } from './list-helpers.js';
import { metadataParam, optionalEnum, optionalInteger, optionalString } from './params.js';
import { findRecord, listRecords, newRecordId, referencedCustomer, referencedRecord, unexpectedState } from './records.js';

/** Stripe's default: a Checkout Session expires 24 hours after creation. */
const SESSION_LIFETIME_SECONDS = 86_400;

function lineItemsTotal(ctx: RequestContext): { amount: number; currency: string } | null {
  const raw: FormValue | undefined = ctx.body.line_items;
  const list = raw === undefined || typeof raw === 'string' ? [] : Array.isArray(raw) ? raw : Object.values(raw);
  let total: { amount: number; currency: string } | null = null;
  list.forEach((item, i) => {
    if (typeof item !== 'object' || Array.isArray(item) || typeof item.price !== 'string') return;
    const price = referencedRecord<Price>(ctx, PRICES, item.price, 'price', `line_items[${i}][price]`);
    const quantity = optionalInteger(item, 'quantity') ?? 1;
    total = { amount: (total?.amount ?? 0) + price.unit_amount * quantity, currency: price.currency };
  });
  return total;
}

/** An `open` session; `customer_details` copies the customer's contact data, personal data to redact. */
function create(ctx: RequestContext): CheckoutSession {
  const customerId = optionalString(ctx.body, 'customer');
  const customer = customerId === undefined ? null : referencedCustomer(ctx, customerId);
  const customerEmail = optionalString(ctx.body, 'customer_email') ?? null;
  if (customer && customerEmail !== null) {
    throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'You may only specify one of these parameters: customer, customer_email.', 'customer_email');
  }
  const id = newRecordId(ctx, CHECKOUT_SESSIONS, ctx.livemode ? 'cs_live' : 'cs_test');
  const total = lineItemsTotal(ctx);
  const now = ctx.store.nowSeconds();
  linkChild(ctx.store, ctx.livemode, customer?.id ?? null, id);
  return ctx.store.collection<CheckoutSession>(CHECKOUT_SESSIONS).insert({
    id,
    object: 'checkout.session',
    created: now,
    livemode: ctx.livemode,
    mode: optionalEnum(ctx.body, 'mode', ['payment', 'setup', 'subscription'] as const) ?? 'payment',
    status: 'open',
    payment_status: 'unpaid',
    customer: customer?.id ?? null,
    customer_email: customerEmail,
    customer_details: customer
      ? { email: customer.email, name: customer.name, phone: customer.phone, address: customer.address }
      : customerEmail !== null
        ? { email: customerEmail, name: null, phone: null, address: null }
        : null,
    amount_total: total?.amount ?? null,
    currency: total?.currency ?? null,
    success_url: optionalString(ctx.body, 'success_url') ?? null,
    url: `https://checkout.stripe.com/c/pay/${id}`,
    expires_at: now + SESSION_LIFETIME_SECONDS,
    payment_intent: null,
    setup_intent: null,
    metadata: metadataParam(ctx.body),
    redaction: null,
  });
}

/** Expires an open session; shared with redaction's `fix`. */
export function expireCheckoutSession(session: CheckoutSession): void {
  session.status = 'expired';
  session.url = null;
}

function expire(ctx: RequestContext): CheckoutSession {
  const session = findRecord<CheckoutSession>(ctx, CHECKOUT_SESSIONS, ctx.params.id!, 'checkout.session');
  if (session.status !== 'open') throw unexpectedState('checkout_session', 'Checkout Session', session.id, session.status, 'expire');
  expireCheckoutSession(session);
  return session;
}

function list(ctx: RequestContext): unknown {
  const customer = optionalString(ctx.query, 'customer');
  const status = optionalString(ctx.query, 'status');
  const items = listRecords<CheckoutSession>(
    ctx,
    CHECKOUT_SESSIONS,
    (cs) => (customer === undefined || cs.customer === customer) && (status === undefined || cs.status === status),
  );
  return paginate(items, ctx.query, '/v1/checkout/sessions');
}

export const checkoutSessionRoutes: Route[] = [
  { method: 'POST', path: '/v1/checkout/sessions', kind: 'write', handler: create },
  { method: 'GET', path: '/v1/checkout/sessions', kind: 'read', handler: list },
  { method: 'GET', path: '/v1/checkout/sessions/:id', kind: 'read', handler: (ctx) => findRecord(ctx, CHECKOUT_SESSIONS, ctx.params.id!, 'checkout.session') },
  { method: 'POST', path: '/v1/checkout/sessions/:id/expire', kind: 'write', handler: expire },
];
