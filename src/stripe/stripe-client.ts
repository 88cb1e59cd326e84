/**
 * The SDK client's setup, and the only file that imports the `stripe` package at run time: options,
 * the pinned API version, the notice-taking HTTP client, and the SDK's error classes for the
 * error mapping (src/stripe/stripe-errors.ts).
 */
import Stripe from 'stripe';
import type { SendRequest } from './gateway.js';

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

/** The SDK's error classes, for mapping its errors (the one runtime handle on `stripe` outside this file). */
export const StripeErrors = Stripe.errors;

/** The SDK client of a gateway or probe: no telemetry, no SDK retries, pointed at `apiBase` if given. */
export function newStripeClient(options: StripeGatewayOptions): Stripe {
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
