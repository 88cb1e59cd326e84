import type { EmulatorVariants } from './options.js';
import type { AccountSpaces, ConnectedAccountRecord } from './connected-accounts.js';
import type { EmulatorStore } from './store.js';

/** A parsed form or query value: Stripe's bracket encoding (`a[b][0]=x`, `a[b][]=x`) becomes nested objects and arrays. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Emulator settings a handler may need (timings, caps). */
export interface EmulatorSettings {
  /** How long a redaction job stays `validating`. @default 200 (ms) */
  validationMs: number;
  /** How long a redaction job stays `redacting`. @default 300 (ms) */
  redactionMs: number;
  /** How long a new or changed customer stays invisible to search. @default 0 (ms) */
  searchLagMs: number;
  /** Cascade size above which validation fails with `too_many_objects`. @default 1000 */
  maxJobObjects: number;
  /** The account `GET /v1/account` answers with. @default DEFAULT_EMULATOR_OPTIONS.accountId */
  accountId?: string;
  /** How long a redaction job stays `canceling`. @default min(validationMs, 50) (ms) */
  cancelingMs?: number;
  /** Which of the plausible behaviours Stripe leaves undocumented the emulator shows (docs/stripe.md#emulator-variants). */
  variants: EmulatorVariants;
  /** How long a succeeded job's objects read `processing` before `redacted`. @default 1000 (ms, emulator clock) */
  settleMs: number;
  /** Under `variants.youngCharges: 'validated'`, the age (by `created`) from which charges and PaymentIntents are no longer held. @default 90 (days) */
  youngDays: number;
}

export interface RequestContext {
  method: string;
  path: string;
  /** Path parameters named in the route pattern (`/v1/customers/:id` → `{id}`). */
  params: Record<string, string>;
  /** Parsed query string (GET and DELETE). */
  query: FormObject;
  /** Parsed form body (POST). */
  body: FormObject;
  /** `true` for `sk_live_`/`rk_live_` keys. */
  livemode: boolean;
  store: EmulatorStore;
  settings: EmulatorSettings;
  /**
   * `true` for in-process calls through `RunningEmulator.dispatch` (the seed): no HTTP, auth or rate
   * limit. Handlers may then honour an `id` in a create body, so seeds can fix ids, and skip search lag.
   */
  internal: boolean;
  /** The platform and its connected accounts (`POST /v1/accounts` adds one). */
  accounts?: AccountSpaces;
  /** The connected account `Stripe-Account` picked; absent when the request acts for the platform. */
  connectedAccount?: ConnectedAccountRecord;
}

/** Which rate limit a route counts against: Stripe limits search separately. */
export type RouteKind = 'read' | 'write' | 'search';

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path pattern with `:name` segments, e.g. `/v1/privacy/redaction_jobs/:id/run`. */
  path: string;
  kind?: RouteKind;
  /** Returns the JSON body of a 200 response, or throws an `ApiError`. */
  handler: (ctx: RequestContext) => unknown | Promise<unknown>;
}
