import { ApiError } from '../api-error.js';
import type { RequestContext, Route } from '../route.js';
import { INVOICES, SUBSCRIPTIONS, type Invoice, type Subscription } from './graph-objects.js';
import { linkChild } from './graph-edges.js';
import { paginate } from './list-helpers.js';
import { metadataParam, optionalBoolean, optionalEnum, optionalInteger, optionalString, requiredString } from './params.js';
import { createdAt, findRecord, listRecords, newRecordId, referencedCustomer, referencedRecord } from './records.js';

/** Invoice statuses that block redaction: a draft is deleted and an open invoice voided by `fix`. */
export const UNSETTLED_INVOICE_STATUSES: readonly Invoice['status'][] = ['draft', 'open'];

function invoiceNotEditable(invoice: Invoice, action: string): ApiError {
  return new ApiError(
    400,
    'invalid_request_error',
    'invoice_not_editable',
    `You can only ${action} an invoice (${invoice.id}) in a different status; this invoice is ${invoice.status}.`,
  );
}

/**
 * A draft invoice with a snapshot of the customer's contact details, as Stripe copies them
 * (`customer_email`, `customer_name`…): personal data that redaction must reach too. The emulator has
 * no invoice items; `amount_due` is an emulator extension to give the invoice an amount.
 */
function create(ctx: RequestContext): Invoice {
  const customer = referencedCustomer(ctx, requiredString(ctx.body, 'customer'));
  const subscriptionId = optionalString(ctx.body, 'subscription');
  const subscription = subscriptionId === undefined ? null : referencedRecord<Subscription>(ctx, SUBSCRIPTIONS, subscriptionId, 'subscription', 'subscription');
  const invoice = ctx.store.collection<Invoice>(INVOICES).insert({
    id: newRecordId(ctx, INVOICES, 'in'),
    object: 'invoice',
    created: createdAt(ctx),
    livemode: ctx.livemode,
    customer: customer.id,
    subscription: subscription?.id ?? null,
    status: 'draft',
    number: null,
    currency: (optionalString(ctx.body, 'currency') ?? 'usd').toLowerCase(),
    amount_due: optionalInteger(ctx.body, 'amount_due') ?? 0,
    amount_paid: 0,
    description: optionalString(ctx.body, 'description') ?? null,
    collection_method: optionalEnum(ctx.body, 'collection_method', ['charge_automatically', 'send_invoice'] as const) ?? 'charge_automatically',
    customer_email: customer.email,
    customer_name: customer.name,
    customer_phone: customer.phone,
    customer_address: customer.address,
    customer_shipping: customer.shipping,
    payment_intent: null,
    auto_advance: optionalBoolean(ctx.body, 'auto_advance') ?? false,
    metadata: metadataParam(ctx.body),
  });
  linkChild(ctx.store, ctx.livemode, customer.id, invoice.id);
  linkChild(ctx.store, ctx.livemode, invoice.subscription, invoice.id);
  if (subscription) subscription.latest_invoice = invoice.id;
  return invoice;
}

function load(ctx: RequestContext): Invoice {
  return findRecord<Invoice>(ctx, INVOICES, ctx.params.id!, 'invoice');
}

function finalize(ctx: RequestContext): Invoice {
  const invoice = load(ctx);
  if (invoice.status !== 'draft') throw invoiceNotEditable(invoice, 'finalize');
  invoice.status = 'open';
  invoice.number = `EMU-${invoice.id.slice(-6).toUpperCase()}`;
  return invoice;
}

function pay(ctx: RequestContext): Invoice {
  const invoice = load(ctx);
  if (invoice.status !== 'open') throw invoiceNotEditable(invoice, 'pay');
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  return invoice;
}

/** Voids an open invoice; shared with redaction's `fix`. */
export function voidInvoice(invoice: Invoice): void {
  invoice.status = 'void';
}

function voidRoute(ctx: RequestContext): Invoice {
  const invoice = load(ctx);
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') throw invoiceNotEditable(invoice, 'void');
  voidInvoice(invoice);
  return invoice;
}

function remove(ctx: RequestContext): unknown {
  const invoice = load(ctx);
  if (invoice.status !== 'draft') throw invoiceNotEditable(invoice, 'delete');
  ctx.store.collection(INVOICES).delete(invoice.id);
  return { id: invoice.id, object: 'invoice', deleted: true };
}

function list(ctx: RequestContext): unknown {
  const customer = optionalString(ctx.query, 'customer');
  const subscription = optionalString(ctx.query, 'subscription');
  const status = optionalString(ctx.query, 'status');
  const items = listRecords<Invoice>(
    ctx,
    INVOICES,
    (inv) =>
      (customer === undefined || inv.customer === customer) &&
      (subscription === undefined || inv.subscription === subscription) &&
      (status === undefined || inv.status === status),
  );
  return paginate(items, ctx.query, '/v1/invoices');
}

export const invoiceRoutes: Route[] = [
  { method: 'POST', path: '/v1/invoices', kind: 'write', handler: create },
  { method: 'GET', path: '/v1/invoices', kind: 'read', handler: list },
  { method: 'GET', path: '/v1/invoices/:id', kind: 'read', handler: load },
  { method: 'DELETE', path: '/v1/invoices/:id', kind: 'write', handler: remove },
  { method: 'POST', path: '/v1/invoices/:id/finalize', kind: 'write', handler: finalize },
  { method: 'POST', path: '/v1/invoices/:id/pay', kind: 'write', handler: pay },
  { method: 'POST', path: '/v1/invoices/:id/void', kind: 'write', handler: voidRoute },
];
