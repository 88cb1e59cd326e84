/**
 * Start an emulator for a test and talk to it with the real Stripe SDK.
 *
 * ```ts
 * const emulator = await startTestEmulator({ searchLagMs: 300 });
 * afterAll(() => emulator.close());
 * const customer = await emulator.stripe.customers.create({ email: 'a@example.com' });
 * const impatient = emulator.client({ maxNetworkRetries: 0 });
 * ```
 */
import Stripe from 'stripe';
import { HELPFUL_VARIANTS, startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { createStripeGateway } from '../../src/stripe/stripe-gateway.js';

/** A test-mode key the emulator accepts. */
export const TEST_API_KEY = 'sk_test_emulator';

/** Options for `client()`. */
export interface TestClientOptions {
  /** @default TEST_API_KEY */
  apiKey?: string;
  /** The SDK's transport retries. @default 0, so a test sees every error unless it asks for retries */
  maxNetworkRetries?: number;
}

export interface TestEmulator extends RunningEmulator {
  /** A client with `TEST_API_KEY` and no retries. */
  stripe: Stripe;
  /** Another client for this emulator (other key, retries). */
  client(options?: TestClientOptions): Stripe;
}

/** An SDK client for any running emulator. `telemetry: false`, as the project always sets. */
export function stripeFor(emulator: Pick<RunningEmulator, 'port'>, options: TestClientOptions = {}): Stripe {
  return new Stripe(options.apiKey ?? TEST_API_KEY, {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
  });
}

/**
 * Helpful variants the client does not handle yet, held at their default in the helpful pass: today's
 * client reports a deleted customer `already_redacted` without a job under `refuse`, but a job
 * redacts it under `redact`, so the two passes' reports would differ. Drop an entry once the client
 * ends the same under both (issue 14, "Deleted customers are redacted, not skipped").
 */
const PENDING_CLIENT_SUPPORT: Partial<EmulatorOptions> = { deletedCustomers: 'refuse' };

/**
 * The variants of docs/stripe.md#emulator-variants the suite runs under: the emulator's defaults (the least helpful
 * ones), or `HELPFUL_VARIANTS` with `STRIPE_REDACT_TEST_VARIANTS=helpful` — `npm test` runs the
 * end-to-end tests both ways, and their reports must not differ.
 */
export const SUITE_VARIANTS: Partial<EmulatorOptions> =
  process.env.STRIPE_REDACT_TEST_VARIANTS === 'helpful' ? { ...HELPFUL_VARIANTS, ...PENDING_CLIENT_SUPPORT } : {};

/**
 * How the suite's emulators settle redacted objects: at once (`settleMs: 0`), and the clock has
 * passed `--young-days` (`youngDays: 0`), so no charge is held `validated`. Tests of holds and
 * settling pass their own `settleMs`/`youngDays` and move the emulator's clock.
 */
export const SUITE_SETTLING: Partial<EmulatorOptions> = { settleMs: 0, youngDays: 0 };

/**
 * Start an emulator on 127.0.0.1 and a free port; rate limits default high so parallel tests never
 * trip them. Variants are {@link SUITE_VARIANTS} and settling {@link SUITE_SETTLING} unless a test
 * passes its own.
 */
export async function startTestEmulator(options: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const emulator = await startEmulator({ rateLimit: 10_000, searchRateLimit: 10_000, endpointRateLimit: 10_000, ...SUITE_SETTLING, ...SUITE_VARIANTS, ...options, host: '127.0.0.1', port: 0 });
  return Object.assign(emulator, {
    stripe: stripeFor(emulator),
    client: (clientOptions?: TestClientOptions) => stripeFor(emulator, clientOptions),
  });
}

/**
 * The project's gateway for an emulator, with no budget and no retries (a test sees each first
 * error, mapped), recording the operation of every request it sends in `sent`.
 */
export function recordingGateway(emulator: Pick<RunningEmulator, 'url'>, apiKey = 'sk_test_gateway'): { gateway: StripeGateway; sent: string[] } {
  const sent: string[] = [];
  const gateway = createStripeGateway({
    apiKey,
    apiBase: emulator.url,
    send: (_class, label, request) => {
      sent.push(label);
      return request();
    },
  });
  return { gateway, sent };
}
