import type { RequestContext, Route } from '../route.js';
import { paginate } from '../resources/list-helpers.js';
import { optionalString } from '../resources/params.js';
import { findRecord, listRecords } from '../resources/records.js';
import { resourceMissing } from '../api-error.js';
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

/** A Stripe `event`: `data.object` is a snapshot of the object when the event happened. */
export interface StripeEvent extends StoredObject {
  object: 'event';
  type: string;
  api_version: string;
  data: { object: Record<string, unknown> };
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
}

export function recordEvent(store: EmulatorStore, type: RedactionEventType, snapshot: Record<string, unknown>, livemode: boolean): StripeEvent {
  return store.collection<StripeEvent>(EVENTS).insert({
    id: store.newId('evt'),
    object: 'event',
    created: store.nowSeconds(),
    livemode,
    type,
    api_version: API_VERSION,
    data: { object: structuredClone(snapshot) },
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
  });
}

function list(ctx: RequestContext): unknown {
  const type = optionalString(ctx.query, 'type');
  // Stripe's `type` filter accepts one `*` wildcard, e.g. `privacy.redaction_job.*`.
  const matches = (eventType: string): boolean =>
    type === undefined || (type.endsWith('*') ? eventType.startsWith(type.slice(0, -1)) : eventType === type);
  return paginate(listRecords<StripeEvent>(ctx, EVENTS, (e) => matches(e.type) && isRetained(ctx, e)), ctx.query, '/v1/events');
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
