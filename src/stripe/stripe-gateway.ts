/**
 * The one adapter between the project and the `stripe` SDK, and the only file that imports it.
 * It maps Stripe's shapes into the domain's types and SDK errors into `GatewayError`, and sends
 * every HTTP request through the caller's `send` (rate budget and retries live there: one owner).
 */
import Stripe from 'stripe';
import { GatewayError, type GatewayErrorKind } from '../errors.js';
import { OBJECT_KINDS, type ObjectType } from '../domain/identifier.js';
import type { StripeReading } from '../domain/verification.js';
import { buildEmailSearchQuery } from '../domain/email-search-query.js';
import { isJobStatus, type JobValidationError, type RedactionJobView, type ValidationBehavior } from '../domain/job.js';
import type { CustomerMatch, CustomerObject, CustomerObjectType, JobPage, RequestClass, SightingPage, StripeAccount, StripeGateway } from './gateway.js';
import type { ProbeAnswer, ProbeJob, ProbeValidationError, StripeProbe } from '../selftest/probe.js';

/** Sends one request: the pipeline's rate budget and retry policy wrap it. */
export type SendRequest = <T>(requestClass: RequestClass, label: string, request: () => Promise<T>) => Promise<T>;

export interface StripeGatewayOptions {
  apiKey: string;
  /** A Stripe-compatible base URL (the emulator); Stripe's own API when absent. */
  apiBase?: string;
  send: SendRequest;
  /** Per-request timeout. @default 30000 (ms) */
  timeoutMs?: number;
  /** Called after every response, for debug logs (never carries the key or a body). */
  onResponse?: (event: { method: string; path: string; status: number; elapsedMs: number; requestId?: string }) => void;
  /**
   * The `Stripe-Version` sent (`--stripe-version`). @default {@link PINNED_API_VERSION}, the SDK's
   * pinned one: the only version whose shapes the SDK's types describe.
   */
  stripeVersion?: string;
  /**
   * Called with each `Stripe-Notice` response header (every response that has one). The SDK's
   * own handling — a Node process warning on stderr — never runs.
   */
  onNotice?: (notice: string) => void;
  /**
   * The connected account every request acts for (`Stripe-Account`,
   * https://docs.stripe.com/connect/authentication); absent: the key's own account.
   */
  stripeAccount?: string;
}

/** The API version the SDK pins (`stripe@22.7.0-beta.1`: `2026-08-26.preview`), sent unless `--stripe-version` says otherwise. */
export const PINNED_API_VERSION: string = Stripe.API_VERSION;

const PAGE_LIMIT = 100;

/** The events that carry a customer's email as it is written: how a person's return shows. */
const CUSTOMER_EVENT_TYPES = ['customer.created', 'customer.updated'] as const;

/** The SDK client of a gateway or probe: no telemetry, no SDK retries, pointed at `apiBase` if given. */
function newStripeClient(options: StripeGatewayOptions): Stripe {
  const config: Stripe.StripeConfig = {
    telemetry: false, // a privacy tool reports nothing about its host (docs/stripe.md#the-sdk)
    maxNetworkRetries: 0, // retries are the pipeline's, inside the rate budget; never stacked
    timeout: options.timeoutMs ?? 30_000,
    appInfo: { name: 'stripe-redact' },
    httpClient: noticeTakingHttpClient(options.onNotice ?? (() => {})),
  };
  // The SDK's types describe its pinned version only; another one is the operator's explicit choice.
  if (options.stripeVersion !== undefined) config.apiVersion = options.stripeVersion as Stripe.StripeConfig['apiVersion'];
  if (options.stripeAccount !== undefined) config.stripeAccount = options.stripeAccount;
  if (options.apiBase) {
    const base = new URL(options.apiBase);
    config.host = base.hostname;
    config.port = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
    config.protocol = base.protocol === 'https:' ? 'https' : 'http';
  }
  const stripe = new Stripe(options.apiKey, config);
  if (options.onResponse) {
    const onResponse = options.onResponse;
    stripe.on('response', (event: Stripe.ResponseEvent) =>
      onResponse({
        method: event.method,
        path: event.path,
        status: event.status,
        elapsedMs: event.elapsed,
        requestId: event.request_id,
      }),
    );
  }
  return stripe;
}

/**
 * The SDK's Node HTTP client, with `Stripe-Notice` taken off every response and handed to
 * `onNotice`. Left on, the SDK passes it to `process.emitWarning`, which prints on stderr outside
 * the logger — past `--quiet`, into every cron mail (issue: notices leak).
 */
function noticeTakingHttpClient(onNotice: (notice: string) => void): NonNullable<Stripe.StripeConfig['httpClient']> {
  const inner = Stripe.createNodeHttpClient();
  return {
    getClientName: () => inner.getClientName(),
    async makeRequest(...args) {
      const response = await inner.makeRequest(...args);
      const headers = response.getHeaders();
      const notice = headers['stripe-notice'];
      if (notice !== undefined) {
        delete headers['stripe-notice'];
        for (const text of Array.isArray(notice) ? notice : [String(notice)]) onNotice(text);
      }
      return response;
    },
  };
}

/**
 * `options.send`, with SDK errors mapped to `GatewayError` inside it (so the retry policy sees
 * them); connection errors name the server tried ("cannot reach Stripe" alone does not say which).
 */
function sendMapped(options: StripeGatewayOptions): SendRequest {
  const endpoint = options.apiBase ? new URL(options.apiBase).host : 'api.stripe.com';
  return <T>(requestClass: RequestClass, label: string, request: () => Promise<T>): Promise<T> =>
    options.send(requestClass, label, () => request().catch((error: unknown) => Promise.reject(toGatewayError(error, endpoint))));
}

/**
 * {@link sendMapped}, with the refusals that stop a run explained ({@link explainRefusal}); after
 * an account without redaction jobs or a key without their permission, every later request of this
 * client is refused here, unsent: the run stops at once.
 */
function sendGuarded(options: StripeGatewayOptions): SendRequest {
  const send = sendMapped(options);
  let stopped: GatewayError | undefined;
  return async <T>(requestClass: RequestClass, label: string, request: () => Promise<T>): Promise<T> => {
    if (stopped) throw stopped;
    try {
      return await send(requestClass, label, request);
    } catch (error) {
      const explained = explainRefusal(error, label, options.stripeVersion);
      if (explained === undefined) throw error;
      if (explained.kind === 'unavailable' || explained.kind === 'permission') stopped = explained;
      throw explained;
    }
  };
}

/** The redaction job calls that only write, by the labels the adapter sends them under. */
const REDACTION_WRITES = new Set(['redaction_jobs.create', 'redaction_jobs.update', 'redaction_jobs.validate', 'redaction_jobs.run', 'redaction_jobs.cancel']);
/** The calls that name no job: a 404 on them is about the endpoint, not about one job. */
const REDACTION_ENDPOINT_CALLS: Record<string, string> = {
  'redaction_jobs.create': 'POST /v1/privacy/redaction_jobs',
  'redaction_jobs.list': 'GET /v1/privacy/redaction_jobs',
  'redaction_jobs.list_with_objects': 'GET /v1/privacy/redaction_jobs',
};

/**
 * A refusal that needs more words than Stripe's, as a new error; `undefined` for any other.
 * - a 400 on `GET /v1/account`, which sends nothing but headers: the API version (named, with
 *   the pinned one and `--stripe-version`);
 * - a 404 on creating or listing redaction jobs (not naming an `objects` slot): the account cannot
 *   use them — kind `unavailable`. A 404 for one job id is not this: that job is gone;
 * - a 403 on any redaction job call: the permission a restricted key lacks.
 */
export function explainRefusal(error: unknown, label: string, stripeVersion: string | undefined): GatewayError | undefined {
  if (!(error instanceof GatewayError)) return undefined;
  const details = {
    retryable: false,
    cause: error,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.stripeCode !== undefined ? { stripeCode: error.stripeCode } : {}),
    ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
  };
  if (label === 'account.retrieve' && error.status === 400) {
    const sent = stripeVersion ?? PINNED_API_VERSION;
    const which = stripeVersion === undefined ? 'the version this tool pins' : `given with --stripe-version; the version this tool pins is ${PINNED_API_VERSION}`;
    return new GatewayError(
      `Stripe refused the request's API version ${sent} (${which}): ${error.message} Choose a version the account accepts with --stripe-version YYYY-MM-DD.name, or leave it out to send the pinned one.`,
      { kind: 'invalid_request', ...details },
    );
  }
  const endpoint = REDACTION_ENDPOINT_CALLS[label];
  if (endpoint !== undefined && error.status === 404 && !error.param?.startsWith('objects')) {
    return new GatewayError(
      `this account cannot use redaction jobs (Stripe answered ${endpoint} with HTTP 404: ${error.message}). Redaction jobs are a preview Stripe enables per account and API version (this run sent ${stripeVersion ?? PINNED_API_VERSION}); the rows stay pending for a run once they are enabled`,
      { kind: 'unavailable', ...details },
    );
  }
  if (label.startsWith('redaction_jobs.') && error.kind === 'permission') {
    const access = REDACTION_WRITES.has(label) ? 'Write' : 'Read';
    return new GatewayError(
      `the restricted key lacks the permission Privacy → Redaction jobs: ${access} (Stripe refused ${label} with HTTP ${error.status ?? 403}: ${error.message}); the tool needs Write, which includes Read: add it to the key and run again`,
      { kind: 'permission', ...details },
    );
  }
  return undefined;
}

export function createStripeGateway(options: StripeGatewayOptions): StripeGateway {
  const stripe = newStripeClient(options);
  const send = sendGuarded(options);
  const jobs = stripe.privacy.redactionJobs;

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
      if (typeof account.id !== 'string' || !/^acct_[A-Za-z0-9]+$/.test(account.id)) {
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
      const job = await send('write', 'redaction_jobs.create', () =>
        jobs.create(
          { objects: objects as Stripe.Privacy.RedactionJobCreateParams.Objects, validation_behavior: validationBehavior },
          { idempotencyKey },
        ),
      );
      return toJobView(job);
    },

    async retrieveJob(id) {
      // Expanded, a failed job brings its first errors along: one call fewer per failed job.
      return toJobView(
        await withErrorsExpanded(
          (expand) => send('read', 'redaction_jobs.retrieve', () => jobs.retrieve(id, expand ? { expand: ['validation_errors'] } : {})),
        ),
      );
    },

    async retrieveJobWithObjects(id) {
      const job = await send('read', 'redaction_jobs.retrieve', () => jobs.retrieve(id, { expand: ['objects'] }));
      const objects = (job.objects ?? {}) as unknown as Record<string, string[] | null | undefined>;
      return { job: toJobView(job), objectIds: Object.values(objects).flatMap((ids) => ids ?? []) };
    },

    async listJobs({ limit, startingAfter }): Promise<JobPage> {
      const page = await withErrorsExpanded((expand) =>
        send('read', 'redaction_jobs.list', () =>
          jobs.list({ limit, ...(expand ? { expand: ['data.validation_errors'] } : {}), ...cursor(startingAfter) }),
        ),
      );
      return { data: page.data.map(toJobView), hasMore: page.has_more };
    },

    async listJobsWithObjects({ limit, startingAfter }) {
      const page = await send('read', 'redaction_jobs.list_with_objects', () => jobs.list({ limit, expand: ['data.objects'], ...cursor(startingAfter) }));
      return {
        data: page.data.map((job) => {
          const objects = (job.objects ?? {}) as unknown as Record<string, string[] | null | undefined>;
          return { job: toJobView(job), objectIds: Object.values(objects).flatMap((ids) => ids ?? []) };
        }),
        hasMore: page.has_more,
      };
    },

    async updateJob(id, validationBehavior, idempotencyKey) {
      return toJobView(
        await send('write', 'redaction_jobs.update', () =>
          jobs.update(id, { validation_behavior: validationBehavior }, { idempotencyKey }),
        ),
      );
    },

    async validateJob(id, idempotencyKey) {
      return toJobView(await send('write', 'redaction_jobs.validate', () => jobs.validate(id, {}, { idempotencyKey })));
    },

    async runJob(id, idempotencyKey) {
      return toJobView(await send('write', 'redaction_jobs.run', () => jobs.run(id, {}, { idempotencyKey })));
    },

    async cancelJob(id, idempotencyKey) {
      return toJobView(await send('write', 'redaction_jobs.cancel', () => jobs.cancel(id, {}, { idempotencyKey })));
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
      const errors = await everyPage((startingAfter) =>
        send('read', 'redaction_jobs.validation_errors', () =>
          jobs.listValidationErrors(id, { limit: PAGE_LIMIT, ...cursor(startingAfter) }),
        ),
      );
      return errors.map(toValidationError);
    },
  };
}

/**
 * The adapter of `selftest`'s probe port (src/selftest/probe.ts): Stripe's answers kept raw, a
 * refusal (a 4xx other than 401, 403 and 429) returned as data, every request through `options.send`
 * like a run's. Creates carry keys made from the selftest's run id and step, so a retried create is
 * replayed, not repeated.
 */
export function createStripeProbe(options: StripeGatewayOptions): StripeProbe {
  // Notices are findings of the selftest: kept here (and passed on), never a process warning.
  const notices = new Set<string>();
  const stripe = newStripeClient({
    ...options,
    onNotice: (notice) => {
      notices.add(notice);
      options.onNotice?.(notice);
    },
  });
  const send = sendGuarded(options);
  const jobs = stripe.privacy.redactionJobs;
  const key = (runId: string, step: string) => `stripe-redact-selftest-${runId}-${step}`;
  const metadata = (runId: string) => ({ stripe_redact_selftest: runId });
  const jobAnswer = (label: string, request: () => Promise<Stripe.Privacy.RedactionJob>) =>
    answer(send('write', label, request).then(toProbeJob));

  return {
    async retrieveAccount() {
      const account = await send('read', 'account.retrieve', () => stripe.accounts.retrieveCurrent());
      return { id: account.id };
    },
    async createCustomer(runId, step) {
      const customer = await send('write', 'customers.create', () =>
        stripe.customers.create({ name: `stripe-redact selftest ${step}`, metadata: metadata(runId) }, { idempotencyKey: key(runId, step) }),
      );
      return { id: customer.id };
    },
    async deleteCustomer(id) {
      try {
        await send('write', 'customers.delete', () => stripe.customers.del(id));
        return true;
      } catch (error) {
        if (error instanceof GatewayError && error.kind === 'not_found') return false;
        throw error;
      }
    },
    async createOpenPaymentIntent(customerId, runId, step) {
      const pi = await send('write', 'payment_intents.create', () =>
        stripe.paymentIntents.create(
          { amount: 1000, currency: 'usd', customer: customerId, metadata: metadata(runId) },
          { idempotencyKey: key(runId, step) },
        ),
      );
      return { id: pi.id, status: pi.status };
    },
    async createDisputedPayment(customerId, runId, step) {
      return answer(
        send('write', 'payment_intents.create', () =>
          stripe.paymentIntents.create(
            {
              amount: 1000,
              currency: 'usd',
              customer: customerId,
              payment_method: 'pm_card_createDispute',
              // Confirmed on the server: no redirect-based method may be offered (Stripe would ask for a return_url).
              automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
              confirm: true,
              metadata: metadata(runId),
            },
            { idempotencyKey: key(runId, step) },
          ),
        ).then((pi) => ({ id: pi.id, chargeId: typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null) })),
      );
    },
    async createPaidPayment(customerId, runId, step) {
      return answer(
        send('write', 'payment_intents.create', () =>
          stripe.paymentIntents.create(
            {
              amount: 1000,
              currency: 'usd',
              customer: customerId,
              payment_method: 'pm_card_visa',
              automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
              confirm: true,
              metadata: metadata(runId),
            },
            { idempotencyKey: key(runId, step) },
          ),
        ).then((pi) => ({ id: pi.id, chargeId: typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null) })),
      );
    },
    async readRedaction(id, kind) {
      const object = (await send('read', `${kind}.retrieve`, () => retrieveAny(stripe, id, kind))) as { deleted?: unknown; redaction?: { status?: unknown } | null };
      const status = !('redaction' in object) ? undefined : object.redaction === null ? null : String(object.redaction?.status);
      return { deleted: object.deleted === true, status };
    },
    noticesSeen: () => [...notices],
    async isChargeDisputed(chargeId) {
      const charge = await send('read', 'charges.retrieve', () => stripe.charges.retrieve(chargeId));
      return charge.disputed === true;
    },
    async paymentIntentStatus(id) {
      return (await send('read', 'payment_intents.retrieve', () => stripe.paymentIntents.retrieve(id))).status;
    },
    createJob(customerIds, validationBehavior, idempotencyKey) {
      return jobAnswer('redaction_jobs.create', () =>
        jobs.create({ objects: { customers: customerIds }, validation_behavior: validationBehavior }, { idempotencyKey }),
      );
    },
    retrieveJob(id, expand = []) {
      return answer(
        send('read', 'redaction_jobs.retrieve', () => jobs.retrieve(id, expand.length > 0 ? { expand } : {})).then(toProbeJob),
      );
    },
    async listValidationErrors(id) {
      const errors = await everyPage((startingAfter) =>
        send('read', 'redaction_jobs.validation_errors', () => jobs.listValidationErrors(id, { limit: PAGE_LIMIT, ...cursor(startingAfter) })),
      );
      return errors.map(toProbeValidationError);
    },
    updateJob(id, validationBehavior, idempotencyKey) {
      return jobAnswer('redaction_jobs.update', () => jobs.update(id, { validation_behavior: validationBehavior }, { idempotencyKey }));
    },
    validateJob(id, idempotencyKey) {
      return jobAnswer('redaction_jobs.validate', () => jobs.validate(id, {}, { idempotencyKey }));
    },
    runJob(id, idempotencyKey) {
      return jobAnswer('redaction_jobs.run', () => jobs.run(id, {}, { idempotencyKey }));
    },
    cancelJob(id, idempotencyKey) {
      return jobAnswer('redaction_jobs.cancel', () => jobs.cancel(id, {}, { idempotencyKey }));
    },
  };
}

/** A request's value, or Stripe's refusal of it as data; what stops the selftest (auth, network) still throws. */
async function answer<T>(request: Promise<T>): Promise<ProbeAnswer<T>> {
  try {
    return { ok: true, value: await request };
  } catch (error) {
    const refused =
      error instanceof GatewayError &&
      error.kind !== 'unavailable' &&
      error.status !== undefined &&
      error.status >= 400 &&
      error.status < 500 &&
      ![401, 403, 429].includes(error.status);
    if (!refused) throw error;
    return {
      ok: false,
      refusal: {
        status: error.status,
        message: error.message,
        ...(error.stripeCode ? { code: error.stripeCode } : {}),
        ...(error.param ? { param: error.param } : {}),
      },
    };
  }
}

function toProbeJob(job: Stripe.Privacy.RedactionJob): ProbeJob {
  const view: ProbeJob = { id: job.id, status: String(job.status), validationBehavior: String(job.validation_behavior), livemode: job.livemode };
  if (job.objects) {
    const objects = job.objects as unknown as Record<string, string[] | null | undefined>;
    view.objectIds = Object.values(objects).flatMap((ids) => ids ?? []);
  }
  const embedded = job.validation_errors;
  if (embedded && Array.isArray(embedded.data)) view.validationErrors = embedded.data.map(toProbeValidationError);
  return view;
}

function toProbeValidationError(error: Stripe.Privacy.RedactionJobValidationError): ProbeValidationError {
  const raw = error as unknown as Record<string, unknown>;
  const erroring = raw.erroring_object as { id?: unknown; object_type?: unknown } | null | undefined;
  let erroringObject: ProbeValidationError['erroringObject'];
  if (!('erroring_object' in raw)) erroringObject = undefined;
  else if (erroring === null || erroring === undefined) erroringObject = null;
  else erroringObject = { id: String(erroring.id), objectType: String(erroring.object_type) };
  return { id: error.id, code: String(error.code), message: String(error.message), erroringObject };
}

/** Every item of a cursor-paginated Stripe list, one budgeted request a page. */
async function everyPage<T extends { id: string }>(
  fetchPage: (startingAfter: string | undefined) => Promise<{ data: T[]; has_more: boolean }>,
): Promise<T[]> {
  const items: T[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await fetchPage(startingAfter);
    items.push(...page.data);
    const last = page.data.at(-1);
    if (!page.has_more || !last) return items;
    startingAfter = last.id;
  }
}

/** The `starting_after` parameter, when there is a cursor. */
function cursor(startingAfter: string | undefined): { starting_after?: string } {
  return startingAfter ? { starting_after: startingAfter } : {};
}

/** `Retry-After` as seconds (the form Stripe sends) or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Retrievers of the objects a validation error may name, by Stripe's `object_type`, for their `customer`. */
const RELATED_RETRIEVERS: Partial<Record<string, (stripe: Stripe, id: string) => Promise<unknown>>> = {
  payment_intent: (stripe, id) => stripe.paymentIntents.retrieve(id),
  charge: (stripe, id) => stripe.charges.retrieve(id),
  invoice: (stripe, id) => stripe.invoices.retrieve(id),
  setup_intent: (stripe, id) => stripe.setupIntents.retrieve(id),
  subscription: (stripe, id) => stripe.subscriptions.retrieve(id),
  checkout_session: (stripe, id) => stripe.checkout.sessions.retrieve(id),
  'checkout.session': (stripe, id) => stripe.checkout.sessions.retrieve(id),
  payment_method: (stripe, id) => stripe.paymentMethods.retrieve(id),
};

const KNOWN_REDACTION_STATUSES = new Set(['processing', 'validated', 'redacted']);

/** What a retrieved object states about its redaction (docs/stripe.md#emulator-variants, "Stripe's own per-object state"). */
function toReading(object: Record<string, unknown>): StripeReading {
  const created = typeof object.created === 'number' ? object.created : null;
  if (object.deleted === true) return { stated: 'deleted', created };
  if (!('redaction' in object)) return { stated: 'no_field', created };
  const redaction = object.redaction as { status?: unknown } | null | undefined;
  if (redaction === null || redaction === undefined) return { stated: 'none', created };
  const status = String(redaction.status);
  if (KNOWN_REDACTION_STATUSES.has(status)) return { stated: status as 'processing' | 'validated' | 'redacted', created };
  return { stated: 'unknown', raw: status, created };
}

/** Retrieves any redactable object by its kind. */
async function retrieveAny(stripe: Stripe, id: string, type: ObjectType): Promise<Record<string, unknown>> {
  const asRecord = (value: unknown) => value as Record<string, unknown>;
  switch (type) {
    case 'customer':
      return asRecord(await stripe.customers.retrieve(id));
    case 'payment_intent':
      return asRecord(await stripe.paymentIntents.retrieve(id));
    case 'charge':
      return asRecord(await stripe.charges.retrieve(id));
    case 'invoice':
      return asRecord(await stripe.invoices.retrieve(id));
    case 'setup_intent':
      return asRecord(await stripe.setupIntents.retrieve(id));
    case 'checkout_session':
      return asRecord(await stripe.checkout.sessions.retrieve(id));
    case 'identity_verification_session':
      return asRecord(await stripe.identity.verificationSessions.retrieve(id));
    case 'issuing_cardholder':
      return asRecord(await stripe.issuing.cardholders.retrieve(id));
    case 'issuing_card':
      return asRecord(await stripe.issuing.cards.retrieve(id));
    case 'radar_value_list_item':
      return asRecord(await stripe.radar.valueListItems.retrieve(id));
  }
}

function toJobView(job: Stripe.Privacy.RedactionJob): RedactionJobView {
  // A status this version does not know: treat the job as still working rather than guess.
  const status = isJobStatus(job.status) ? job.status : 'validating';
  const view: RedactionJobView = { id: job.id, status, validationBehavior: behaviorOf(job), created: job.created, livemode: job.livemode };
  const embedded = job.validation_errors;
  if (embedded && Array.isArray(embedded.data)) {
    view.firstValidationErrors = { errors: embedded.data.map(toValidationError), complete: !embedded.has_more };
  }
  return view;
}

function behaviorOf(job: Stripe.Privacy.RedactionJob): ValidationBehavior {
  return job.validation_behavior === 'fix' ? 'fix' : 'error';
}

function toValidationError(error: Stripe.Privacy.RedactionJobValidationError): JobValidationError {
  const erroring = error.erroring_object as { id?: string; object_type?: string } | null | undefined;
  return {
    id: error.id,
    code: String(error.code),
    message: error.message,
    erroringObject: erroring?.id ? { id: erroring.id, objectType: String(erroring.object_type ?? 'unknown') } : null,
  };
}

/** `cannot reach api.stripe.com (ECONNREFUSED): …; check …` — the server tried and what to look at. */
function connectionMessage(sdkMessage: string, cause: string | undefined, endpoint: string | undefined): string {
  if (endpoint === undefined) return sdkMessage;
  return `cannot reach ${endpoint}${cause ? ` (${cause})` : ''}: ${sdkMessage} Check the network, DNS, proxy and firewall${
    endpoint === 'api.stripe.com' ? '' : ', and that a server is listening at --api-base'
  }.`;
}

/**
 * Maps an SDK error to a `GatewayError`; `endpoint` (host[:port]) is named in connection errors. Switches on the SDK's error classes and Stripe's codes,
 * never on message text. Retryable: 429 (rate limits and lock timeouts), 409 `idempotency_key_in_use`
 * (an idempotent request still in flight), 5xx and connection failures.
 */
export function toGatewayError(error: unknown, endpoint?: string): GatewayError {
  if (error instanceof GatewayError) return error;
  if (!(error instanceof Stripe.errors.StripeError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new GatewayError(connectionMessage(message, undefined, endpoint), { kind: 'connection', retryable: true });
  }
  if (error instanceof Stripe.errors.StripeConnectionError) {
    const cause = (error.detail as { code?: unknown } | undefined)?.code;
    return new GatewayError(connectionMessage(error.message, typeof cause === 'string' ? cause : undefined, endpoint), {
      kind: 'connection',
      retryable: true,
    });
  }
  const status = error.statusCode;
  let kind: GatewayErrorKind;
  let retryable = false;
  if (error instanceof Stripe.errors.StripeRateLimitError || status === 429) {
    kind = 'rate_limited';
    retryable = true;
  } else if (error instanceof Stripe.errors.StripeAuthenticationError) {
    kind = 'auth';
  } else if (error instanceof Stripe.errors.StripePermissionError) {
    kind = 'permission';
  } else if (error instanceof Stripe.errors.StripeIdempotencyError) {
    kind = 'idempotency';
  } else if (status === 409) {
    kind = 'conflict';
    // Only a request still in flight under the same key is worth sending again. Any other conflict
    // (a refused status transition, docs/stripe.md#emulator-variants) is settled by reading the object, never
    // repeated blindly; Stripe-Should-Retry still overrides this either way.
    retryable = error.code === 'idempotency_key_in_use';
  } else if (status === 404 || error.code === 'resource_missing') {
    kind = error.code === 'resource_missing' ? 'not_found' : 'invalid_request';
  } else if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    kind = 'invalid_request';
  } else if (status !== undefined && status >= 500) {
    kind = 'api';
    retryable = true;
  } else if (error instanceof Stripe.errors.StripeAPIError) {
    kind = 'api';
    retryable = true;
  } else {
    kind = 'invalid_request';
  }
  const headers = (error.headers ?? {}) as Record<string, string | undefined>;
  const shouldRetryHeader = headers['stripe-should-retry'];
  const retryAfterMs = parseRetryAfterMs(headers['retry-after']);
  return new GatewayError(error.message, {
    kind,
    retryable,
    ...(shouldRetryHeader === 'true' || shouldRetryHeader === 'false' ? { shouldRetry: shouldRetryHeader === 'true' } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(error.code ? { stripeCode: error.code } : {}),
    ...(error.param ? { param: error.param } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(error.requestId ? { requestId: error.requestId } : {}),
  });
}
