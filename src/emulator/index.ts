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
import { AccountSpaces, type AccountSpace } from './connected-accounts.js';

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
export type { AccountSpace, ConnectedAccountRecord } from './connected-accounts.js';

/** Options of an in-process call. */
export interface DispatchOptions {
  /** Act as a live-mode key would. @default false */
  livemode?: boolean;
  /** Always true for `dispatch`: handlers may honour `id` in create bodies and skip search lag. */
  internal?: true;
  /** Act for this connected account, as `Stripe-Account` does. @default the platform */
  account?: string;
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
  /** The platform's own objects (the account used without `Stripe-Account`). */
  store: EmulatorStore;
  /** The platform and its connected accounts: `accounts.get('acct_…')?.store` holds a connected account's objects. */
  accounts: AccountSpaces;
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
  const limits = { perSecond: resolved.rateLimit, searchPerSecond: resolved.searchRateLimit, endpointPerSecond: resolved.endpointRateLimit };
  const platform: AccountSpace = {
    id: resolved.accountId,
    store,
    settings,
    rateLimiter: new RateLimiter(limits, store.clockMs),
    idempotency: new IdempotencyStore(store.clockMs),
  };
  const accounts = new AccountSpaces(platform, limits);
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
  // A connected account's events reach the platform's Connect endpoints carrying `account`, as Stripe's do.
  accounts.onCreate((space) =>
    space.store.collection<StripeEvent>(EVENTS).onInsert((event) => {
      (event as StripeEvent & { account?: string }).account = space.id;
      webhooks.enqueue(event);
    }),
  );

  const dispatch: Dispatch = async (method, path, body = {}, dispatchOptions = {}) => {
    const url = new URL(path, 'http://emulator.invalid');
    const match = router.match(method, url.pathname);
    if (!match) throw new ApiError(404, 'invalid_request_error', undefined, `Unrecognized request URL (${method}: ${url.pathname}).`);
    const query: FormObject = parseForm(url.search.slice(1));
    const space = accounts.pick(dispatchOptions.account);
    if (!space) throw new ApiError(403, 'invalid_request_error', 'account_invalid', `No such connected account: '${dispatchOptions.account}'`);
    settleRedactions(space.store, space.settings);
    const result = await match.route.handler({
      method,
      path: url.pathname,
      params: match.params,
      query,
      body: toFormObject(body),
      livemode: dispatchOptions.livemode ?? false,
      store: space.store,
      settings: space.settings,
      internal: true,
      accounts,
      ...(space.connected ? { connectedAccount: space.connected } : {}),
    });
    return publicJson(result);
  };

  const seeded =
    resolved.seed === undefined
      ? { customers: 0, objects: 0, requests: 0 }
      : await applySeed(await loadSeed(resolved.seed), (method, path, body, account) => dispatch(method, path, body, account === undefined ? {} : { account }), () => store.nowSeconds());

  const server = createEmulatorServer({
    router,
    store,
    settings,
    faults,
    clock,
    rateLimiter: platform.rateLimiter,
    idempotency: platform.idempotency,
    accounts,
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
    accounts,
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
