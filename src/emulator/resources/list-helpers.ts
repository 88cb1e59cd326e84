import { ApiError, parameterInvalid } from '../api-error.js';
import type { FormObject } from '../route.js';
import { optionalString } from './params.js';

/** Stripe's list envelope. See https://docs.stripe.com/api/pagination. */
export interface ListEnvelope<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/** `limit` as Stripe reads it: an integer from 1 to 100. @default 10 */
export function parseLimit(query: FormObject): number {
  const raw = optionalString(query, 'limit');
  if (raw === undefined) return 10;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > 100) {
    throw parameterInvalid('limit', `Invalid limit: must be an integer from 1 to 100, got ${raw}`, 'parameter_invalid_integer');
  }
  return limit;
}

/**
 * One page of `items`, which must already be in list order (newest first for Stripe's object lists).
 * `starting_after` returns the items after the cursor; `ending_before` the `limit` items just before it,
 * with `has_more` telling whether older-in-the-other-direction items remain. An unknown cursor is a 400,
 * as in Stripe.
 */
export function paginate<T extends { id: string }>(items: readonly T[], query: FormObject, url: string): ListEnvelope<T> {
  const limit = parseLimit(query);
  const startingAfter = optionalString(query, 'starting_after');
  const endingBefore = optionalString(query, 'ending_before');
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'You may only specify one of these parameters: starting_after, ending_before.', 'ending_before');
  }
  const cursorIndex = (param: string, id: string): number => {
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) throw new ApiError(400, 'invalid_request_error', 'resource_missing', `No such object: '${id}'`, param);
    return index;
  };
  if (endingBefore !== undefined) {
    const end = cursorIndex('ending_before', endingBefore);
    const start = Math.max(0, end - limit);
    return { object: 'list', data: items.slice(start, end), has_more: start > 0, url };
  }
  const start = startingAfter === undefined ? 0 : cursorIndex('starting_after', startingAfter) + 1;
  const data = items.slice(start, start + limit);
  return { object: 'list', data, has_more: start + limit < items.length, url };
}

const CREATED_BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;

/**
 * Stripe's `created` list filter: an exact unix time (`created=1700000000`) or bounds
 * (`created[gte]=…&created[lt]=…`). Returns the predicate on an object's `created`; a malformed value
 * is a 400 naming the parameter. No filter: everything passes.
 */
export function createdFilter(query: FormObject): (created: number) => boolean {
  const value = query.created;
  if (value === undefined || value === '') return () => true;
  const integer = (raw: unknown, param: string): number => {
    if (typeof raw !== 'string' || !/^\d{1,12}$/.test(raw)) throw parameterInvalid(param, `Invalid integer: ${String(raw)}`, 'parameter_invalid_integer');
    return Number(raw);
  };
  if (typeof value === 'string') {
    const exact = integer(value, 'created');
    return (created) => created === exact;
  }
  if (Array.isArray(value)) throw parameterInvalid('created', 'Invalid created: an integer or a hash of gt, gte, lt, lte', 'parameter_invalid');
  const bounds: Partial<Record<(typeof CREATED_BOUNDS)[number], number>> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (!(CREATED_BOUNDS as readonly string[]).includes(key)) {
      throw new ApiError(400, 'invalid_request_error', 'parameter_unknown', `Received unknown parameter: created[${key}]`, `created[${key}]`);
    }
    bounds[key as (typeof CREATED_BOUNDS)[number]] = integer(raw, `created[${key}]`);
  }
  const { gt, gte, lt, lte } = bounds;
  return (created) =>
    (gt === undefined || created > gt) && (gte === undefined || created >= gte) && (lt === undefined || created < lt) && (lte === undefined || created <= lte);
}
