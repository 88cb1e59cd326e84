/** The state port's identifiers (state-store.ts): how it keys them, and what inputs named and lookups found. */
import type { Classified } from '../domain/identifier.js';
import type { Reason } from '../domain/reason.js';

/** How the state names identifiers: emails by a keyed hash (the state never holds an address), Stripe ids as they are. */
export interface IdentifierKeys {
  /** The key of a trimmed, lower-cased email. */
  emailKey(normalizedEmail: string): string;
  /** The key of an unusable cell as written (trimmed, lower-cased): a keyed hash, like an email's. */
  cellKey(cell: string): string;
  idKey(stripeId: string): string;
  keyOf(classified: Exclude<Classified, { kind: 'invalid' }>): string;
  /** The register's `request_key` of an identifier key (or of `invalid:<cell>`): `email:<HMAC>` as the state keys emails, `id:<HMAC>`, `invalid:<HMAC>`. */
  requestKeyOf(identifierKey: string): string;
}

/** The identifiers inputs named, and what lookups found for them. */
export interface IdentifierLedger {
  /**
   * Marks an identifier as read by `runId`, at input row `row` when given (the first row naming it:
   * a later row repeating it is a duplicate of that one). Returns `first` when this run sees it for
   * the first time (so it is planned once however many rows repeat it) along with whether it still
   * needs a lookup: never resolved, found nothing that a consistent lookup confirmed, or resolved to
   * objects not all settled. With `guests`, an absence counts as confirmed only when the lookup also
   * found no guest Checkout Session.
   *
   * The run is recorded among the identifier's runs (`show`, the register) only while it may still
   * act on it: an identifier settled for good — every object done, or an absence confirmed — is
   * read again without a write, so a cumulative export's old rows cost a night nothing
   * (docs/testing.md#the-cumulative-night).
   */
  noteIdentifier(key: string, type: string, runId: string, options?: { guests?: boolean; row?: number }): { first: boolean; needsLookup: boolean };
  /**
   * Records what a lookup found for an identifier: the objects (added to those found before, never
   * dropped — a customer once found stays that person's data) and why, as reasons; a lookup that
   * finds nothing for an identifier that has objects changes nothing. New objects start
   * `queued`; known ones keep their status. `absenceConfirmed`: a strongly consistent lookup found
   * nothing, so later runs need not ask again; `guestsChecked`: that lookup also found no guest
   * Checkout Session.
   */
  recordResolution(
    key: string,
    objects: ReadonlyArray<{ id: string; type: string }>,
    reasons?: Reason[],
    options?: { absenceConfirmed?: boolean; guestsChecked?: boolean },
  ): void;
  /**
   * Adds objects found through another (a deleted customer's PaymentIntents, charges, …) to every
   * identifier that resolved to `parentId`: they are that person's data too, and the rows' objects.
   * New objects start `queued`; known ones keep their status.
   */
  addRelatedObjects(parentId: string, objects: ReadonlyArray<{ id: string; type: string }>): void;
}
