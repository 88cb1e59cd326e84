/**
 * The reappearance watch (issue 18): reads the account's customer events since the state's cursor
 * and names every customer written with an erased request's email after that request was settled.
 * It never acts on what it finds: a returning customer is lawful, and a person decides.
 *
 * Cost: one `GET /v1/events` page per 100 events, no call per customer (the email is in the event).
 * Where the cursor is older than the 30 days Stripe keeps events, it lists the customers created
 * since the cursor instead, and says so. A key without the permission to read events falls back to
 * that list; one without either skips the watch with one warning: a run never fails for it.
 */
import { isReappearance, planWatch, type WatchStart } from '../domain/reappearance.js';
import { GatewayError } from '../errors.js';
import { writeReappearedCsv, type ReappearedRow } from '../report/after-erasure-files.js';
import type { Logger } from '../io/logger.js';
import type { StateStore } from '../state/state-store.js';
import type { SightingPage, StripeGateway } from '../stripe/gateway.js';

/** A plan that reads something. */
type ReadPlan = Exclude<WatchStart, { source: 'nothing_erased' }>;

/** Events written this long before the watch may still be on their way into the list: read again next time. */
const VISIBILITY_LAG_SECONDS = 300;

/** Permissions a restricted key needs, as docs/operations.md#the-state lists them. */
export const EVENTS_PERMISSION = 'Events: Read';
export const CUSTOMERS_PERMISSION = 'Customers: Read';

/** What a watch did, for summary.json (`watch`) and the stderr summary. */
export interface WatchOutcome {
  /** `events`, `customers` (the fallback), or `skipped` (no permission to read either). */
  source: 'events' | 'customers' | 'skipped';
  /** ISO-8601: what it read from. */
  from: string;
  /** Pages read. */
  pages: number;
  /** Customers seen (events or listed customers). */
  seen: number;
  /**
   * Reappearances not yet listed in a reappeared.csv: those this watch found, and any an earlier
   * watch found but was stopped before listing. {@link reportReappearances} lists and marks them.
   */
  reappeared: ReappearedRow[];
  /** Why it fell back or was skipped, in words; absent when it read events as planned. */
  note?: string;
}

export interface WatchPorts {
  gateway: StripeGateway;
  store: StateStore;
  logger: Logger;
  /** The run that watches (null for `stripe-redact watch`). */
  runId: string | null;
  /** @default the system clock, unix seconds */
  nowSeconds?: () => number;
  signal?: AbortSignal;
}

export async function watchReappearances(ports: WatchPorts): Promise<WatchOutcome> {
  const { store, logger } = ports;
  const now = (ports.nowSeconds ?? (() => Math.floor(Date.now() / 1000)))();
  const planned = planWatch(store.watchCursor(), now, store.earliestSettlement());
  if (planned.source === 'nothing_erased') {
    // Nothing to compare with: read nothing, and start the next watch from here.
    store.setWatchCursor(now - VISIBILITY_LAG_SECONDS);
    return { source: 'events', from: iso(now - VISIBILITY_LAG_SECONDS), pages: 0, seen: 0, reappeared: [] };
  }
  let plan: ReadPlan = planned;
  let note: string | undefined;
  if (plan.source === 'customers') {
    note = `the watch starts at ${iso(plan.from)} (its cursor: no watch since), older than the 30 days of events Stripe keeps: listed the customers created since then instead (a customer whose email was changed to an erased one is not seen this time)`;
    logger.warn(note);
  }
  const outcome: WatchOutcome = { source: plan.source, from: iso(plan.from), pages: 0, seen: 0, reappeared: [] };
  for (;;) {
    try {
      await readAll(plan, ports, outcome);
      break;
    } catch (error) {
      if (!(error instanceof GatewayError && error.kind === 'permission')) throw error;
      if (plan.source === 'events') {
        note = `the key may not read events (${EVENTS_PERMISSION}): listed the customers created since ${iso(plan.from)} instead (a changed email is not seen)`;
        logger.warn(note);
        plan = { source: 'customers', from: plan.from };
        outcome.source = 'customers';
        continue;
      }
      note = `the reappearance watch was skipped: the key may read neither events (${EVENTS_PERMISSION}) nor customers (${CUSTOMERS_PERMISSION})`;
      logger.warn(note);
      outcome.source = 'skipped';
      outcome.note = note;
      return outcome;
    }
  }
  if (ports.signal?.aborted) return { ...outcome, ...(note ? { note } : {}) };
  // Everything written before (now − lag) was read: the next watch starts there. Re-reading the lag
  // costs little, and a customer is reported once whatever is read twice.
  store.setWatchCursor(Math.max(plan.from, now - VISIBILITY_LAG_SECONDS));
  if (note) outcome.note = note;
  outcome.reappeared = store.unreportedReappearances().map((r) => ({
    customerId: r.customerId,
    customerCreated: iso(r.customerCreated),
    requestKey: r.key,
    requestId: r.requestId,
    settledOn: r.settledAt.slice(0, 10),
  }));
  logger.info('reappearance watch', { source: outcome.source, from: outcome.from, pages: outcome.pages, seen: outcome.seen, reappeared: outcome.reappeared.length });
  return outcome;
}

async function readAll(plan: ReadPlan, ports: WatchPorts, outcome: WatchOutcome): Promise<void> {
  const { gateway, store } = ports;
  let startingAfter: string | undefined;
  for (;;) {
    if (ports.signal?.aborted) return;
    const params = { createdGte: plan.from, ...(startingAfter ? { startingAfter } : {}) };
    const page: SightingPage = plan.source === 'events' ? await gateway.listCustomerEvents(params) : await gateway.listCustomersCreatedSince(params);
    outcome.pages += 1;
    store.transaction(() => {
      for (const sighting of page.data) {
        outcome.seen += 1;
        if (sighting.email === null || sighting.email.trim() === '') continue;
        const key = store.emailKey(sighting.email.trim().toLowerCase());
        const erasure = store.erasureOf(key);
        if (erasure === undefined || !isReappearance(erasure, sighting.at)) continue;
        store.noteReappearance({ customerId: sighting.customerId, key, seenAt: sighting.at, customerCreated: sighting.customerCreated }, ports.runId);
      }
    });
    if (!page.hasMore || page.last === undefined) return;
    startingAfter = page.last;
  }
}

/**
 * Writes `<out>/reappeared.csv` with the watch's reappearances, then marks them listed: written
 * first, so a watch stopped in between lists them again rather than never.
 */
export async function reportReappearances(store: StateStore, outDir: string, reappeared: readonly ReappearedRow[]): Promise<string> {
  const path = await writeReappearedCsv(outDir, reappeared);
  store.markReappearancesReported(reappeared.map((r) => ({ customerId: r.customerId, key: r.requestKey })));
  return path;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
