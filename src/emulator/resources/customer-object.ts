import type { StoredObject } from '../store.js';

/** Stripe's per-object redaction marker (newer API versions). */
export interface RedactionMarker {
  status: 'processing' | 'validated' | 'redacted';
}

/**
 * A customer as the emulator stores it (collection `customers`).
 * Keys starting with `_` are internal: the server strips them from every response.
 */
export interface Customer extends StoredObject {
  object: 'customer';
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  address: Record<string, unknown> | null;
  shipping: Record<string, unknown> | null;
  metadata: Record<string, string> | string;
  invoice_settings: { default_payment_method: string | null };
  /**
   * Set once the customer is deleted (`DELETE /v1/customers/:id`) or reads `redacted`: retrieve then
   * answers `{id, object, deleted: true}`.
   */
  deleted?: true;
  /** `null` outside any job; kept up to the clock by redaction-status.ts once a job redacting it succeeded. */
  redaction?: RedactionMarker | null;
  /** When (ms, emulator clock) the job that redacts this customer succeeded; absent before. */
  _redactionSucceededAtMs?: number;
  /** ms timestamp from which search sees this version of the customer (search lag). */
  _searchableAtMs: number;
  /**
   * The searchable fields as search last saw them, kept while a newer version waits out the search lag
   * (`clockMs() < _searchableAtMs`); `null` when no version was searchable yet (a new customer).
   */
  _searchPrevious?: CustomerSearchFields | null;
}

/** The fields customer search indexes (`created` never changes, so it is read from the customer). */
export interface CustomerSearchFields {
  email: string | null;
  name: string | null;
  phone: string | null;
  metadata: Record<string, string> | string;
}

export const CUSTOMERS = 'customers';

/**
 * Deleted, or redacted by a job that succeeded — even while it still reads `processing` or
 * `validated`: such a customer is gone from search, the email list, new objects, writes and new jobs.
 */
export function isCustomerGone(customer: Pick<Customer, 'deleted' | '_redactionSucceededAtMs'>): boolean {
  return customer.deleted === true || customer._redactionSucceededAtMs !== undefined;
}
