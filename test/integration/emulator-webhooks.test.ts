/**
 * Webhooks: every recorded event POSTed to a loopback endpoint, signed so that the SDK's
 * `stripe.webhooks.constructEvent` accepts it, retried while the endpoint fails, in order per
 * object; and `GET /v1/events` listing the same events through the SDK.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the endpoint answered. */
  status: number;
  event: { id: string; type: string; data: { object: { id: string; status?: string } } };
}

/** A webhook endpoint on 127.0.0.1:0 that records every POST; `answer` picks each status. */
class Endpoint {
  readonly received: Received[] = [];
  answer: (event: Received['event'], attempt: number) => number = () => 200;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const event = JSON.parse(body) as Received['event'];
        const attempt = this.received.filter((r) => r.event.id === event.id).length + 1;
        const status = this.answer(event, attempt);
        this.received.push({ headers: req.headers, body, status, event });
        res.writeHead(status).end();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks?token=abc`;
  }

  /** Deliveries answered 2xx, in arrival order. */
  delivered(): Received['event'][] {
    return this.received.filter((r) => r.status < 300).map((r) => r.event);
  }

  reset(): void {
    this.received.length = 0;
    this.answer = () => 200;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}

let endpoint: Endpoint;
let emulator: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  endpoint = new Endpoint();
  const url = await endpoint.listen();
  emulator = await startTestEmulator({ webhooks: [url], webhookRetryBaseMs: 20, webhookMaxAttempts: 4, validationMs: 20, redactionMs: 20 });
  stripe = emulator.stripe;
});
afterEach(() => endpoint.reset());
afterAll(async () => {
  await emulator.close();
  await endpoint.close();
});

async function jobOnFreshCustomer(options: { blocked?: boolean } = {}): Promise<Stripe.Privacy.RedactionJob> {
  const customer = await stripe.customers.create({ email: 'hooked@example.com' });
  if (options.blocked) await stripe.paymentIntents.create({ amount: 100, currency: 'usd', customer: customer.id });
  return stripe.privacy.redactionJobs.create({ objects: { customers: [customer.id] } });
}

describe('webhook delivery', () => {
  it('signs every event so that the SDK accepts it, and a wrong secret does not', async () => {
    expect(emulator.webhookSecret).toMatch(/^whsec_/);
    const job = await jobOnFreshCustomer();
    await waitForJobStatus(stripe, job.id, 'ready');
    await emulator.webhooks.idle();

    const received = endpoint.received.filter((r) => r.event.data.object.id === job.id);
    expect(received.map((r) => r.event.type)).toEqual(['privacy.redaction_job.created', 'privacy.redaction_job.ready']);
    for (const { body, headers } of received) {
      expect(headers['content-type']).toMatch(/^application\/json/);
      const signature = headers['stripe-signature'] as string;
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const event = stripe.webhooks.constructEvent(body, signature, emulator.webhookSecret);
      expect(event.data.object).toMatchObject({ id: job.id, object: 'privacy.redaction_job' });
      expect(() => stripe.webhooks.constructEvent(body, signature, 'whsec_not_the_secret')).toThrow(/signature/i);
      expect(() => stripe.webhooks.constructEvent(body.replace(job.id, 'prj_forged'), signature, emulator.webhookSecret)).toThrow(/signature/i);
    }
  });

  it('retries an event the endpoint fails twice, then delivers it; pending_webhooks drops to 0', async () => {
    endpoint.answer = (event, attempt) => (event.type === 'privacy.redaction_job.created' && attempt <= 2 ? 500 : 200);
    const job = await jobOnFreshCustomer();
    await waitForJobStatus(stripe, job.id, 'ready');
    await emulator.webhooks.idle();

    const created = endpoint.received.filter((r) => r.event.data.object.id === job.id && r.event.type === 'privacy.redaction_job.created');
    expect(created.map((r) => r.status)).toEqual([500, 500, 200]);
    // Each attempt is signed afresh, and the delivered one verifies.
    const last = created.at(-1)!;
    expect(stripe.webhooks.constructEvent(last.body, last.headers['stripe-signature'] as string, emulator.webhookSecret).id).toBe(last.event.id);
    const stored = await stripe.events.retrieve(last.event.id);
    expect(stored.pending_webhooks).toBe(0);
  });

  it('gives up after the last attempt, leaving pending_webhooks at 1', async () => {
    endpoint.answer = (event) => (event.type === 'privacy.redaction_job.created' ? 503 : 200);
    const job = await jobOnFreshCustomer();
    await waitForJobStatus(stripe, job.id, 'ready');
    await emulator.webhooks.idle();
    const created = endpoint.received.filter((r) => r.event.data.object.id === job.id && r.event.type === 'privacy.redaction_job.created');
    expect(created).toHaveLength(4);
    expect((await stripe.events.retrieve(created[0]!.event.id)).pending_webhooks).toBe(1);
  });

  it("delivers a job's events in the order they happened, even while earlier ones are retried", async () => {
    // Every event's first attempt fails, a `created` event's first three: without per-object order,
    // the later events would overtake it.
    endpoint.answer = (event, attempt) => (attempt <= (event.type === 'privacy.redaction_job.created' ? 3 : 1) ? 500 : 200);
    const succeeded = await jobOnFreshCustomer();
    await waitForJobStatus(stripe, succeeded.id, 'ready');
    await stripe.privacy.redactionJobs.run(succeeded.id);
    const blocked = await jobOnFreshCustomer({ blocked: true });
    await waitForJobStatus(stripe, blocked.id, 'failed');
    await stripe.privacy.redactionJobs.cancel(blocked.id);
    await waitForJobStatus(stripe, succeeded.id, 'succeeded');
    await waitForJobStatus(stripe, blocked.id, 'canceled');
    await emulator.webhooks.idle();

    const typesOf = (jobId: string) =>
      endpoint
        .delivered()
        .filter((e) => e.data.object.id === jobId)
        .map((e) => `${e.type} ${e.data.object.status}`);
    expect(typesOf(succeeded.id)).toEqual([
      'privacy.redaction_job.created created',
      'privacy.redaction_job.ready ready',
      'privacy.redaction_job.succeeded succeeded',
    ]);
    expect(typesOf(blocked.id)).toEqual([
      'privacy.redaction_job.created created',
      'privacy.redaction_job.validation_error failed',
      'privacy.redaction_job.canceled canceled',
    ]);
  });
});

describe('GET /v1/events', () => {
  it('lists the delivered events, newest first, with the type filter, limit and starting_after', async () => {
    const job = await jobOnFreshCustomer();
    await waitForJobStatus(stripe, job.id, 'ready');
    await stripe.privacy.redactionJobs.run(job.id);
    await waitForJobStatus(stripe, job.id, 'succeeded');
    await emulator.webhooks.idle();

    const all: Stripe.Event[] = [];
    for await (const event of stripe.events.list({ limit: 2 })) all.push(event);
    const delivered = endpoint.delivered();
    const listedOfJob = all.filter((e) => (e.data.object as { id: string }).id === job.id).map((e) => e.id);
    expect(listedOfJob).toEqual(delivered.filter((e) => e.data.object.id === job.id).map((e) => e.id).reverse());
    expect(all.map((e) => e.created)).toEqual([...all.map((e) => e.created)].sort((a, b) => b - a));

    const succeeded = await stripe.events.list({ type: 'privacy.redaction_job.succeeded', limit: 100 });
    expect(succeeded.data.length).toBeGreaterThan(0);
    expect(succeeded.data.every((e) => e.type === 'privacy.redaction_job.succeeded')).toBe(true);
    expect(succeeded.data[0]!.data.object).toMatchObject({ id: job.id, status: 'succeeded' });

    const first = await stripe.events.list({ limit: 1 });
    const second = await stripe.events.list({ limit: 1, starting_after: first.data[0]!.id });
    expect(second.data[0]!.id).toBe(all[1]!.id);
  });
});

describe('webhook options', () => {
  it('names a bad endpoint or secret', async () => {
    await expect(startEmulator({ webhooks: ['ftp://example.com/hook'] })).rejects.toThrow(/`webhooks\[0\]` to be an http or https URL/);
    await expect(startEmulator({ webhookSecret: 'sk_test_oops' })).rejects.toThrow(/`webhookSecret` .*whsec_/);
  });

  it('signs with the secret given', async () => {
    const given = await startEmulator({ webhookSecret: 'whsec_given_secret' });
    try {
      expect(given.webhookSecret).toBe('whsec_given_secret');
    } finally {
      await given.close();
    }
  });
});
