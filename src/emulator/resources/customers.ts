import { createHash } from 'node:crypto';
import { ApiError } from '../api-error.js';
import type { FormObject, RequestContext, Route } from '../route.js';
import { parseSearchQuery, SearchQuerySyntaxError, type SearchQuery } from '../search-query.js';
import { CUSTOMERS, isCustomerGone, type Customer, type RedactionMarker } from './customer-object.js';
import { customerCollection, indexedListByEmail, searchFields, searchMatches } from './customer-lookup.js';
import { recordCustomerCreated, recordCustomerUpdated } from './customer-events.js';
import { createdFilter, parseLimit, paginate } from './list-helpers.js';
import { publicJson } from '../server.js';
import { expandParam, metadataParam, optionalHash, optionalString } from './params.js';
import { attachPaymentMethod, defaultPaymentMethodFor, isTestCard, resolvePaymentMethod } from './payment-methods.js';
import { createdAt, findRecord, listRecords, newRecordId } from './records.js';

/** Parameters a customer create or update accepts; anything else is a 400 `parameter_unknown`, as in Stripe. */
const WRITABLE = new Set(['email', 'name', 'phone', 'description', 'address', 'shipping', 'metadata', 'invoice_settings', 'expand']);
/** Create also takes `payment_method`: a PaymentMethod (or test card) to attach to the new customer. */
const CREATABLE = new Set([...WRITABLE, 'payment_method']);
const DEFAULT_PM_PARAM = 'invoice_settings[default_payment_method]';

function rejectUnknown(ctx: RequestContext, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(ctx.body)) {
    if (allowed.has(key) || ((key === 'id' || key === 'created') && ctx.internal)) continue;
    throw new ApiError(400, 'invalid_request_error', 'parameter_unknown', `Received unknown parameter: ${key}`, key);
  }
}

/** A nullable text field: absent → keep `previous`, `''` → null (Stripe's unset idiom). */
function textParam(body: FormObject, key: string, previous: string | null): string | null {
  if (body[key] === '') return null;
  return optionalString(body, key) ?? previous;
}

function hashParam(body: FormObject, key: string, previous: Record<string, unknown> | null): Record<string, unknown> | null {
  if (body[key] === undefined) return previous;
  return optionalHash(body, key);
}

/** `invoice_settings[default_payment_method]` as given: `undefined` when absent, `null` for `''` (unset). */
function defaultPaymentMethodParam(body: FormObject): string | null | undefined {
  const settings = optionalHash(body, 'invoice_settings');
  if (settings === null || settings.default_payment_method === undefined) return undefined;
  const value = settings.default_payment_method;
  if (typeof value !== 'string') {
    throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `Invalid string: ${DEFAULT_PM_PARAM}`, DEFAULT_PM_PARAM);
  }
  return value === '' ? null : value;
}

/** `metadata=` (empty) clears every key; `metadata[k]=` removes one. */
function mergedMetadata(body: FormObject, previous: Customer['metadata']): Record<string, string> {
  if (body.metadata === '') return {};
  return metadataParam(body, typeof previous === 'object' ? previous : {});
}

function create(ctx: RequestContext): Customer {
  rejectUnknown(ctx, CREATABLE);
  const { body, store } = ctx;
  // Check the payment method parameters before anything is written.
  const paymentMethodId = optionalString(body, 'payment_method');
  const attached = paymentMethodId === undefined ? undefined : resolvePaymentMethod(ctx, paymentMethodId);
  if (attached && attached.customer !== null) {
    throw new ApiError(400, 'invalid_request_error', 'payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.', 'payment_method');
  }
  const defaultId = defaultPaymentMethodParam(body);
  if (typeof defaultId === 'string' && !isTestCard(defaultId) && defaultId !== paymentMethodId) {
    // A new customer holds no PaymentMethod yet, except the one `payment_method` attaches.
    throw new ApiError(
      400,
      'invalid_request_error',
      'resource_missing',
      `The customer does not have a payment method with the ID ${defaultId}. The payment method must be attached to the customer.`,
      DEFAULT_PM_PARAM,
    );
  }
  const nowMs = store.clockMs();
  const customer = customerCollection(store).insert({
    id: newRecordId(ctx, CUSTOMERS, 'cus'),
    object: 'customer',
    created: createdAt(ctx),
    livemode: ctx.livemode,
    email: textParam(body, 'email', null),
    name: textParam(body, 'name', null),
    phone: textParam(body, 'phone', null),
    description: textParam(body, 'description', null),
    address: hashParam(body, 'address', null),
    shipping: hashParam(body, 'shipping', null),
    metadata: mergedMetadata(body, {}),
    invoice_settings: { default_payment_method: null },
    redaction: null,
    // Seeds are indexed at once; API writes wait out the search lag.
    _searchableAtMs: ctx.internal ? nowMs : nowMs + ctx.settings.searchLagMs,
    _searchPrevious: null,
  });
  if (attached) attachPaymentMethod(ctx, attached, customer);
  if (typeof defaultId === 'string') {
    customer.invoice_settings.default_payment_method = defaultId === paymentMethodId && attached ? attached.id : defaultPaymentMethodFor(ctx, customer, defaultId, DEFAULT_PM_PARAM).id;
  }
  recordCustomerCreated(ctx, customer);
  return customer;
}

/** The stored customer, deleted or not; 404 for an id the caller's mode does not hold. */
function stored(ctx: RequestContext): Customer {
  return findRecord<Customer>(ctx, CUSTOMERS, ctx.params.id ?? '', 'customer');
}

/** A live customer: a deleted one answers 404 to writes, as Stripe does, and so does one being redacted. */
function live(ctx: RequestContext): Customer {
  const customer = stored(ctx);
  if (isCustomerGone(customer)) {
    throw new ApiError(404, 'invalid_request_error', 'resource_missing', `No such customer: '${customer.id}'`, 'id');
  }
  return customer;
}

function deletedStub(customer: Customer): { id: string; object: 'customer'; deleted: true } {
  return { id: customer.id, object: 'customer', deleted: true };
}

/**
 * A customer reads deleted only once it and all its related objects read `redacted` (or when it was
 * deleted over the API); until then a customer being redacted reads as itself with `redaction.status`
 * `processing` or `validated`. [ours] A deleted customer being redacted (`deletedCustomers:
 * 'redact'`) reads the deleted stub plus that `redaction` until it is done.
 */
function retrieve(ctx: RequestContext): Customer | ReturnType<typeof deletedStub> | (ReturnType<typeof deletedStub> & { redaction: RedactionMarker }) {
  const customer = stored(ctx);
  if (!customer.deleted) return customer;
  const pending = customer.redaction !== null && customer.redaction !== undefined && customer.redaction.status !== 'redacted';
  return pending ? { ...deletedStub(customer), redaction: { ...customer.redaction! } } : deletedStub(customer);
}

function update(ctx: RequestContext): Customer {
  rejectUnknown(ctx, WRITABLE);
  const customer = live(ctx);
  const { body, store } = ctx;
  const defaultId = defaultPaymentMethodParam(body);
  // Resolved first: an unknown id changes nothing.
  const defaultPm = typeof defaultId === 'string' ? defaultPaymentMethodFor(ctx, customer, defaultId, DEFAULT_PM_PARAM).id : defaultId;
  const before = publicJson(customer) as Record<string, unknown>;
  const nowMs = store.clockMs();
  // While a newer version still waits out the lag, search keeps the version it last indexed.
  if (nowMs >= customer._searchableAtMs) customer._searchPrevious = searchFields(customer);
  customer.email = textParam(body, 'email', customer.email);
  customer.name = textParam(body, 'name', customer.name);
  customer.phone = textParam(body, 'phone', customer.phone);
  customer.description = textParam(body, 'description', customer.description);
  customer.address = hashParam(body, 'address', customer.address);
  customer.shipping = hashParam(body, 'shipping', customer.shipping);
  customer.metadata = mergedMetadata(body, customer.metadata);
  if (defaultPm !== undefined) customer.invoice_settings = { default_payment_method: defaultPm };
  customer._searchableAtMs = ctx.internal ? nowMs : nowMs + ctx.settings.searchLagMs;
  customerCollection(store).reindex(customer);
  recordCustomerUpdated(ctx, before, customer);
  return customer;
}

function remove(ctx: RequestContext): ReturnType<typeof deletedStub> {
  const customer = live(ctx);
  // The record stays: retrieve answers the deleted stub, and jobs naming it get `resource_missing`.
  customer.deleted = true;
  customerCollection(ctx.store).reindex(customer);
  return deletedStub(customer);
}

function list(ctx: RequestContext) {
  const email = optionalString(ctx.query, 'email');
  // Strongly consistent and case-sensitive, unlike search (docs/stripe.md#finding-customers).
  const inCreated = createdFilter(ctx.query);
  const customers = email === undefined ? listRecords<Customer>(ctx, CUSTOMERS, (c) => !isCustomerGone(c) && inCreated(c.created)) : indexedListByEmail(ctx, email).filter((c) => inCreated(c.created));
  return paginate(customers, ctx.query, '/v1/customers');
}

/** Opaque `page` token: an offset, bound to a hash of the query it belongs to. */
function pageToken(query: string, offset: number): string {
  return `page_${Buffer.from(JSON.stringify({ o: offset, q: queryHash(query) })).toString('base64url')}`;
}

function queryHash(query: string): string {
  return createHash('sha256').update(query).digest('base64url').slice(0, 16);
}

function pageOffset(query: string, page: string | undefined): number {
  if (page === undefined) return 0;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(page.replace(/^page_/, ''), 'base64url').toString('utf8'));
    if (typeof decoded === 'object' && decoded !== null && 'o' in decoded && 'q' in decoded) {
      const { o, q } = decoded as { o: unknown; q: unknown };
      if (Number.isInteger(o) && (o as number) >= 0 && q === queryHash(query)) return o as number;
    }
  } catch {
    // fall through to the 400 below
  }
  throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'Invalid page: use the next_page of a previous search with the same query.', 'page');
}

function parseQueryParam(ctx: RequestContext): { text: string; query: SearchQuery } {
  const text = optionalString(ctx.query, 'query');
  if (text === undefined) {
    throw new ApiError(400, 'invalid_request_error', 'parameter_missing', 'Missing required param: query.', 'query');
  }
  try {
    return { text, query: parseSearchQuery(text) };
  } catch (error) {
    if (error instanceof SearchQuerySyntaxError) throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', error.message, 'query');
    throw error;
  }
}

function search(ctx: RequestContext) {
  const { text, query } = parseQueryParam(ctx);
  const limit = parseLimit(ctx.query);
  const offset = pageOffset(text, optionalString(ctx.query, 'page'));
  const nowMs = ctx.store.clockMs();
  const matches = searchMatches(ctx, query, nowMs);
  const data = matches.slice(offset, offset + limit);
  const hasMore = offset + limit < matches.length;
  const result: Record<string, unknown> = {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? pageToken(text, offset + limit) : null,
    url: '/v1/customers/search',
  };
  if (expandParam(ctx.query).includes('total_count')) result.total_count = matches.length;
  return result;
}

/** Customers: create, retrieve, update, delete, list and search (`kind: 'search'`). */
export const customerRoutes: Route[] = [
  { method: 'POST', path: '/v1/customers', kind: 'write', handler: create },
  { method: 'GET', path: '/v1/customers', kind: 'read', handler: list },
  { method: 'GET', path: '/v1/customers/search', kind: 'search', handler: search },
  { method: 'GET', path: '/v1/customers/:id', kind: 'read', handler: retrieve },
  { method: 'POST', path: '/v1/customers/:id', kind: 'write', handler: update },
  { method: 'DELETE', path: '/v1/customers/:id', kind: 'write', handler: remove },
];
