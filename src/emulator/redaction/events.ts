import type { RequestContext, Route } from '../route.js';
import { createdFilter, paginate } from '../resources/list-helpers.js';
import { optionalString } from '../resources/params.js';
import { findRecord, listRecords } from '../resources/records.js';
import { ApiError, resourceMissing } from '../api-error.js';
import type { FormObject } from '../route.js';
import type { EmulatorStore, StoredObject } from '../store.js';

/** Collection of events in the `EmulatorStore`. */
export const EVENTS = 'events';

/** Stripe keeps events for 30 days (docs.stripe.com/api/events): older ones, by the emulator's clock, are gone. */
const EVENT_RETENTION_SECONDS = 30 * 86_400;

function isRetained(ctx: RequestContext, event: StripeEvent): boolean {
  return event.created > ctx.store.nowSeconds() - EVENT_RETENTION_SECONDS;
}

/** The API version the preview SDK sends, recorded on events as Stripe does. */
const API_VERSION = '2026-08-26.preview';

/** The five redaction job event types (no event for `validating`, `redacting`, `canceling`). */
export type RedactionEventType =
  | 'privacy.redaction_job.created'
  | 'privacy.redaction_job.validation_error'
  | 'privacy.redaction_job.ready'
  | 'privacy.redaction_job.succeeded'
  | 'privacy.redaction_job.canceled';

/** The customer event types the emulator records (customer creates and updates, as Stripe sends them). */
export type CustomerEventType = 'customer.created' | 'customer.updated';

/** A Stripe `event`: `data.object` is a snapshot of the object when the event happened. */
export interface StripeEvent extends StoredObject {
  object: 'event';
  type: string;
  api_version: string;
  /** `previous_attributes`: on `*.updated` events, the changed fields' values before the change. */
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
}

/**
 * Records an event with a snapshot of its object. `created` defaults to now on the emulator's clock;
 * a seeded customer dated in the past has its `customer.created` dated with it.
 */
export function recordEvent(
  store: EmulatorStore,
  type: RedactionEventType | CustomerEventType,
  snapshot: Record<string, unknown>,
  livemode: boolean,
  created: number = store.nowSeconds(),
): StripeEvent {
  return store.collection<StripeEvent>(EVENTS).insert({
    id: store.newId('evt'),
    object: 'event',
    created,
    livemode,
    type,
    api_version: API_VERSION,
    data: { object: structuredClone(snapshot) },
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
  });
}

/** `types[]=a&types[]=b` (or indexed) as a list; `undefined` when absent. */
function typesParam(query: FormObject): string[] | undefined {
  const value = query.types;
  if (value === undefined || value === '') return undefined;
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : Object.values(value);
  if (!list.every((item): item is string => typeof item === 'string' && item !== '')) {
    throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'Invalid array: types must be a list of event types', 'types');
  }
  // Stripe caps the list at 20 types.
  if (list.length > 20) throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'types: at most 20 event types', 'types');
  return list;
}

/** One event type pattern: exact, or with one trailing `*` wildcard (`privacy.redaction_job.*`). */
function typeMatches(pattern: string, eventType: string): boolean {
  return pattern.endsWith('*') ? eventType.startsWith(pattern.slice(0, -1)) : eventType === pattern;
}

function list(ctx: RequestContext): unknown {
  const type = optionalString(ctx.query, 'type');
  const types = typesParam(ctx.query);
  if (type !== undefined && types !== undefined) {
    throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'You may only specify one of these parameters: type, types.', 'types');
  }
  const patterns = types ?? (type === undefined ? undefined : [type]);
  const inCreated = createdFilter(ctx.query);
  return paginate(
    listRecords<StripeEvent>(ctx, EVENTS, (e) => (patterns === undefined || patterns.some((p) => typeMatches(p, e.type))) && inCreated(e.created) && isRetained(ctx, e)),
    ctx.query,
    '/v1/events',
  );
}

function retrieve(ctx: RequestContext): StripeEvent {
  const event = findRecord<StripeEvent>(ctx, EVENTS, ctx.params.id!, 'event');
  if (!isRetained(ctx, event)) throw resourceMissing('event', event.id);
  return event;
}

export const eventRoutes: Route[] = [
  { method: 'GET', path: '/v1/events', kind: 'read', handler: list },
  { method: 'GET', path: '/v1/events/:id', kind: 'read', handler: retrieve },
];
