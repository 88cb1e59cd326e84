import { CHARGES, PAYMENT_INTENTS } from '../resources/graph-objects.js';
import { CUSTOMERS, type RedactionMarker } from '../resources/customer-object.js';
import type { EmulatorSettings } from '../route.js';
import type { Collection, EmulatorStore, StoredObject } from '../store.js';
import { maskPersonalData } from './personal-data.js';

/**
 * What a redacted object reads after its job succeeded (docs/stripe.md#emulator-variants), computed from the
 * emulator's clock whenever a request comes in — no timers:
 * - an object reads `processing` for `settleMs`, then `redacted`, and only then is its personal
 *   data replaced by "[redacted]";
 * - under `youngCharges: 'validated'`, a charge or PaymentIntent younger than `youngDays` (by its
 *   `created`) reads `validated` and keeps its data until it ages; its settle period starts then;
 * - a customer reads the least advanced status of its own and of its related objects' (its
 *   cascade), and is deleted (retrieve: `{id, object, deleted: true}`) once all of them are redacted.
 * Invoices and Subscriptions carry no `redaction` field in Stripe's API: they are masked as soon as
 * their job succeeds.
 */

export type RedactionStatus = RedactionMarker['status'];

/** Least advanced first: a customer reads the first of these that any of its objects reads. */
const PROGRESS: readonly RedactionStatus[] = ['validated', 'processing', 'redacted'];

const DAY_MS = 86_400_000;

/** The collections whose objects carry Stripe's `redaction` field (stripe-node, pinned version). */
export const COLLECTIONS_WITH_REDACTION_FIELD: ReadonlySet<string> = new Set([
  CUSTOMERS,
  PAYMENT_INTENTS,
  CHARGES,
  'payment_methods',
  'setup_intents',
  'checkout_sessions',
]);

/** Collections whose young objects `youngCharges: 'validated'` holds. */
const HELD_WHILE_YOUNG: ReadonlySet<string> = new Set([CHARGES, PAYMENT_INTENTS]);

/** The inputs of one object's status; all times in ms on the emulator's clock. */
export interface ObjectStatusInput {
  nowMs: number;
  /** When the job that redacts the object succeeded. */
  succeededAtMs: number;
  /** The object's `created`, in unix seconds. */
  createdSeconds: number;
  /** Whether the object is held while young (a charge or PaymentIntent under `youngCharges: 'validated'`). */
  heldWhileYoung: boolean;
  settleMs: number;
  youngDays: number;
}

/** An object's status now, and when it changes next (`null`: never, it is redacted). */
export function objectRedactionStatus(input: ObjectStatusInput): { status: RedactionStatus; changesAtMs: number | null } {
  let eligibleAtMs = input.succeededAtMs;
  if (input.heldWhileYoung) {
    const agedAtMs = input.createdSeconds * 1000 + input.youngDays * DAY_MS;
    if (input.nowMs < agedAtMs) return { status: 'validated', changesAtMs: agedAtMs };
    eligibleAtMs = Math.max(eligibleAtMs, agedAtMs);
  }
  const redactedAtMs = eligibleAtMs + input.settleMs;
  return input.nowMs < redactedAtMs ? { status: 'processing', changesAtMs: redactedAtMs } : { status: 'redacted', changesAtMs: null };
}

/** The least advanced of `statuses` (`validated` < `processing` < `redacted`); `redacted` for none. */
export function leastAdvanced(statuses: Iterable<RedactionStatus>): RedactionStatus {
  let least = PROGRESS.length - 1;
  for (const status of statuses) least = Math.min(least, PROGRESS.indexOf(status));
  return PROGRESS[least]!;
}

/** An object a job redacted that does not read `redacted` yet. */
interface SettlingEntry extends StoredObject {
  object: 'redaction_settling';
  /** The collection that holds the object (its `id` is the entry's). */
  collection: string;
  succeededAtMs: number;
  /** For a customer: the objects of its cascade that carry a `redaction` field; `null` for the others. */
  related: { collection: string; id: string }[] | null;
}

/** When the sweep must look again, and under which settings that was computed. */
interface SettlingMeta extends StoredObject {
  object: 'redaction_settling_meta';
  nextChangeAtMs: number;
  signature: string;
}

const SETTLING = 'redaction_settling';
const SETTLING_META = 'redaction_settling_meta';

/** A stored object with Stripe's `redaction` field and the emulator's record of its job. */
export type RedactionTrackedRecord = StoredObject & { redaction?: RedactionMarker | null; _redactionSucceededAtMs?: number; deleted?: true };

function metaOf(store: EmulatorStore): SettlingMeta {
  const metas = store.collection<SettlingMeta>(SETTLING_META);
  return metas.get('meta') ?? metas.insert({ id: 'meta', object: 'redaction_settling_meta', created: 0, livemode: false, nextChangeAtMs: 0, signature: '' });
}

/** An object (the root first, then its cascade) whose job succeeded now. */
export interface RedactedCascade {
  /** Each object once, the root first, with the collection that holds it. */
  objects: { collection: string; object: RedactionTrackedRecord }[];
}

/**
 * Records that a job redacting these cascades succeeded now: kinds without a `redaction` field are
 * masked at once; the others start settling (an object already settling keeps its first start).
 * Statuses are brought up to now before returning, so with `settleMs: 0` and nothing held every
 * object reads `redacted` (and a customer deleted) as soon as the job succeeds.
 */
export function beginSettling(store: EmulatorStore, settings: EmulatorSettings, cascades: readonly RedactedCascade[]): void {
  const nowMs = store.clockMs();
  const entries = store.collection<SettlingEntry>(SETTLING);
  for (const { objects } of cascades) {
    for (const [index, { collection, object }] of objects.entries()) {
      if (object._redactionSucceededAtMs !== undefined) continue;
      object._redactionSucceededAtMs = nowMs;
      if (!COLLECTIONS_WITH_REDACTION_FIELD.has(collection)) {
        maskPersonalData(collection, object);
        continue;
      }
      const related =
        index === 0 && collection === CUSTOMERS
          ? objects.slice(1).filter((o) => COLLECTIONS_WITH_REDACTION_FIELD.has(o.collection)).map((o) => ({ collection: o.collection, id: o.object.id }))
          : null;
      entries.insert({ id: object.id, object: 'redaction_settling', created: 0, livemode: object.livemode, collection, succeededAtMs: nowMs, related });
      // A customer leaves search and the email list now, not when it finally reads deleted.
      if (collection === CUSTOMERS) store.collection(CUSTOMERS).reindex(object);
    }
  }
  metaOf(store).nextChangeAtMs = Number.NEGATIVE_INFINITY;
  settleRedactions(store, settings);
}

/**
 * Brings every settling object's `redaction.status` up to the clock; masks those that now read
 * `redacted`. Cheap when nothing is due: it remembers when the next status changes.
 */
export function settleRedactions(store: EmulatorStore, settings: EmulatorSettings): void {
  const entries = store.collection<SettlingEntry>(SETTLING);
  if (entries.size === 0) return;
  const meta = metaOf(store);
  const nowMs = store.clockMs();
  const signature = `${settings.settleMs}/${settings.youngDays}/${settings.variants.youngCharges}`;
  if (meta.signature === signature && nowMs < meta.nextChangeAtMs) return;

  let nextChangeAtMs = Number.POSITIVE_INFINITY;
  const customers: SettlingEntry[] = [];
  for (const entry of entries.all()) {
    if (entry.related !== null) {
      customers.push(entry);
      continue;
    }
    const object = store.collection<RedactionTrackedRecord>(entry.collection).get(entry.id);
    if (!object) {
      entries.delete(entry.id);
      continue;
    }
    const { status, changesAtMs } = objectRedactionStatus({
      nowMs,
      succeededAtMs: entry.succeededAtMs,
      createdSeconds: object.created,
      heldWhileYoung: settings.variants.youngCharges === 'validated' && HELD_WHILE_YOUNG.has(entry.collection),
      settleMs: settings.settleMs,
      youngDays: settings.youngDays,
    });
    settle(entries, entry, object, status);
    if (changesAtMs !== null) nextChangeAtMs = Math.min(nextChangeAtMs, changesAtMs);
  }
  // Customers last: they read what their related objects read now.
  for (const entry of customers) {
    const customer = store.collection<RedactionTrackedRecord>(CUSTOMERS).get(entry.id);
    if (!customer) {
      entries.delete(entry.id);
      continue;
    }
    const ownSettledAtMs = entry.succeededAtMs + settings.settleMs;
    const own: RedactionStatus = nowMs < ownSettledAtMs ? 'processing' : 'redacted';
    if (own === 'processing') nextChangeAtMs = Math.min(nextChangeAtMs, ownSettledAtMs);
    const related = (entry.related ?? []).flatMap((ref) => {
      const status = store.collection<RedactionTrackedRecord>(ref.collection).get(ref.id)?.redaction?.status;
      return status === undefined ? [] : [status];
    });
    settle(entries, entry, customer, leastAdvanced([own, ...related]));
    if (customer.redaction?.status === 'redacted') store.collection(CUSTOMERS).reindex(customer);
  }
  meta.signature = signature;
  meta.nextChangeAtMs = nextChangeAtMs;
}

/** Writes the status; once `redacted`, masks the object and stops tracking it. */
function settle(entries: Collection<SettlingEntry>, entry: SettlingEntry, object: RedactionTrackedRecord, status: RedactionStatus): void {
  object.redaction = { status };
  if (status !== 'redacted') return;
  maskPersonalData(entry.collection, object);
  entries.delete(entry.id);
}
