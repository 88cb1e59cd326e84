import type { AddressInfo } from 'node:net';
import { ApiError } from './api-error.js';
import { EmulatorClock } from './clock.js';
import { Faults } from './faults.js';
import { parseForm, toFormObject } from './form.js';
import { IdempotencyStore } from './idempotency.js';
import { resolveEmulatorOptions, type EmulatorOptions } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import type { EmulatorSettings, FormObject, Route } from './route.js';
import { Router } from './router.js';
import { emulatorRoutes } from './routes.js';
import { applySeed, loadSeed, type SeedSummary } from './seed.js';
import { createEmulatorServer, publicJson } from './server.js';
import { EmulatorStore } from './store.js';
import { EVENTS, type StripeEvent } from './redaction/events.js';
import { settleRedactions } from './redaction/redaction-status.js';
import { generateWebhookSecret, WebhookDelivery } from './webhooks.js';

export type { EmulatorOptions, EmulatorVariants } from './options.js';
export { HELPFUL_VARIANTS, VARIANT_CHOICES } from './options.js';
export { EMULATOR_API_VERSION } from './options.js';
export type { FaultSpec } from './faults.js';
export { Faults } from './faults.js';
export { EmulatorClock } from './clock.js';
export type { EmulatorLogger, RequestLogEntry } from './request-log.js';
export { formatRequestLog, peakRequestsPerOperation } from './request-log.js';
export type { SeedDocument, SeedCustomer, SeedEntry, SeedRequest, SeedSummary } from './seed.js';
export { SeedError } from './seed.js';

/** Options of an in-process call. */
export interface DispatchOptions {
  /** Act as a live-mode key would. @default false */
  livemode?: boolean;
  /** Always true for `dispatch`: handlers may honour `id` in create bodies and skip search lag. */
  internal?: true;
}

/**
 * Call a route in-process: no HTTP, auth, rate limit, faults or idempotency. `path` may carry a query
 * string (GET/DELETE parameters); a JSON `body` is form-encoded first (numbers → strings), so handlers
 * see what an HTTP call would give them. Resolves to the response body without `_` keys; throws the
 * handler's `ApiError` (an unknown route is a 404 `ApiError`).
 */
export type Dispatch = (method: Route['method'], path: string, body?: Record<string, unknown>, options?: DispatchOptions) => Promise<unknown>;

/** A started emulator. Every piece of state belongs to this instance. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  port: number;
  store: EmulatorStore;
  /** Live settings: handlers read them per request, so tests may change them on the fly. */
  settings: EmulatorSettings;
  /** Runtime fault injection: `faults.use({path, status: 500, times: 1})`, `faults.reset()`. */
  faults: Faults;
  /** The emulator's clock: `clock.advance(seconds)` does what `POST /_emulator/clock/advance` does. */
  clock: EmulatorClock;
  dispatch: Dispatch;
  /** What the seed created (zeros without a seed). */
  seeded: SeedSummary;
  /** The `whsec_…` secret webhooks are signed with: the option's, or one generated at start. */
  webhookSecret: string;
  /** Webhook delivery: `await webhooks.idle()` waits for every delivery queued so far. */
  webhooks: Pick<WebhookDelivery, 'idle'>;
  /** Stop listening and drop open connections (including the SDK's keep-alive sockets). */
  close(): Promise<void>;
}

/**
 * Start a Stripe-compatible emulator: seeds it, then listens. Throws a `TypeError` for a bad option,
 * a `SeedError` for a bad seed, and the listen error (e.g. `EADDRINUSE`) when the port is taken.
 */
export async function startEmulator(options: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  const resolved = resolveEmulatorOptions(options);
  const clock = new EmulatorClock();
  const store = new EmulatorStore(clock.nowMs);
  const settings: EmulatorSettings = {
    validationMs: resolved.validationMs,
    redactionMs: resolved.redactionMs,
    searchLagMs: resolved.searchLagMs,
    maxJobObjects: resolved.maxJobObjects,
    variants: {
      unknownIds: resolved.unknownIds,
      transitionErrors: resolved.transitionErrors,
      lockErrors: resolved.lockErrors,
      fixListing: resolved.fixListing,
      expandValidationErrors: resolved.expandValidationErrors,
      youngCharges: resolved.youngCharges,
      deletedCustomers: resolved.deletedCustomers,
      lockRefusal: resolved.lockRefusal,
      refusalStatus: resolved.refusalStatus,
    },
    accountId: resolved.accountId,
    settleMs: resolved.settleMs,
    youngDays: resolved.youngDays,
  };
  const router = new Router(emulatorRoutes());
  const faults = new Faults();
  const webhookSecret = resolved.webhookSecret ?? generateWebhookSecret();
  const webhooks = new WebhookDelivery({
    endpoints: resolved.webhooks,
    secret: webhookSecret,
    retryBaseMs: resolved.webhookRetryBaseMs,
    maxAttempts: resolved.webhookMaxAttempts,
    logger: resolved.logger,
  });
  // Every event recorded from now on, the seed's included, goes out.
  store.collection<StripeEvent>(EVENTS).onInsert((event) => webhooks.enqueue(event));

  const dispatch: Dispatch = async (method, path, body = {}, dispatchOptions = {}) => {
    const url = new URL(path, 'http://emulator.invalid');
    const match = router.match(method, url.pathname);
    if (!match) throw new ApiError(404, 'invalid_request_error', undefined, `Unrecognized request URL (${method}: ${url.pathname}).`);
    const query: FormObject = parseForm(url.search.slice(1));
    settleRedactions(store, settings);
    const result = await match.route.handler({
      method,
      path: url.pathname,
      params: match.params,
      query,
      body: toFormObject(body),
      livemode: dispatchOptions.livemode ?? false,
      store,
      settings,
      internal: true,
    });
    return publicJson(result);
  };

  const seeded = resolved.seed === undefined ? { customers: 0, objects: 0, requests: 0 } : await applySeed(await loadSeed(resolved.seed), dispatch, () => store.nowSeconds());

  const server = createEmulatorServer({
    router,
    store,
    settings,
    faults,
    clock,
    rateLimiter: new RateLimiter(
      { perSecond: resolved.rateLimit, searchPerSecond: resolved.searchRateLimit, endpointPerSecond: resolved.endpointRateLimit },
      store.clockMs,
    ),
    idempotency: new IdempotencyStore(store.clockMs),
    logger: resolved.logger,
    latencyMs: resolved.latencyMs,
    ...(resolved.notice !== undefined ? { notice: resolved.notice } : {}),
    apiVersions: resolved.apiVersions,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      webhooks.close();
      reject(error);
    });
    server.listen(resolved.port, resolved.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    store,
    settings,
    faults,
    clock,
    dispatch,
    seeded,
    webhookSecret,
    webhooks,
    close: () =>
      new Promise<void>((resolve, reject) => {
        webhooks.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
