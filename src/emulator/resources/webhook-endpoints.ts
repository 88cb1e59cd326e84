import { randomBytes } from 'node:crypto';
import { ApiError } from '../api-error.js';
import type { FormObject, RequestContext, Route } from '../route.js';
import type { StoredObject } from '../store.js';
import { paginate } from './list-helpers.js';
import { metadataParam, optionalBoolean, optionalString, requiredString } from './params.js';
import { findRecord, listRecords, newRecordId, createdAt } from './records.js';

/** Collection of webhook endpoints in the `EmulatorStore`. */
export const WEBHOOK_ENDPOINTS = 'webhook_endpoints';

/**
 * A webhook endpoint as `GET /v1/webhook_endpoints` shows it (docs.stripe.com/api/webhook_endpoints):
 * where the account's events go, and which. The emulator records them for clients that read who
 * received what; it delivers to `--webhook` URLs only, not to these.
 */
export interface WebhookEndpoint extends StoredObject {
  object: 'webhook_endpoint';
  url: string;
  /** Event types, or `['*']` for every event. */
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  description: string | null;
  metadata: Record<string, string>;
  api_version: string | null;
  application: null;
  /** Shown only in the create answer, as in Stripe. */
  _secret: string;
}

const WRITABLE = new Set(['url', 'enabled_events', 'description', 'metadata', 'api_version', 'disabled', 'expand']);

function rejectUnknown(ctx: RequestContext, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(ctx.body)) {
    if (allowed.has(key) || ((key === 'id' || key === 'created') && ctx.internal)) continue;
    throw new ApiError(400, 'invalid_request_error', 'parameter_unknown', `Received unknown parameter: ${key}`, key);
  }
}

/** `enabled_events[]=a&enabled_events[]=b`: at least one type; `*` only alone. */
function enabledEventsParam(body: FormObject, required: boolean): string[] | undefined {
  const value = body.enabled_events;
  if (value === undefined || value === '') {
    if (!required) return undefined;
    throw new ApiError(400, 'invalid_request_error', 'parameter_missing', 'Missing required param: enabled_events.', 'enabled_events');
  }
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : Object.values(value);
  if (list.length === 0 || !list.every((item): item is string => typeof item === 'string' && /^(\*|[a-z_]+(\.[a-z_]+)+)$/.test(item))) {
    throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'Invalid enabled_events: a list of event types such as customer.created, or *', 'enabled_events');
  }
  return [...new Set(list)];
}

function urlParam(body: FormObject, required: boolean): string | undefined {
  const url = required ? requiredString(body, 'url') : optionalString(body, 'url');
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ApiError(400, 'invalid_request_error', 'url_invalid', `Invalid URL: ${url}`, 'url');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ApiError(400, 'invalid_request_error', 'url_invalid', `Invalid URL: ${url}`, 'url');
  return url;
}

function create(ctx: RequestContext): WebhookEndpoint & { secret: string } {
  rejectUnknown(ctx, WRITABLE);
  const url = urlParam(ctx.body, true)!;
  const enabledEvents = enabledEventsParam(ctx.body, true)!;
  const endpoint = ctx.store.collection<WebhookEndpoint>(WEBHOOK_ENDPOINTS).insert({
    id: newRecordId(ctx, WEBHOOK_ENDPOINTS, 'we'),
    object: 'webhook_endpoint',
    created: createdAt(ctx),
    livemode: ctx.livemode,
    url,
    enabled_events: enabledEvents,
    status: optionalBoolean(ctx.body, 'disabled') === true ? 'disabled' : 'enabled',
    description: optionalString(ctx.body, 'description') ?? null,
    metadata: metadataParam(ctx.body),
    api_version: optionalString(ctx.body, 'api_version') ?? null,
    application: null,
    _secret: `whsec_${randomBytes(24).toString('base64url')}`,
  });
  return { ...endpoint, secret: endpoint._secret };
}

function retrieve(ctx: RequestContext): WebhookEndpoint {
  return findRecord<WebhookEndpoint>(ctx, WEBHOOK_ENDPOINTS, ctx.params.id ?? '', 'webhook_endpoint');
}

function update(ctx: RequestContext): WebhookEndpoint {
  rejectUnknown(ctx, new Set([...WRITABLE].filter((key) => key !== 'api_version')));
  const endpoint = retrieve(ctx);
  const url = urlParam(ctx.body, false);
  const enabledEvents = enabledEventsParam(ctx.body, false);
  const disabled = optionalBoolean(ctx.body, 'disabled');
  if (url !== undefined) endpoint.url = url;
  if (enabledEvents !== undefined) endpoint.enabled_events = enabledEvents;
  if (disabled !== undefined) endpoint.status = disabled ? 'disabled' : 'enabled';
  if (ctx.body.description !== undefined) endpoint.description = optionalString(ctx.body, 'description') ?? null;
  endpoint.metadata = metadataParam(ctx.body, endpoint.metadata);
  return endpoint;
}

function remove(ctx: RequestContext): { id: string; object: 'webhook_endpoint'; deleted: true } {
  const endpoint = retrieve(ctx);
  ctx.store.collection(WEBHOOK_ENDPOINTS).delete(endpoint.id);
  return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
}

function list(ctx: RequestContext): unknown {
  return paginate(listRecords<WebhookEndpoint>(ctx, WEBHOOK_ENDPOINTS), ctx.query, '/v1/webhook_endpoints');
}

/** Webhook endpoints: create, retrieve, update (`disabled` sets `status`), delete, list. */
export const webhookEndpointRoutes: Route[] = [
  { method: 'POST', path: '/v1/webhook_endpoints', kind: 'write', handler: create },
  { method: 'GET', path: '/v1/webhook_endpoints', kind: 'read', handler: list },
  { method: 'GET', path: '/v1/webhook_endpoints/:id', kind: 'read', handler: retrieve },
  { method: 'POST', path: '/v1/webhook_endpoints/:id', kind: 'write', handler: update },
  { method: 'DELETE', path: '/v1/webhook_endpoints/:id', kind: 'write', handler: remove },
];
