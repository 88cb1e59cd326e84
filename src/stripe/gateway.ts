import { OBJECT_KINDS, type ObjectType } from '../domain/identifier.js';
import type { JobObjects, JobValidationError, RedactionJobView, ValidationBehavior } from '../domain/job.js';
import type { StripeReading } from '../domain/verification.js';

/** Which budget a request spends: Stripe limits search separately from everything else. */
export type RequestClass = 'search' | 'read' | 'write';

/** Sends one request: the pipeline's rate budget and retry policy wrap it. */
export type SendRequest = <T>(requestClass: RequestClass, label: string, request: () => Promise<T>) => Promise<T>;

/**
 * Operation labels that call the same Stripe endpoint as another label. Stripe limits each
 * endpoint on its own (docs.stripe.com/rate-limits), so such labels share one per-endpoint budget.
 */
const SAME_ENDPOINT: Readonly<Record<string, string>> = {
  'redaction_jobs.list_with_objects': 'redaction_jobs.list',
  'checkout.session.retrieve': 'checkout_session.retrieve',
  'charges.retrieve': 'charge.retrieve',
  'payment_intents.retrieve': 'payment_intent.retrieve',
};

/** The endpoint an operation label calls: labels name one endpoint each, but for {@link SAME_ENDPOINT}. */
export function endpointOfOperation(label: string): string {
  return SAME_ENDPOINT[label] ?? VERIFY_READS.get(label) ?? label;
}

/** A verification read (`verify.customers.retrieve`) retrieves through the same endpoint as a lookup (`customer.retrieve`). */
const VERIFY_READS: ReadonlyMap<string, string> = new Map(
  (Object.keys(OBJECT_KINDS) as ObjectType[]).map((type) => [`verify.${OBJECT_KINDS[type].jobKey}.retrieve`, `${type}.retrieve`]),
);

/** A customer found for an email. */
export interface CustomerMatch {
  id: string;
  /** As Stripe holds it (case preserved). */
  email: string | null;
}

/**
 * Why an object is read: `lookup` — before any job of this state carried it (does it exist, is it
 * redacted or deleted already); `verify` — after its job succeeded, for Stripe's own word that it
 * is redacted. The two are counted under their own operation labels (`customer.retrieve`,
 * `verify.customers.retrieve`), so summary.json shows verification reads apart.
 */
export type ReadPurpose = 'lookup' | 'verify';

/** The kinds of objects a customer's payments and sessions are listed as (a deleted customer's data). */
export type CustomerObjectType = 'payment_intent' | 'charge' | 'setup_intent' | 'checkout_session';

/** One object listed by customer, with what Stripe states of its redaction. */
export interface CustomerObject {
  id: string;
  type: CustomerObjectType;
  reading: StripeReading;
}

/** The Stripe account an API key belongs to. The mode is the key's own (`sk_live_`/`rk_live_` or test). */
export interface StripeAccount {
  /** `acct_…`: the same for the account's test and live keys, and across key rotations. */
  id: string;
  /** The name the Dashboard shows, when the account has one (for logs and messages only). */
  displayName: string | null;
}

export interface JobPage {
  data: RedactionJobView[];
  hasMore: boolean;
}

/**
 * The pipeline's only view of Stripe. Methods throw `GatewayError` (src/errors.ts) for failed
 * requests; each HTTP request made inside goes through the run's rate budget, so a method that
 * pages makes several budgeted requests.
 */
export interface StripeGateway extends AfterErasureReads {
  /**
   * The account the key belongs to (`GET /v1/account`). A restricted key needs the permission
   * Connect → Accounts: Read (`connected_account_read`); without it Stripe answers 403 (`permission`).
   */
  retrieveAccount(): Promise<StripeAccount>;
  /** Customers whose email equals one of `emails` (at most 10), through customer search; all pages. */
  searchCustomersByEmail(emails: readonly string[]): Promise<CustomerMatch[]>;
  /** The exact, case-sensitive, strongly consistent list filter `GET /v1/customers?email=`; all pages. */
  listCustomersByEmail(email: string): Promise<CustomerMatch[]>;
  /**
   * The ids of Checkout Sessions whose `customer_details.email` equals `email`, through the documented,
   * exact (case-sensitive) list filter `GET /v1/checkout/sessions?customer_details[email]=`; all pages.
   * How a guest checkout — a payment with no Customer object — is found.
   */
  listCheckoutSessionsByEmail(email: string): Promise<string[]>;
  /**
   * What Stripe states about one object (`GET` of its kind): missing (404), deleted
   * (`deleted: true`), its `redaction.status` (null outside any redaction), or no `redaction` field
   * at all (invoices) — with its `created`. Needs read access to the kind on a restricted key.
   */
  readObject(id: string, type: ObjectType, purpose: ReadPurpose): Promise<StripeReading>;
  /**
   * A customer's PaymentIntents, charges, SetupIntents and Checkout Sessions, each with its
   * redaction status, through the list filters `?customer=` (all pages of each). How the data of a
   * customer deleted before any redaction is found.
   */
  listCustomerObjects(customerId: string): Promise<CustomerObject[]>;
  createJob(objects: JobObjects, validationBehavior: ValidationBehavior, idempotencyKey: string): Promise<RedactionJobView>;
  retrieveJob(id: string): Promise<RedactionJobView>;
  /** A job with the identifiers it names (`expand[]=objects`). */
  retrieveJobWithObjects(id: string): Promise<{ job: RedactionJobView; objectIds: string[] }>;
  /** One page of jobs, newest first. */
  listJobs(params: { limit: number; startingAfter?: string }): Promise<JobPage>;
  /** One page of jobs, newest first, each with the identifiers it names (`expand[]=data.objects`). */
  listJobsWithObjects(params: { limit: number; startingAfter?: string }): Promise<{ data: { job: RedactionJobView; objectIds: string[] }[]; hasMore: boolean }>;
  updateJob(id: string, validationBehavior: ValidationBehavior, idempotencyKey: string): Promise<RedactionJobView>;
  validateJob(id: string, idempotencyKey: string): Promise<RedactionJobView>;
  runJob(id: string, idempotencyKey: string): Promise<RedactionJobView>;
  cancelJob(id: string, idempotencyKey: string): Promise<RedactionJobView>;
  /**
   * The customer a related object (a PaymentIntent, charge, invoice, …) belongs to, by retrieving it:
   * how a validation error on it is pinned on the job's identifier. Null when it names none, or the
   * kind is not one this knows.
   */
  customerOf(id: string, objectType: string): Promise<string | null>;
  /** Every validation error of the job's current attempt; all pages. */
  listValidationErrors(id: string): Promise<JobValidationError[]>;
}

/** A customer as an event about it (or the list of customers created since a time) showed it. */
export interface CustomerSighting {
  customerId: string;
  /** As Stripe holds it (case preserved); null when the customer has none. */
  email: string | null;
  /** Unix seconds: when the event was written (or the customer created, for the list). */
  at: number;
  /** Unix seconds: the customer's own `created`. */
  customerCreated: number;
}

/** One page of sightings, newest first; `last` is the cursor of the next page. */
export interface SightingPage {
  data: CustomerSighting[];
  hasMore: boolean;
  /** The id to pass as `startingAfter` for the next page. */
  last?: string;
}

/** A webhook endpoint of the account: who receives which events. */
export interface WebhookEndpointView {
  id: string;
  url: string;
  status: string;
  /** Event types, or `*`. */
  enabledEvents: string[];
}

/**
 * The reads that follow an erasure (issue 18): people who came back, and who else received data.
 * Each needs a read permission a restricted key may lack; a 403 is a `GatewayError` of kind
 * `permission`, which callers turn into one warning, never a failed run.
 */
export interface AfterErasureReads {
  /**
   * One page (100) of `customer.created` and `customer.updated` events written at or after
   * `createdGte` (unix seconds), newest first (`GET /v1/events?types[]=…&created[gte]=…`).
   * Permission: Events: Read (`event_read`).
   */
  listCustomerEvents(params: { createdGte: number; startingAfter?: string }): Promise<SightingPage>;
  /**
   * One page (100) of customers created at or after `createdGte`, newest first
   * (`GET /v1/customers?created[gte]=…`): the watch's way back past Stripe's 30 days of events.
   * Permission: Customers: Read.
   */
  listCustomersCreatedSince(params: { createdGte: number; startingAfter?: string }): Promise<SightingPage>;
  /** Every webhook endpoint of the account; all pages. Permission: Webhook Endpoints: Read (`webhook_endpoint_read`). */
  listWebhookEndpoints(): Promise<WebhookEndpointView[]>;
}
