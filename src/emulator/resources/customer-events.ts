import { recordEvent } from '../redaction/events.js';
import type { RequestContext } from '../route.js';
import { publicJson } from '../server.js';
import type { Customer } from './customer-object.js';

/**
 * `customer.created` and `customer.updated`, as Stripe sends them: `data.object` is the customer as
 * the API answers it at that moment, and an update's `data.previous_attributes` holds the top-level
 * fields it changed, with their values before. A seeded customer dated in the past has its
 * `customer.created` dated with it, so the 30-day window of `GET /v1/events` treats it as Stripe would.
 */
export function recordCustomerCreated(ctx: RequestContext, customer: Customer): void {
  recordEvent(ctx.store, 'customer.created', publicJson(customer) as Record<string, unknown>, customer.livemode, Math.min(customer.created, ctx.store.nowSeconds()));
}

/** Records `customer.updated` when `before` (the public view before the update) differs from the customer now. */
export function recordCustomerUpdated(ctx: RequestContext, before: Record<string, unknown>, customer: Customer): void {
  const after = publicJson(customer) as Record<string, unknown>;
  const previous: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(before)) {
    if (JSON.stringify(value) !== JSON.stringify(after[key])) previous[key] = value;
  }
  if (Object.keys(previous).length === 0) return; // Stripe sends no event for an update that changed nothing
  const event = recordEvent(ctx.store, 'customer.updated', after, customer.livemode);
  event.data.previous_attributes = previous;
}
