import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { StripeEvent } from './redaction/events.js';
import type { EmulatorLogger } from './request-log.js';
import { publicJson } from './server.js';

/**
 * Webhook delivery, as Stripe does it (https://docs.stripe.com/webhooks): every recorded event is
 * POSTed as JSON to every endpoint with a `Stripe-Signature` header, `t=<unix seconds>,v1=<hex>`,
 * the HMAC-SHA256 of `"<t>.<body>"` keyed with the endpoint secret — what the SDK's
 * `stripe.webhooks.constructEvent` checks. A non-2xx answer or a network error is retried with
 * exponential backoff up to `maxAttempts`. Events of one object reach an endpoint in the order they
 * were recorded: the next waits until the previous was delivered or given up.
 */

/** How deliveries are made. */
export interface WebhookDeliveryOptions {
  /** Endpoint URLs (http or https). */
  endpoints: readonly string[];
  /** The `whsec_…` signing secret shared by every endpoint. */
  secret: string;
  /** Wait before the 2nd attempt, doubling after each failure (capped at `MAX_BACKOFF_MS`), in ms. */
  retryBaseMs: number;
  /** Attempts per event and endpoint before it is given up. */
  maxAttempts: number;
  /** One entry per attempt: `POST <endpoint> <status>`, noted `webhook <type> <event id> attempt n`. */
  logger: EmulatorLogger;
}

/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 60_000;
/** An endpoint that takes longer than this to answer has failed the attempt. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** A fresh signing secret, `whsec_` and 32 random bytes in base64url. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The `Stripe-Signature` header for `payload` signed at `timestampSeconds`. */
export function signatureHeader(payload: string, secret: string, timestampSeconds: number): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}

/** Delivers events to the endpoints; one per emulator. */
export class WebhookDelivery {
  readonly #options: WebhookDeliveryOptions;
  /** The last delivery queued per endpoint and object: the next one for that pair waits for it. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #closing = new AbortController();

  constructor(options: WebhookDeliveryOptions) {
    this.#options = options;
  }

  /** Queues the event for every endpoint; `pending_webhooks` counts the endpoints still to answer 2xx. */
  enqueue(event: StripeEvent): void {
    if (this.#options.endpoints.length === 0 || this.#closing.signal.aborted) return;
    event.pending_webhooks = this.#options.endpoints.length;
    const objectId = typeof event.data.object.id === 'string' ? event.data.object.id : event.id;
    for (const endpoint of this.#options.endpoints) {
      const key = `${endpoint}\n${objectId}`;
      const previous = this.#chains.get(key) ?? Promise.resolve();
      const next = previous.then(() => this.#deliver(endpoint, event));
      this.#chains.set(key, next);
      void next.finally(() => {
        if (this.#chains.get(key) === next) this.#chains.delete(key);
      });
    }
  }

  /** Resolves once every delivery queued so far was made or given up. */
  async idle(): Promise<void> {
    while (this.#chains.size > 0) await Promise.all(this.#chains.values());
  }

  /** Stops: waiting retries are dropped and attempts in flight aborted. */
  close(): void {
    this.#closing.abort();
  }

  async #deliver(endpoint: string, event: StripeEvent): Promise<void> {
    const { maxAttempts, retryBaseMs, secret, logger } = this.#options;
    const signal = this.#closing.signal;
    const where = logPath(endpoint);
    for (let attempt = 1; attempt <= maxAttempts && !signal.aborted; attempt += 1) {
      const payload = JSON.stringify(publicJson(event), null, 2);
      const startedAt = performance.now();
      let status = 0;
      let failure: string | undefined;
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'Stripe-Signature': signatureHeader(payload, secret, Math.floor(Date.now() / 1000)),
          },
          body: payload,
          signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      const delivered = status >= 200 && status < 300;
      const note = `webhook ${event.type} ${event.id} attempt ${attempt}/${maxAttempts}${failure === undefined ? '' : `: ${failure}`}${!delivered && attempt === maxAttempts ? ', given up' : ''}`;
      logger({ requestId: event.id, method: 'POST', path: where, status, durationMs: performance.now() - startedAt, note });
      if (delivered) {
        event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
        return;
      }
      if (attempt < maxAttempts) {
        try {
          await delay(Math.min(retryBaseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS), undefined, { signal });
        } catch {
          return; // closed while waiting
        }
      }
    }
  }
}

/** The endpoint without query or credentials: logs must not carry tokens a URL may hold. */
function logPath(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.origin}${url.pathname}`;
}
