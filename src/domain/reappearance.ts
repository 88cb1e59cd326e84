/**
 * The watch's decisions, pure: where a watch starts reading, and whether a customer seen with an
 * erased request's email is a reappearance.
 */

/** Stripe keeps events for 30 days (docs.stripe.com/api/events). */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;

/** A cursor this close to the edge of the window counts as past it: clocks differ, and a page takes time. */
const EDGE_MARGIN_SECONDS = 3600;

/** A first watch starts this far inside the window, so its first page is not already past the edge. */
const FIRST_WATCH_MARGIN_SECONDS = 60;

/** Where a watch reads from, and how. */
export type WatchStart =
  /** Events from `from` on: the cursor, or 30 days back for a first watch. */
  | { source: 'events'; from: number; first: boolean }
  /** The cursor is older than Stripe keeps events: customers created since it, listed instead. */
  | { source: 'customers'; from: number }
  /** No request is erased yet: nothing to compare with, nothing to read. */
  | { source: 'nothing_erased' };

/**
 * Where a watch reads from: its cursor (a first watch: 30 days back, all Stripe keeps), but never
 * before the earliest settlement the state holds — nothing written before it can be a reappearance
 * — and not at all while no request is erased. A start older than the events Stripe keeps (an hour
 * of margin for clocks) means events were lost: the watch lists the customers created since it
 * instead (which misses changed emails; the caller says so).
 */
export function planWatch(cursor: number | undefined, nowSeconds: number, earliestSettled: number | undefined): WatchStart {
  if (earliestSettled === undefined) return { source: 'nothing_erased' };
  const oldestKept = nowSeconds - EVENT_RETENTION_SECONDS;
  // A first watch reads what Stripe keeps: it has lost nothing, whatever its start.
  if (cursor === undefined) return { source: 'events', from: Math.max(oldestKept + FIRST_WATCH_MARGIN_SECONDS, earliestSettled), first: true };
  const from = Math.max(cursor, earliestSettled);
  if (from < oldestKept + EDGE_MARGIN_SECONDS) return { source: 'customers', from };
  return { source: 'events', from, first: false };
}

/** What the state knows of the request an email belongs to. */
export interface ErasedRequest {
  /** ISO-8601: when the request was first seen settled. */
  settledAt: string;
}

/**
 * A customer seen carrying an erased request's email is a reappearance when Stripe wrote it after the
 * request was settled: before that it is the very data the erasure removed. Never acted on: a person
 * decides (a returning customer is lawful).
 */
export function isReappearance(request: ErasedRequest | undefined, seenAtSeconds: number): boolean {
  if (request === undefined) return false;
  const settled = Date.parse(request.settledAt);
  return Number.isFinite(settled) && seenAtSeconds * 1000 > settled;
}
