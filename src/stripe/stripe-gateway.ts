/**
 * The run's adapter of the port src/stripe/gateway.ts: Stripe's answers mapped into the domain's
 * views (src/stripe/stripe-shapes.ts), every request sent through the caller's `send` with SDK
 * errors mapped (src/stripe/stripe-errors.ts) — rate budget and retries live there: one owner.
 */
import type Stripe from 'stripe';
import { isAccountId } from '../domain/account-id.js';
import { GatewayError } from '../errors.js';
import { OBJECT_KINDS } from '../domain/identifier.js';
import { buildEmailSearchQuery } from '../domain/email-search-query.js';
import type { CustomerMatch, CustomerObject, CustomerObjectType, JobPage, SightingPage, StripeAccount, StripeGateway } from './gateway.js';
import { newStripeClient, type StripeGatewayOptions } from './stripe-client.js';
import { sendGuarded } from './stripe-errors.js';
import { redactionJobCalls } from './redaction-job-calls.js';
import { RELATED_RETRIEVERS, retrieveAny } from './stripe-objects.js';
import { cursor, everyPage, PAGE_LIMIT } from './stripe-paging.js';
import { toJobView, toReading, toValidationError } from './stripe-shapes.js';

/** The events that carry a customer's email as it is written: how a person's return shows. */
const CUSTOMER_EVENT_TYPES = ['customer.created', 'customer.updated'] as const;

export function createStripeGateway(options: StripeGatewayOptions): StripeGateway {
  const stripe = newStripeClient(options);
  const send = sendGuarded(options);
  const jobs = redactionJobCalls(stripe, send);

  // `expand[]=validation_errors` saves a call per failed job, but an account or API version may
  // refuse it (400): then this run asks without it, and lists errors separately.
  let expandErrors = true;
  async function withErrorsExpanded<T>(read: (expand: boolean) => Promise<T>): Promise<T> {
    if (!expandErrors) return read(false);
    try {
      return await read(true);
    } catch (error) {
      if (!(error instanceof GatewayError) || error.kind !== 'invalid_request') throw error;
      const plain = await read(false);
      expandErrors = false;
      return plain;
    }
  }

  return {
    async retrieveAccount(): Promise<StripeAccount> {
      // GET /v1/account: the key's own account.
      const account = await send('read', 'account.retrieve', () => stripe.accounts.retrieveCurrent());
      // The id names the default state file: anything but an account id is refused, not used.
      if (typeof account.id !== 'string' || !isAccountId(account.id)) {
        throw new GatewayError(`GET /v1/account answered no account id (got '${String(account.id)}')`, { kind: 'api', retryable: false });
      }
      const displayName = account.settings?.dashboard?.display_name ?? account.business_profile?.name ?? null;
      return { id: account.id, displayName: displayName || null };
    },

    async listCustomerEvents({ createdGte, startingAfter }): Promise<SightingPage> {
      const page = await send('read', 'events.list', () =>
        stripe.events.list({ types: [...CUSTOMER_EVENT_TYPES], created: { gte: createdGte }, limit: PAGE_LIMIT, ...cursor(startingAfter) }),
      );
      const data = page.data.flatMap((event) => {
        const customer = event.data.object as { id?: unknown; email?: unknown; created?: unknown };
        if (typeof customer.id !== 'string') return [];
        const created = typeof customer.created === 'number' ? customer.created : event.created;
        return [{ customerId: customer.id, email: typeof customer.email === 'string' ? customer.email : null, at: event.created, customerCreated: created }];
      });
      const last = page.data.at(-1)?.id;
      return { data, hasMore: page.has_more, ...(last ? { last } : {}) };
    },

    async listCustomersCreatedSince({ createdGte, startingAfter }): Promise<SightingPage> {
      const page = await send('read', 'customers.list_created', () =>
        stripe.customers.list({ created: { gte: createdGte }, limit: PAGE_LIMIT, ...cursor(startingAfter) }),
      );
      const data = page.data.map((c) => ({ customerId: c.id, email: c.email ?? null, at: c.created, customerCreated: c.created }));
      const last = page.data.at(-1)?.id;
      return { data, hasMore: page.has_more, ...(last ? { last } : {}) };
    },

    async listWebhookEndpoints() {
      const endpoints = await everyPage((startingAfter) =>
        send('read', 'webhook_endpoints.list', () => stripe.webhookEndpoints.list({ limit: PAGE_LIMIT, ...cursor(startingAfter) })),
      );
      return endpoints.map((e) => ({ id: e.id, url: e.url, status: e.status, enabledEvents: [...e.enabled_events] }));
    },

    async searchCustomersByEmail(emails) {
      const query = buildEmailSearchQuery([...emails]);
      const found: CustomerMatch[] = [];
      let page: string | undefined;
      do {
        const result = await send('search', 'customers.search', () =>
          stripe.customers.search({ query, limit: PAGE_LIMIT, ...(page ? { page } : {}) }),
        );
        for (const c of result.data) found.push({ id: c.id, email: c.email ?? null });
        page = result.has_more && result.next_page ? result.next_page : undefined;
      } while (page);
      return found;
    },

    async listCustomersByEmail(email) {
      const customers = await everyPage((startingAfter) =>
        send('read', 'customers.list', () => stripe.customers.list({ email, limit: PAGE_LIMIT, ...cursor(startingAfter) })),
      );
      return customers.map((c) => ({ id: c.id, email: c.email ?? null }));
    },

    async listCheckoutSessionsByEmail(email) {
      const sessions = await everyPage((startingAfter) =>
        send('read', 'checkout.sessions.list', () =>
          stripe.checkout.sessions.list({ customer_details: { email }, limit: PAGE_LIMIT, ...cursor(startingAfter) }),
        ),
      );
      return sessions.map((s) => s.id);
    },

    async readObject(id, type, purpose) {
      // Verification reads are counted apart: summary.json's byOperation shows what proof cost.
      const label = purpose === 'verify' ? `verify.${OBJECT_KINDS[type].jobKey}.retrieve` : `${type}.retrieve`;
      try {
        return toReading(await send('read', label, () => retrieveAny(stripe, id, type)));
      } catch (error) {
        if (error instanceof GatewayError && error.kind === 'not_found') return { stated: 'missing', created: null };
        throw error;
      }
    },

    async listCustomerObjects(customerId) {
      const found: CustomerObject[] = [];
      const add = (type: CustomerObjectType, objects: { id: string }[]) => {
        for (const object of objects) found.push({ id: object.id, type, reading: toReading(object as unknown as Record<string, unknown>) });
      };
      const params = (startingAfter: string | undefined) => ({ customer: customerId, limit: PAGE_LIMIT, ...cursor(startingAfter) });
      add('payment_intent', await everyPage((after) => send('read', 'payment_intents.list', () => stripe.paymentIntents.list(params(after)))));
      add('charge', await everyPage((after) => send('read', 'charges.list', () => stripe.charges.list(params(after)))));
      add('setup_intent', await everyPage((after) => send('read', 'setup_intents.list', () => stripe.setupIntents.list(params(after)))));
      add('checkout_session', await everyPage((after) => send('read', 'checkout.sessions.list', () => stripe.checkout.sessions.list(params(after)))));
      return found;
    },

    async createJob(objects, validationBehavior, idempotencyKey) {
      return toJobView(await jobs.create(objects as Stripe.Privacy.RedactionJobCreateParams.Objects, validationBehavior, idempotencyKey));
    },

    async retrieveJob(id) {
      // Expanded, a failed job brings its first errors along: one call fewer per failed job.
      return toJobView(await withErrorsExpanded((expand) => jobs.retrieve(id, expand ? ['validation_errors'] : [])));
    },

    async retrieveJobWithObjects(id) {
      const job = await jobs.retrieve(id, ['objects']);
      const objects = (job.objects ?? {}) as unknown as Record<string, string[] | null | undefined>;
      return { job: toJobView(job), objectIds: Object.values(objects).flatMap((ids) => ids ?? []) };
    },

    async listJobs({ limit, startingAfter }): Promise<JobPage> {
      const page = await withErrorsExpanded((expand) => jobs.list(limit, startingAfter, expand));
      return { data: page.data.map(toJobView), hasMore: page.has_more };
    },

    async listJobsWithObjects({ limit, startingAfter }) {
      const page = await jobs.listWithObjects(limit, startingAfter);
      return {
        data: page.data.map((job) => {
          const objects = (job.objects ?? {}) as unknown as Record<string, string[] | null | undefined>;
          return { job: toJobView(job), objectIds: Object.values(objects).flatMap((ids) => ids ?? []) };
        }),
        hasMore: page.has_more,
      };
    },

    async updateJob(id, validationBehavior, idempotencyKey) {
      return toJobView(await jobs.update(id, validationBehavior, idempotencyKey));
    },

    async validateJob(id, idempotencyKey) {
      return toJobView(await jobs.validate(id, idempotencyKey));
    },

    async runJob(id, idempotencyKey) {
      return toJobView(await jobs.run(id, idempotencyKey));
    },

    async cancelJob(id, idempotencyKey) {
      return toJobView(await jobs.cancel(id, idempotencyKey));
    },

    async customerOf(id, objectType) {
      const retrieve = RELATED_RETRIEVERS[objectType];
      if (!retrieve) return null;
      try {
        const object = (await send('read', `${objectType}.retrieve`, () => retrieve(stripe, id))) as { customer?: string | { id: string } | null };
        const customer = object.customer;
        return typeof customer === 'string' ? customer : (customer?.id ?? null);
      } catch (error) {
        if (error instanceof GatewayError && error.kind === 'not_found') return null;
        throw error;
      }
    },

    async listValidationErrors(id) {
      return (await jobs.listValidationErrors(id)).map(toValidationError);
    },
  };
}
