import { ApiError } from './api-error.js';
import { IdempotencyStore } from './idempotency.js';
import { RateLimiter } from './rate-limiter.js';
import type { EmulatorSettings } from './route.js';
import { EmulatorStore } from './store.js';

/** A connected account as `GET /v1/account` (with `Stripe-Account`) and `POST /v1/accounts` show it. */
export interface ConnectedAccountRecord {
  id: string;
  object: 'account';
  type: 'standard' | 'express' | 'custom';
  country: string;
  email: string | null;
  business_profile: { name: string | null };
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  created: number;
}

/**
 * Everything one Stripe account owns in the emulator: its objects (jobs and events included), its
 * rate limits and its idempotency keys. The platform is one; each connected account is another,
 * made when the account is created. Stripe measures limits per account (docs/stripe.md#rate-limits), so no
 * two spaces share a limiter.
 */
export interface AccountSpace {
  id: string;
  store: EmulatorStore;
  /** The platform's settings, with `accountId` this account's: tests' live changes reach every account. */
  settings: EmulatorSettings;
  rateLimiter: RateLimiter;
  idempotency: IdempotencyStore;
  /** The connected account's record; `undefined` for the platform. */
  connected?: ConnectedAccountRecord;
}

/** The limits every account gets, as `--rate-limit`, `--search-rate-limit`, `--endpoint-rate-limit` say. */
export interface AccountLimits {
  perSecond: number;
  searchPerSecond: number;
  endpointPerSecond: number;
}

const ACCOUNT_ID = /^acct_[A-Za-z0-9]+$/;

/**
 * The platform and its connected accounts, picked by the `Stripe-Account` header. The platform's
 * own space is the one used without the header (or with its own id), so a single-account emulator
 * works exactly as before: one header read per request.
 */
export class AccountSpaces {
  readonly #connected = new Map<string, AccountSpace>();
  readonly #createListeners: ((space: AccountSpace) => void)[] = [];

  constructor(
    readonly platform: AccountSpace,
    readonly limits: AccountLimits,
  ) {}

  /** The space a request acts in: the platform without a header; `undefined` for an account the key cannot reach. */
  pick(header: string | undefined): AccountSpace | undefined {
    if (header === undefined || header === this.platform.id) return this.platform;
    return this.#connected.get(header);
  }

  get(id: string): AccountSpace | undefined {
    return this.pick(id);
  }

  /** Calls `listener` with each connected account created from now on (how its events reach webhooks). */
  onCreate(listener: (space: AccountSpace) => void): void {
    this.#createListeners.push(listener);
  }

  /** Connected accounts, oldest first. */
  connected(): AccountSpace[] {
    return [...this.#connected.values()];
  }

  /**
   * Creates a connected account of the platform (`POST /v1/accounts`): its own empty store on the
   * platform's clock, its own limits and keys. `fields.id` fixes the id (seeds, in-process only).
   */
  create(fields: { id?: string; type?: string; country?: string; email?: string; business_name?: string }): ConnectedAccountRecord {
    const id = fields.id ?? this.platform.store.newId('acct');
    if (!ACCOUNT_ID.test(id)) throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `Invalid account id '${id}': expected acct_ then letters or digits.`, 'id');
    if (id === this.platform.id || this.#connected.has(id)) throw new ApiError(400, 'invalid_request_error', 'resource_already_exists', `An account with id '${id}' already exists.`, 'id');
    const type = fields.type ?? 'express';
    if (type !== 'standard' && type !== 'express' && type !== 'custom') {
      throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `Invalid type: must be one of standard, express, or custom.`, 'type');
    }
    const record: ConnectedAccountRecord = {
      id,
      object: 'account',
      type,
      country: fields.country ?? 'US',
      email: fields.email ?? null,
      business_profile: { name: fields.business_name ?? null },
      charges_enabled: true,
      payouts_enabled: true,
      details_submitted: true,
      created: this.platform.store.nowSeconds(),
    };
    const clockMs = this.platform.store.clockMs;
    // Reads fall through to the platform's settings, so a test that changes a variant changes it everywhere.
    const settings = Object.create(this.platform.settings, { accountId: { value: id, enumerable: true } }) as EmulatorSettings;
    const space: AccountSpace = {
      id,
      store: new EmulatorStore(clockMs),
      settings,
      rateLimiter: new RateLimiter(this.limits, clockMs),
      idempotency: new IdempotencyStore(clockMs),
      connected: record,
    };
    this.#connected.set(id, space);
    for (const listener of this.#createListeners) listener(space);
    return record;
  }
}

/**
 * Stripe's answer to a `Stripe-Account` the key cannot act for (an account that does not exist, or
 * is not connected to the key's platform): HTTP 403, `invalid_request_error`, code `account_invalid`
 * ("The account ID provided as a value for the Stripe-Account header is invalid", Stripe's error
 * codes), with the message Stripe sends. The SDK raises it as a `StripePermissionError` (403).
 */
export function accountUnreachable(apiKey: string, accountId: string): ApiError {
  const masked = `${apiKey.slice(0, 8)}${'*'.repeat(Math.max(0, Math.min(apiKey.length - 12, 20)))}${apiKey.slice(-4)}`;
  return new ApiError(
    403,
    'invalid_request_error',
    'account_invalid',
    `The provided key '${masked}' does not have access to account '${accountId}' (or that account does not exist). Application access may have been revoked.`,
  );
}
