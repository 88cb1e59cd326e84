import { ApiError } from '../api-error.js';
import type { FormValue, RequestContext, Route } from '../route.js';
import { CHECKOUT_SESSIONS, PRICES, type CheckoutSession, type Price } from './graph-objects.js';
import { linkChild } from './graph-edges.js';
import { paginate } from './list-helpers.js';
import { metadataParam, optionalEnum, optionalHash, optionalInteger, optionalString } from './params.js';
import type { Collection } from '../store.js';
import { createdAt, findRecord, listRecords, newRecordId, referencedCustomer, referencedRecord, unexpectedState } from './records.js';

/** Stripe's default: a Checkout Session expires 24 hours after creation. */
const SESSION_LIFETIME_SECONDS = 86_400;

/** Index of sessions by the exact `customer_details.email`: the list filter of guest checkouts. */
const DETAILS_EMAIL = 'customer-details-email';

type CustomerDetails = NonNullable<CheckoutSession['customer_details']>;

function sessionCollection(ctx: RequestContext): Collection<CheckoutSession> {
  const sessions = ctx.store.collection<CheckoutSession>(CHECKOUT_SESSIONS);
  sessions.defineIndex(DETAILS_EMAIL, (cs) => (typeof cs.customer_details?.email === 'string' ? [cs.customer_details.email] : []));
  return sessions;
}

/**
 * [ours] A seed (an internal call) may create a session as a finished checkout left it: `status`,
 * `payment_status` and `customer_details` — a guest's details, with no customer. Over HTTP Stripe
 * takes none of them: a session completes on Stripe's hosted page.
 */
function seededOutcome(ctx: RequestContext): { status?: CheckoutSession['status']; payment_status?: CheckoutSession['payment_status']; customer_details?: CustomerDetails } {
  if (!ctx.internal) return {};
  const out: ReturnType<typeof seededOutcome> = {};
  const status = optionalEnum(ctx.body, 'status', ['open', 'complete', 'expired'] as const);
  if (status !== undefined) out.status = status;
  const paymentStatus = optionalEnum(ctx.body, 'payment_status', ['paid', 'unpaid', 'no_payment_required'] as const);
  if (paymentStatus !== undefined) out.payment_status = paymentStatus;
  const details = optionalHash(ctx.body, 'customer_details');
  if (details !== null) {
    const text = (key: string): string | null => (typeof details[key] === 'string' && details[key] !== '' ? (details[key] as string) : null);
    const address = details.address;
    out.customer_details = {
      email: text('email'),
      name: text('name'),
      phone: text('phone'),
      address: typeof address === 'object' && !Array.isArray(address) ? address : null,
    };
  }
  return out;
}

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
  const now = createdAt(ctx);
  const seeded = seededOutcome(ctx);
  linkChild(ctx.store, ctx.livemode, customer?.id ?? null, id);
  return sessionCollection(ctx).insert({
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
    ...seeded,
    ...(seeded.status !== undefined && seeded.status !== 'open' ? { url: null } : {}),
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

/** `customer_details[email]`: Stripe's documented filter for a guest's sessions, exact and case-sensitive. */
function detailsEmailParam(ctx: RequestContext): string | undefined {
  const details = optionalHash(ctx.query, 'customer_details');
  if (details === null) return undefined;
  const email = details.email;
  if (typeof email !== 'string' || email === '') {
    throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'Invalid customer_details[email]: expected an email address.', 'customer_details[email]');
  }
  return email;
}

function list(ctx: RequestContext): unknown {
  const customer = optionalString(ctx.query, 'customer');
  const status = optionalString(ctx.query, 'status');
  const email = detailsEmailParam(ctx);
  const keep = (cs: CheckoutSession): boolean =>
    cs.livemode === ctx.livemode &&
    (customer === undefined || cs.customer === customer) &&
    (status === undefined || cs.status === status) &&
    (email === undefined || cs.customer_details?.email === email);
  // The email filter reads its own sessions through the index, not every session of the account.
  const items = email === undefined ? listRecords<CheckoutSession>(ctx, CHECKOUT_SESSIONS, keep) : sessionCollection(ctx).lookup(DETAILS_EMAIL, [email]).reverse().filter(keep);
  return paginate(items, ctx.query, '/v1/checkout/sessions');
}

export const checkoutSessionRoutes: Route[] = [
  { method: 'POST', path: '/v1/checkout/sessions', kind: 'write', handler: create },
  { method: 'GET', path: '/v1/checkout/sessions', kind: 'read', handler: list },
  { method: 'GET', path: '/v1/checkout/sessions/:id', kind: 'read', handler: (ctx) => findRecord(ctx, CHECKOUT_SESSIONS, ctx.params.id!, 'checkout.session') },
  { method: 'POST', path: '/v1/checkout/sessions/:id/expire', kind: 'write', handler: expire },
];
