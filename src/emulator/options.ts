import type { EmulatorLogger } from './request-log.js';
import type { SeedDocument } from './seed.js';

/** How to start an emulator. Every field is optional in `startEmulator`; defaults are Stripe's test mode. */
export interface EmulatorOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host: string;
  /** TCP port; `0` picks a free one (read it from `RunningEmulator.port`). @default 0 */
  port: number;
  /** Objects to create before listening: a path to a JSON seed file, or the parsed document. @default none */
  seed: string | SeedDocument | undefined;
  /** Added to every response, in ms. @default 0 */
  latencyMs: number;
  /** How long a redaction job stays `validating`, in ms. @default 200 */
  validationMs: number;
  /** How long a redaction job stays `redacting`, in ms. @default 300 */
  redactionMs: number;
  /** Requests per second (sliding 1 s window) before 429 `rate_limit`. @default 25 (Stripe test mode) */
  rateLimit: number;
  /** Search requests per second, counted on top of `rateLimit`. @default 20 (Stripe's search limit) */
  searchRateLimit: number;
  /** How long a customer created or changed over the API stays invisible (or stale) to search, in ms. @default 0 */
  searchLagMs: number;
  /** Cascade size above which a redaction job fails validation with `too_many_objects`. @default 1000 */
  maxJobObjects: number;
  /** Receives one entry per request (and per webhook attempt). @default silent */
  logger: EmulatorLogger;
  /**
   * A job naming a missing, deleted or redacted id (docs/stripe.md#emulator-variants). `accept`: created, and its
   * validation fails with an `invalid_state` error whose `erroring_object` is that id; `refuse`: 400
   * `resource_missing` at create, `param` naming the slot. @default 'accept'
   */
  unknownIds: 'accept' | 'refuse';
  /**
   * An illegal status transition. `plain`: 400 `invalid_request_error` with a message naming the
   * current status and no `code`; `coded`: `code: status_transition_invalid`. @default 'plain'
   */
  transitionErrors: 'plain' | 'coded';
  /**
   * A `locked_by_other_job` error's message. `plain`: Stripe's documented text, naming no job;
   * `named`: it also names the locking job and its status. @default 'plain'
   */
  lockErrors: 'plain' | 'named';
  /**
   * The errors of a `fix` job that fails for a blocker `fix` cannot clear. `keep`: the fixable
   * blockers are listed too; `drop`: only what `fix` cannot clear. @default 'keep'
   */
  fixListing: 'keep' | 'drop';
  /**
   * Whether `expand[]=validation_errors` (and `data.validation_errors` on lists) is served; `no`
   * refuses it with 400, as an account or API version without it would. @default 'yes'
   */
  expandValidationErrors: 'yes' | 'no';
  /**
   * Where a second job naming an object that an older live job holds (its cascade included) is
   * refused. `create`: at create, 400 `invalid_request_error` with Stripe's plain message and no
   * `code` or `param`; `validation`: it is created and fails validation with `locked_by_other_job`.
   * @default 'create'
   */
  lockRefusal: 'create' | 'validation';
  /** The HTTP status of a refused status transition (validate, run, cancel, update). @default '409' */
  refusalStatus: '409' | '400';
  /**
   * Requests per second (sliding 1 s window) that one named operation — method and path template,
   * e.g. `POST /v1/privacy/redaction_jobs` — may get before 429 `rate_limit`, besides `rateLimit`.
   * @default 25 (Stripe's default per endpoint)
   */
  endpointRateLimit: number;
  /** The account `GET /v1/account` answers with: `acct_` and letters or digits. @default 'acct_emulator0000000' */
  accountId: string;
  /** Endpoint URLs (http/https) that every recorded event is POSTed to, signed. @default none */
  webhooks: readonly string[];
  /** The `whsec_…` secret webhooks are signed with. @default generated at start (`RunningEmulator.webhookSecret`) */
  webhookSecret: string | undefined;
  /** Wait before a failed webhook's 2nd attempt, doubling after each failure (at most 60 s), in ms. @default 1000 */
  webhookRetryBaseMs: number;
  /** Attempts per event and endpoint before a webhook is given up. @default 8 */
  webhookMaxAttempts: number;
  /**
   * Sent as `Stripe-Notice: TEXT` on every response (`/_emulator/*` aside), as Stripe flags a
   * deprecation or a coming change. Printable ASCII. @default none
   */
  notice: string | undefined;
  /**
   * The `Stripe-Version` values the emulator knows. A request naming another is refused as Stripe
   * refuses an invalid version (400 `invalid_request_error`); a request without the header is
   * served (the account's default version). @default [EMULATOR_API_VERSION]
   */
  apiVersions: readonly string[];
  /**
   * How long the objects of a succeeded redaction job read `redaction.status: processing` before
   * `redacted`, in ms on the emulator's clock. @default 1000
   */
  settleMs: number;
  /**
   * Charges and PaymentIntents younger than `youngDays` after their job succeeds (docs/stripe.md#emulator-variants).
   * `validated`: they read `redaction.status: validated` — "passed validation but isn't redacted
   * yet" — and keep their data until they age, and so does their customer; `redacted`: no hold.
   * @default 'validated'
   */
  youngCharges: 'validated' | 'redacted';
  /** The age, in days of the emulator's clock (by `created`), from which a charge or PaymentIntent is no longer held. @default 90 */
  youngDays: number;
  /**
   * A job naming a customer deleted with `DELETE /v1/customers/:id` (never redacted). `refuse`: its
   * validation fails with `invalid_state` naming the customer; `redact`: it is redacted like any
   * other. Either way the job is created, whatever `unknownIds` says. @default 'refuse'
   */
  deletedCustomers: 'refuse' | 'redact';
}

/**
 * The API version the pinned SDK (`stripe@22.7.0-beta.1`) sends, and the one version the emulator
 * knows unless told more: the emulator does not import the SDK, so a test pins the two together.
 */
export const EMULATOR_API_VERSION = '2026-08-26.preview';

/** The behaviours Stripe does not document, one option each (docs/stripe.md#emulator-variants). */
export type EmulatorVariants = Pick<
  EmulatorOptions,
  | 'unknownIds'
  | 'transitionErrors'
  | 'lockErrors'
  | 'fixListing'
  | 'expandValidationErrors'
  | 'youngCharges'
  | 'deletedCustomers'
  | 'lockRefusal'
  | 'refusalStatus'
  | 'youngCharges'
  | 'deletedCustomers'
>;

/** The values of each variant option, the default (least helpful) first, as in docs/stripe.md#emulator-variants. */
export const VARIANT_CHOICES = {
  unknownIds: ['accept', 'refuse'],
  transitionErrors: ['plain', 'coded'],
  lockErrors: ['plain', 'named'],
  fixListing: ['keep', 'drop'],
  expandValidationErrors: ['yes', 'no'],
  youngCharges: ['validated', 'redacted'],
  deletedCustomers: ['refuse', 'redact'],
  lockRefusal: ['create', 'validation'],
  refusalStatus: ['409', '400'],
} as const satisfies { [K in keyof EmulatorVariants]: readonly EmulatorVariants[K][] };

/**
 * The more informative value of each variant: a refusal naming the slot, a transition code, a lock
 * naming its job, a fix listing only what `fix` cannot clear, embedded validation errors, no hold of
 * young charges, deleted customers redacted like any other. Spread it
 * into the options (`startEmulator({...HELPFUL_VARIANTS})`) to run under "the helpful ones".
 * A lock is refused at validation (with its documented code, pinned on an object), a refused
 * transition answers 400.
 */
export const HELPFUL_VARIANTS = {
  unknownIds: 'refuse',
  transitionErrors: 'coded',
  lockErrors: 'named',
  fixListing: 'drop',
  expandValidationErrors: 'yes',
  youngCharges: 'redacted',
  deletedCustomers: 'redact',
  lockRefusal: 'validation',
  refusalStatus: '400',
} as const satisfies EmulatorVariants;

export const DEFAULT_EMULATOR_OPTIONS = {
  host: '127.0.0.1',
  port: 0,
  seed: undefined,
  latencyMs: 0,
  validationMs: 200,
  redactionMs: 300,
  rateLimit: 25,
  searchRateLimit: 20,
  searchLagMs: 0,
  maxJobObjects: 1000,
  logger: () => {},
  unknownIds: 'accept',
  transitionErrors: 'plain',
  lockErrors: 'plain',
  fixListing: 'keep',
  expandValidationErrors: 'yes',
  lockRefusal: 'create',
  refusalStatus: '409',
  endpointRateLimit: 25,
  accountId: 'acct_emulator0000000',
  webhooks: [] as readonly string[],
  webhookSecret: undefined,
  webhookRetryBaseMs: 1000,
  webhookMaxAttempts: 8,
  notice: undefined,
  apiVersions: [EMULATOR_API_VERSION] as readonly string[],
  settleMs: 1000,
  youngCharges: 'validated',
  youngDays: 90,
  deletedCustomers: 'refuse',
} satisfies EmulatorOptions;

/** Stripe account ids: `acct_` and an alphanumeric tail. */
const ACCOUNT_ID = /^acct_[A-Za-z0-9]+$/;

/** Bounds of the numeric options: `[min, max]`, integers only. */
const NUMERIC_BOUNDS = {
  port: [0, 65_535],
  latencyMs: [0, 600_000],
  validationMs: [0, 3_600_000],
  redactionMs: [0, 3_600_000],
  rateLimit: [1, 1_000_000],
  searchRateLimit: [1, 1_000_000],
  endpointRateLimit: [1, 1_000_000],
  searchLagMs: [0, 86_400_000],
  maxJobObjects: [1, 1_000_000_000],
  webhookRetryBaseMs: [0, 3_600_000],
  webhookMaxAttempts: [1, 100],
  settleMs: [0, 86_400_000],
  youngDays: [0, 3650],
} as const satisfies Partial<Record<keyof EmulatorOptions, readonly [number, number]>>;

/**
 * Fill in defaults and check every option. Throws a `TypeError` whose message names the option,
 * what was expected and what arrived: ``Expected `rateLimit` to be an integer from 1 to 1000000, got `0` (number)``.
 */
export function resolveEmulatorOptions(options: Partial<EmulatorOptions>): EmulatorOptions {
  const resolved: EmulatorOptions = { ...DEFAULT_EMULATOR_OPTIONS };
  for (const [key, value] of Object.entries(options) as [keyof EmulatorOptions, unknown][]) {
    if (value === undefined) continue;
    if (!Object.hasOwn(DEFAULT_EMULATOR_OPTIONS, key)) throw new TypeError(`Unknown emulator option \`${String(key)}\``);
    (resolved as unknown as Record<string, unknown>)[key] = value;
  }
  for (const [key, [min, max]] of Object.entries(NUMERIC_BOUNDS) as [keyof typeof NUMERIC_BOUNDS, readonly [number, number]][]) {
    const value: unknown = resolved[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new TypeError(`Expected \`${key}\` to be an integer from ${min} to ${max}, got ${describe(value)}`);
    }
  }
  if (typeof resolved.host !== 'string' || resolved.host.trim() === '') {
    throw new TypeError(`Expected \`host\` to be a non-empty string, got ${describe(resolved.host)}`);
  }
  if (resolved.seed !== undefined && typeof resolved.seed !== 'string' && (typeof resolved.seed !== 'object' || resolved.seed === null)) {
    throw new TypeError(`Expected \`seed\` to be a file path or a seed object, got ${describe(resolved.seed)}`);
  }
  for (const [key, choices] of Object.entries(VARIANT_CHOICES) as [keyof EmulatorVariants, readonly string[]][]) {
    const value: unknown = resolved[key];
    if (typeof value !== 'string' || !choices.includes(value)) {
      throw new TypeError(`Expected \`${key}\` to be one of ${choices.map((c) => `\`${c}\``).join(', ')}, got ${describe(value)}`);
    }
  }
  if (typeof resolved.accountId !== 'string' || !ACCOUNT_ID.test(resolved.accountId)) {
    throw new TypeError(`Expected \`accountId\` to be an account id such as acct_1Example (acct_ then letters or digits), got ${describe(resolved.accountId)}`);
  }
  if (typeof resolved.logger !== 'function') {
    throw new TypeError(`Expected \`logger\` to be a function, got ${describe(resolved.logger)}`);
  }
  checkWebhookOptions(resolved);
  checkHeaderOptions(resolved);
  return resolved;
}

/** `notice` and `apiVersions` become or are compared with HTTP header values: printable ASCII only. */
function checkHeaderOptions(resolved: EmulatorOptions): void {
  const notice: unknown = resolved.notice;
  if (notice !== undefined && (typeof notice !== 'string' || !HEADER_TEXT.test(notice))) {
    throw new TypeError(`Expected \`notice\` to be non-empty printable ASCII text (an HTTP header value), got ${describe(notice)}`);
  }
  const versions: unknown = resolved.apiVersions;
  if (!Array.isArray(versions) || versions.length === 0 || !versions.every((v) => typeof v === 'string' && HEADER_TEXT.test(v))) {
    throw new TypeError(`Expected \`apiVersions\` to be a non-empty array of version names such as ${EMULATOR_API_VERSION}, got ${describe(versions)}`);
  }
}

const HEADER_TEXT = /^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$/;

function checkWebhookOptions(resolved: EmulatorOptions): void {
  if (!Array.isArray(resolved.webhooks)) throw new TypeError(`Expected \`webhooks\` to be an array of URLs, got ${describe(resolved.webhooks)}`);
  for (const [i, endpoint] of resolved.webhooks.entries()) {
    let protocol: string | undefined;
    try {
      protocol = typeof endpoint === 'string' ? new URL(endpoint).protocol : undefined;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new TypeError(`Expected \`webhooks[${i}]\` to be an http or https URL, got ${describe(endpoint)}`);
    }
  }
  const secret: unknown = resolved.webhookSecret;
  if (secret !== undefined && (typeof secret !== 'string' || !/^whsec_[A-Za-z0-9_\-+/=]+$/.test(secret))) {
    throw new TypeError(`Expected \`webhookSecret\` to be a signing secret starting with whsec_, got ${describe(secret)}`);
  }
}

function describe(value: unknown): string {
  return `\`${typeof value === 'string' ? value : String(value)}\` (${value === null ? 'null' : typeof value})`;
}
