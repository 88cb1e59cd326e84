import { ApiError } from '../api-error.js';
import type { RequestContext, Route } from '../route.js';
import { createCharge, openDispute } from './charges.js';
import { CHARGES, PAYMENT_INTENTS, PAYMENT_METHODS, type Charge, type PaymentIntent, type PaymentMethod } from './graph-objects.js';
import { paginate } from './list-helpers.js';
import {
  metadataParam,
  optionalBoolean,
  optionalEnum,
  optionalHash,
  optionalInteger,
  optionalString,
  requiredString,
} from './params.js';
import { createdAt, findRecord, listRecords, newRecordId, referencedCustomer, unexpectedState } from './records.js';
import { resolvePaymentMethod } from './payment-methods.js';
import { linkChild } from './graph-edges.js';

/** PaymentIntent statuses that redaction treats as unfinished (docs/stripe.md#redaction-jobs). */
export const UNFINISHED_PAYMENT_INTENT_STATUSES: readonly PaymentIntent['status'][] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'requires_capture',
  'processing',
];

const CANCELLATION_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const;

function applyPaymentMethodParam(ctx: RequestContext, pi: PaymentIntent): void {
  const value = optionalString(ctx.body, 'payment_method');
  if (value === undefined) return;
  pi.payment_method = resolvePaymentMethod(ctx, value).id;
  pi.status = 'requires_confirmation';
}

/**
 * Confirms with the attached PaymentMethod: `succeeded` with a Charge, or `requires_capture` for
 * `capture_method=manual`. Test cards never need 3-D Secure here.
 */
function confirm(ctx: RequestContext, pi: PaymentIntent): PaymentIntent {
  if (pi.status !== 'requires_confirmation' && pi.status !== 'requires_payment_method') {
    throw unexpectedState('payment_intent', 'PaymentIntent', pi.id, pi.status, 'confirm');
  }
  applyPaymentMethodParam(ctx, pi);
  if (pi.payment_method === null) {
    throw new ApiError(400, 'invalid_request_error', 'payment_intent_unexpected_state', `You cannot confirm this PaymentIntent (${pi.id}) because it's missing a payment method.`, 'payment_method');
  }
  const pm = ctx.store.collection<PaymentMethod>(PAYMENT_METHODS).get(pi.payment_method)!;
  const captured = pi.capture_method === 'automatic';
  pi.latest_charge = createCharge(ctx, pi, pm, captured).id;
  pi.status = captured ? 'succeeded' : 'requires_capture';
  pi.amount_received = captured ? pi.amount : 0;
  return pi;
}

function create(ctx: RequestContext): PaymentIntent {
  const amount = optionalInteger(ctx.body, 'amount');
  if (amount === undefined) throw new ApiError(400, 'invalid_request_error', 'parameter_missing', 'Missing required param: amount.', 'amount');
  const customerId = optionalString(ctx.body, 'customer');
  const pi = ctx.store.collection<PaymentIntent>(PAYMENT_INTENTS).insert({
    id: newRecordId(ctx, PAYMENT_INTENTS, 'pi'),
    object: 'payment_intent',
    created: createdAt(ctx),
    livemode: ctx.livemode,
    amount,
    amount_received: 0,
    currency: requiredString(ctx.body, 'currency').toLowerCase(),
    customer: customerId === undefined ? null : referencedCustomer(ctx, customerId).id,
    payment_method: null,
    description: optionalString(ctx.body, 'description') ?? null,
    receipt_email: optionalString(ctx.body, 'receipt_email') ?? null,
    shipping: optionalHash(ctx.body, 'shipping'),
    status: 'requires_payment_method',
    capture_method: optionalEnum(ctx.body, 'capture_method', ['automatic', 'manual'] as const) ?? 'automatic',
    latest_charge: null,
    canceled_at: null,
    cancellation_reason: null,
    invoice: null,
    metadata: metadataParam(ctx.body),
    redaction: null,
  });
  linkChild(ctx.store, ctx.livemode, pi.customer, pi.id);
  applyPaymentMethodParam(ctx, pi);
  return optionalBoolean(ctx.body, 'confirm') === true ? confirm(ctx, pi) : pi;
}

/** Cancels an unfinished PaymentIntent; shared with redaction's `fix`. */
export function cancelPaymentIntent(pi: PaymentIntent, nowSeconds: number, reason: string | null): void {
  pi.status = 'canceled';
  pi.canceled_at = nowSeconds;
  pi.cancellation_reason = reason;
}

function cancel(ctx: RequestContext): PaymentIntent {
  const pi = findRecord<PaymentIntent>(ctx, PAYMENT_INTENTS, ctx.params.id!, 'payment_intent');
  if (!UNFINISHED_PAYMENT_INTENT_STATUSES.includes(pi.status) || pi.status === 'processing') {
    throw unexpectedState('payment_intent', 'PaymentIntent', pi.id, pi.status, 'cancel');
  }
  cancelPaymentIntent(pi, ctx.store.nowSeconds(), optionalEnum(ctx.body, 'cancellation_reason', CANCELLATION_REASONS) ?? null);
  return pi;
}

function capture(ctx: RequestContext): PaymentIntent {
  const pi = findRecord<PaymentIntent>(ctx, PAYMENT_INTENTS, ctx.params.id!, 'payment_intent');
  if (pi.status !== 'requires_capture') throw unexpectedState('payment_intent', 'PaymentIntent', pi.id, pi.status, 'capture');
  const charge = ctx.store.collection<Charge>(CHARGES).get(pi.latest_charge!)!;
  charge.captured = true;
  charge.amount_captured = charge.amount;
  const pm = ctx.store.collection<PaymentMethod>(PAYMENT_METHODS).get(pi.payment_method!);
  if (pm?._behavior === 'dispute') openDispute(ctx, charge);
  pi.status = 'succeeded';
  pi.amount_received = pi.amount;
  return pi;
}

function update(ctx: RequestContext): PaymentIntent {
  const pi = findRecord<PaymentIntent>(ctx, PAYMENT_INTENTS, ctx.params.id!, 'payment_intent');
  const description = optionalString(ctx.body, 'description');
  if (description !== undefined) pi.description = description;
  const receiptEmail = optionalString(ctx.body, 'receipt_email');
  if (receiptEmail !== undefined) pi.receipt_email = receiptEmail;
  pi.metadata = metadataParam(ctx.body, pi.metadata);
  if (UNFINISHED_PAYMENT_INTENT_STATUSES.includes(pi.status) && pi.status !== 'requires_capture') applyPaymentMethodParam(ctx, pi);
  return pi;
}

function list(ctx: RequestContext): unknown {
  const customer = optionalString(ctx.query, 'customer');
  const items = listRecords<PaymentIntent>(ctx, PAYMENT_INTENTS, (pi) => customer === undefined || pi.customer === customer);
  return paginate(items, ctx.query, '/v1/payment_intents');
}

export const paymentIntentRoutes: Route[] = [
  { method: 'POST', path: '/v1/payment_intents', kind: 'write', handler: create },
  { method: 'GET', path: '/v1/payment_intents', kind: 'read', handler: list },
  { method: 'GET', path: '/v1/payment_intents/:id', kind: 'read', handler: (ctx) => findRecord(ctx, PAYMENT_INTENTS, ctx.params.id!, 'payment_intent') },
  { method: 'POST', path: '/v1/payment_intents/:id', kind: 'write', handler: update },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/confirm',
    kind: 'write',
    handler: (ctx) => confirm(ctx, findRecord<PaymentIntent>(ctx, PAYMENT_INTENTS, ctx.params.id!, 'payment_intent')),
  },
  { method: 'POST', path: '/v1/payment_intents/:id/cancel', kind: 'write', handler: cancel },
  { method: 'POST', path: '/v1/payment_intents/:id/capture', kind: 'write', handler: capture },
];
