import { ApiError } from '../api-error.js';
import type { RequestContext, Route } from '../route.js';
import { CHARGES, DISPUTES, type Charge, type Dispute, type PaymentIntent, type PaymentMethod } from './graph-objects.js';
import { paginate } from './list-helpers.js';
import { linkChild } from './graph-edges.js';
import { optionalString } from './params.js';
import { findRecord, listRecords } from './records.js';

/** Dispute statuses that still await an outcome: such a dispute blocks redaction of its charge. */
export const OPEN_DISPUTE_STATUSES: readonly Dispute['status'][] = [
  'warning_needs_response',
  'warning_under_review',
  'needs_response',
  'under_review',
];

/**
 * The Charge a confirmed PaymentIntent makes. A `pm_card_createDispute` card yields a succeeded,
 * disputed charge with an open dispute, as Stripe's test card does.
 */
export function createCharge(ctx: RequestContext, pi: PaymentIntent, pm: PaymentMethod, captured: boolean): Charge {
  const charge = ctx.store.collection<Charge>(CHARGES).insert({
    id: ctx.store.newId('ch'),
    object: 'charge',
    // A seed confirms its PaymentIntents as it creates them: their charges share their `created`.
    created: ctx.internal ? pi.created : ctx.store.nowSeconds(),
    livemode: ctx.livemode,
    amount: pi.amount,
    amount_captured: captured ? pi.amount : 0,
    currency: pi.currency,
    customer: pi.customer,
    payment_intent: pi.id,
    payment_method: pm.id,
    billing_details: { ...pm.billing_details },
    description: pi.description,
    receipt_email: pi.receipt_email,
    shipping: pi.shipping,
    status: 'succeeded',
    paid: true,
    captured,
    disputed: false,
    refunded: false,
    metadata: { ...pi.metadata },
    redaction: null,
  });
  linkChild(ctx.store, ctx.livemode, charge.customer, charge.id);
  linkChild(ctx.store, ctx.livemode, charge.payment_intent, charge.id);
  if (pm._behavior === 'dispute' && captured) openDispute(ctx, charge);
  return charge;
}

/** Opens a `needs_response` dispute on the charge, as a disputing test card does once charged. */
export function openDispute(ctx: RequestContext, charge: Charge): Dispute {
  charge.disputed = true;
  const dispute = ctx.store.collection<Dispute>(DISPUTES).insert({
    id: ctx.store.newId('dp'),
    object: 'dispute',
    created: ctx.store.nowSeconds(),
    livemode: ctx.livemode,
    amount: charge.amount,
    currency: charge.currency,
    charge: charge.id,
    payment_intent: charge.payment_intent,
    reason: 'fraudulent',
    status: 'needs_response',
    metadata: {},
  });
  linkChild(ctx.store, ctx.livemode, charge.id, dispute.id);
  return dispute;
}

/** `POST /v1/disputes/:id/close`: accept the dispute, which then counts as lost. */
function closeDispute(ctx: RequestContext): Dispute {
  const dispute = findRecord<Dispute>(ctx, DISPUTES, ctx.params.id!, 'dispute');
  if (!OPEN_DISPUTE_STATUSES.includes(dispute.status)) {
    throw new ApiError(400, 'invalid_request_error', 'dispute_already_closed', `This dispute (${dispute.id}) is already closed.`);
  }
  dispute.status = 'lost';
  return dispute;
}

function listCharges(ctx: RequestContext): unknown {
  const customer = optionalString(ctx.query, 'customer');
  const paymentIntent = optionalString(ctx.query, 'payment_intent');
  const items = listRecords<Charge>(
    ctx,
    CHARGES,
    (ch) => (customer === undefined || ch.customer === customer) && (paymentIntent === undefined || ch.payment_intent === paymentIntent),
  );
  return paginate(items, ctx.query, '/v1/charges');
}

function listDisputes(ctx: RequestContext): unknown {
  const charge = optionalString(ctx.query, 'charge');
  const paymentIntent = optionalString(ctx.query, 'payment_intent');
  const items = listRecords<Dispute>(
    ctx,
    DISPUTES,
    (dp) => (charge === undefined || dp.charge === charge) && (paymentIntent === undefined || dp.payment_intent === paymentIntent),
  );
  return paginate(items, ctx.query, '/v1/disputes');
}

export const chargeRoutes: Route[] = [
  { method: 'GET', path: '/v1/charges', kind: 'read', handler: listCharges },
  { method: 'GET', path: '/v1/charges/:id', kind: 'read', handler: (ctx) => findRecord(ctx, CHARGES, ctx.params.id!, 'charge') },
  { method: 'GET', path: '/v1/disputes', kind: 'read', handler: listDisputes },
  { method: 'GET', path: '/v1/disputes/:id', kind: 'read', handler: (ctx) => findRecord(ctx, DISPUTES, ctx.params.id!, 'dispute') },
  { method: 'POST', path: '/v1/disputes/:id/close', kind: 'write', handler: closeDispute },
];
