/**
 * Proof from Stripe, not from our bookkeeping (issue 14; docs/contract.md#result-csv, status
 * `redacted`): what one read of an object says about its redaction, and the words the report uses
 * for it. Pure.
 *
 * A job's `succeeded` says the job finished; only the objects say they are redacted. A redacted
 * customer reads `deleted: true` (Stripe's redaction guide); other objects carry
 * `redaction.status` — `processing`, `validated` ("passed validation but isn't redacted yet", e.g.
 * charges younger than 90 days: changelog 2026-06-24) or `redacted`. Invoices carry no such field.
 */
import type { ObjectType } from './identifier.js';

/**
 * What Stripe stated about an object when it was read:
 * - `missing`: 404, no such object;
 * - `deleted`: `{id, object, deleted: true}`;
 * - `none`: `redaction: null` — in no redaction;
 * - `processing`, `validated`, `redacted`: its `redaction.status`;
 * - `no_field`: the object carries no `redaction` field at all (invoices, or an API version without it);
 * - `unknown`: a `redaction.status` this version does not know (kept in `raw`).
 */
export const STATED_STATUSES = ['missing', 'deleted', 'none', 'processing', 'validated', 'redacted', 'no_field', 'unknown'] as const;
export type StatedStatus = (typeof STATED_STATUSES)[number];

/** One read of one object, as the gateway maps Stripe's answer. */
export interface StripeReading {
  stated: StatedStatus;
  /** The `redaction.status` as Stripe sent it, when `stated` is `unknown`. */
  raw?: string;
  /** The object's `created` (Unix seconds), when it has one and the read showed it. */
  created: number | null;
}

/** What the state keeps of the last read of an object: Stripe's words and when. */
export interface StripeRecord extends StripeReading {
  /** ISO-8601: when Stripe was read. */
  readAt: string;
  /** ISO-8601: when Stripe was read showing it redacted; null while it does not. */
  verifiedAt: string | null;
}

/** Why an object whose job succeeded is not redacted yet, in Stripe's terms. */
export type PendingWhy =
  /** `redaction.status: processing`: Stripe is still redacting it. */
  | 'processing'
  /** `redaction.status: validated`: held until eligible (e.g. charges younger than 90 days). */
  | 'validated'
  /** It shows no redaction at all (`redaction: null`; a customer not deleted and with no `redaction`). */
  | 'not_shown'
  /** A `redaction.status` this version does not know. */
  | 'unknown';

/** The verdict on one object whose job (of this state) succeeded. */
export type Verdict =
  /**
   * `proof`: `deleted` (a customer, per the guide), `redaction_status` (its own
   * `redaction.status: redacted`), `gone` (Stripe no longer has it), `job_only` (the kind carries no
   * `redaction` field: its job's success is all there is).
   */
  | { kind: 'redacted'; proof: 'deleted' | 'redaction_status' | 'gone' | 'job_only' }
  | { kind: 'pending'; why: PendingWhy };

/**
 * Whether Stripe's read shows an object redacted, after a job of this state that carried it
 * succeeded. A customer is redacted when it reads `deleted: true`; while it reads a
 * `redaction.status` other than `redacted` — which covers its related objects too — it is not.
 * Every other kind is redacted when its own `redaction.status` says so; a kind without the field
 * counts on its job's success.
 */
export function verdictAfterJob(type: ObjectType, reading: StripeReading): Verdict {
  switch (reading.stated) {
    case 'deleted':
      return { kind: 'redacted', proof: 'deleted' };
    case 'redacted':
      return { kind: 'redacted', proof: 'redaction_status' };
    case 'missing':
      // Nothing left to hold data: a draft invoice its fix deleted, an object redacted away.
      return { kind: 'redacted', proof: 'gone' };
    case 'processing':
    case 'validated':
      return { kind: 'pending', why: reading.stated };
    case 'none':
      return { kind: 'pending', why: 'not_shown' };
    case 'no_field':
      // A customer proves its redaction by reading deleted; one that does not has not shown it.
      return type === 'customer' ? { kind: 'pending', why: 'not_shown' } : { kind: 'redacted', proof: 'job_only' };
    case 'unknown':
      return { kind: 'pending', why: 'unknown' };
  }
}

/** Stripe's hold on young transactions (https://docs.stripe.com/privacy/redaction: "younger than 90 days"). */
export const YOUNG_TRANSACTION_DAYS = 90;

/** Kinds whose own `created` says when Stripe's hold on young transactions ends. */
const AGED_KINDS: ReadonlySet<ObjectType> = new Set(['charge', 'payment_intent']);

/**
 * The day (`YYYY-MM-DD`, UTC) a `validated` object becomes eligible for redaction, where its own
 * age tells it: a charge or PaymentIntent, `YOUNG_TRANSACTION_DAYS` after it was created. Null
 * for other kinds (a customer is held by its related objects, whose ages it does not show).
 */
export function eligibleOn(type: ObjectType, created: number | null): string | null {
  if (created === null || !AGED_KINDS.has(type)) return null;
  return new Date((created + YOUNG_TRANSACTION_DAYS * 86_400) * 1000).toISOString().slice(0, 10);
}

/**
 * The report's sentence about an object whose job succeeded, from Stripe's last read: why it is
 * still held, or what its proof is when that needs saying. Undefined when there is nothing to say
 * (redacted, with Stripe's own word for it).
 */
export function describeVerification(id: string, type: ObjectType, record: StripeRecord | null, readAgain = 'the next run reads it again'): string | undefined {
  if (record === null) return `${id}: its job succeeded; Stripe has not been read yet to show it redacted; ${readAgain}`;
  const verdict = verdictAfterJob(type, record);
  if (verdict.kind === 'redacted') {
    switch (verdict.proof) {
      case 'job_only':
        return `${id}: Stripe offers no per-object proof of redaction for this kind of object (no redaction status); counted redacted because its job succeeded`;
      case 'gone':
        return `${id}: Stripe no longer has it (read ${record.readAt})`;
      case 'deleted':
      case 'redaction_status':
        return undefined;
    }
  }
  switch (verdict.why) {
    case 'processing':
      return `${id}: Stripe is still redacting it (redaction.status processing, read ${record.readAt}); ${readAgain}`;
    case 'validated': {
      const date = eligibleOn(type, record.created);
      const held =
        type === 'customer'
          ? 'Stripe holds it until its related objects are eligible for redaction (redaction.status validated: e.g. charges younger than 90 days wait)'
          : `Stripe holds it until it is eligible for redaction (redaction.status validated: charges younger than ${YOUNG_TRANSACTION_DAYS} days wait)`;
      return `${id}: ${held}${date ? `; eligible from ${date}` : ''} (read ${record.readAt}); ${readAgain}`;
    }
    case 'not_shown':
      return type === 'customer'
        ? `${id}: its job succeeded but Stripe does not show it deleted yet (read ${record.readAt}); ${readAgain}`
        : `${id}: its job succeeded but Stripe shows no redaction on it (read ${record.readAt}); ${readAgain}`;
    case 'unknown':
      return `${id}: Stripe states redaction.status '${record.raw ?? '?'}', which this version does not know as redacted (read ${record.readAt}); ${readAgain}`;
  }
}
