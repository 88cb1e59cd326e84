import { ApiError } from '../api-error.js';
import type { RequestContext, Route } from '../route.js';
import { SETUP_INTENTS, type SetupIntent } from './graph-objects.js';
import { linkChild } from './graph-edges.js';
import { paginate } from './list-helpers.js';
import { metadataParam, optionalBoolean, optionalEnum, optionalString } from './params.js';
import { createdAt, findRecord, listRecords, newRecordId, referencedCustomer, unexpectedState } from './records.js';
import { resolvePaymentMethod } from './payment-methods.js';

/** SetupIntent statuses that are final: any other blocks redaction (docs/stripe.md#redaction-jobs). */
export const FINAL_SETUP_INTENT_STATUSES: readonly SetupIntent['status'][] = ['succeeded', 'canceled'];

function applyPaymentMethodParam(ctx: RequestContext, si: SetupIntent): void {
  const value = optionalString(ctx.body, 'payment_method');
  if (value === undefined) return;
  si.payment_method = resolvePaymentMethod(ctx, value).id;
  si.status = 'requires_confirmation';
}

/** Confirms with the PaymentMethod, which Stripe then attaches to the SetupIntent's customer. */
function confirm(ctx: RequestContext, si: SetupIntent): SetupIntent {
  if (FINAL_SETUP_INTENT_STATUSES.includes(si.status)) throw unexpectedState('setup_intent', 'SetupIntent', si.id, si.status, 'confirm');
  applyPaymentMethodParam(ctx, si);
  if (si.payment_method === null) {
    throw new ApiError(400, 'invalid_request_error', 'setup_intent_unexpected_state', `You cannot confirm this SetupIntent (${si.id}) because it's missing a payment method.`, 'payment_method');
  }
  const pm = resolvePaymentMethod(ctx, si.payment_method);
  if (si.customer !== null && pm.customer === null) {
    pm.customer = si.customer;
    linkChild(ctx.store, ctx.livemode, si.customer, pm.id);
  }
  si.status = 'succeeded';
  return si;
}

function create(ctx: RequestContext): SetupIntent {
  const customerId = optionalString(ctx.body, 'customer');
  const si = ctx.store.collection<SetupIntent>(SETUP_INTENTS).insert({
    id: newRecordId(ctx, SETUP_INTENTS, 'seti'),
    object: 'setup_intent',
    created: createdAt(ctx),
    livemode: ctx.livemode,
    customer: customerId === undefined ? null : referencedCustomer(ctx, customerId).id,
    payment_method: null,
    description: optionalString(ctx.body, 'description') ?? null,
    status: 'requires_payment_method',
    usage: optionalEnum(ctx.body, 'usage', ['off_session', 'on_session'] as const) ?? 'off_session',
    cancellation_reason: null,
    metadata: metadataParam(ctx.body),
    redaction: null,
  });
  linkChild(ctx.store, ctx.livemode, si.customer, si.id);
  applyPaymentMethodParam(ctx, si);
  return optionalBoolean(ctx.body, 'confirm') === true ? confirm(ctx, si) : si;
}

/** Cancels an unfinished SetupIntent; shared with redaction's `fix`. */
export function cancelSetupIntent(si: SetupIntent, reason: string | null): void {
  si.status = 'canceled';
  si.cancellation_reason = reason;
}

function cancel(ctx: RequestContext): SetupIntent {
  const si = findRecord<SetupIntent>(ctx, SETUP_INTENTS, ctx.params.id!, 'setup_intent');
  if (FINAL_SETUP_INTENT_STATUSES.includes(si.status)) throw unexpectedState('setup_intent', 'SetupIntent', si.id, si.status, 'cancel');
  cancelSetupIntent(si, optionalEnum(ctx.body, 'cancellation_reason', ['abandoned', 'duplicate', 'requested_by_customer'] as const) ?? null);
  return si;
}

function list(ctx: RequestContext): unknown {
  const customer = optionalString(ctx.query, 'customer');
  const items = listRecords<SetupIntent>(ctx, SETUP_INTENTS, (si) => customer === undefined || si.customer === customer);
  return paginate(items, ctx.query, '/v1/setup_intents');
}

export const setupIntentRoutes: Route[] = [
  { method: 'POST', path: '/v1/setup_intents', kind: 'write', handler: create },
  { method: 'GET', path: '/v1/setup_intents', kind: 'read', handler: list },
  { method: 'GET', path: '/v1/setup_intents/:id', kind: 'read', handler: (ctx) => findRecord(ctx, SETUP_INTENTS, ctx.params.id!, 'setup_intent') },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id/confirm',
    kind: 'write',
    handler: (ctx) => confirm(ctx, findRecord<SetupIntent>(ctx, SETUP_INTENTS, ctx.params.id!, 'setup_intent')),
  },
  { method: 'POST', path: '/v1/setup_intents/:id/cancel', kind: 'write', handler: cancel },
];
