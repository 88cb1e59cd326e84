import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../src/emulator/clock.js';
import { Faults } from '../../src/emulator/faults.js';
import { IdempotencyStore } from '../../src/emulator/idempotency.js';
import { SeedError, startEmulator, type RequestLogEntry } from '../../src/emulator/index.js';
import { RateLimiter } from '../../src/emulator/rate-limiter.js';
import { Router } from '../../src/emulator/router.js';
import { createEmulatorServer } from '../../src/emulator/server.js';
import { EmulatorStore } from '../../src/emulator/store.js';
import { startTestEmulator, stripeFor, TEST_API_KEY, type TestEmulator } from '../helpers/emulator.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const auth = { authorization: `Bearer ${TEST_API_KEY}` };

let emulator: TestEmulator;
const log: RequestLogEntry[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator({ logger: (entry) => log.push(entry) });
});
afterAll(() => emulator.close());
afterEach(() => emulator.faults.reset());

let counter = 0;
const uniqueEmail = (label: string): string => `${label}.${(counter += 1)}.${Date.now()}@example.com`;
const customersWithEmail = (email: string): number =>
  emulator.store
    .collection<{ id: string; object: string; created: number; livemode: boolean; email: string | null }>('customers')
    .all()
    .filter((c) => c.email === email).length;

describe('HTTP basics', () => {
  it('answers the health check without a key', async () => {
    const response = await fetch(`${emulator.url}/_emulator/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('sends JSON with a Request-Id on every answer', async () => {
    const response = await fetch(`${emulator.url}/v1/customers`, { headers: auth });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
  });

  it('answers an unknown route with a Stripe-shaped 404 and logs it', async () => {
    const response = await fetch(`${emulator.url}/v1/not_a_thing?x=1`, { headers: auth });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { type: 'invalid_request_error', message: 'Unrecognized request URL (GET: /v1/not_a_thing).' },
    });
    expect(log).toContainEqual(expect.objectContaining({ method: 'GET', path: '/v1/not_a_thing', status: 404, note: 'unrecognized route' }));
    await expect(emulator.stripe.rawRequest('GET', '/v1/not_a_thing')).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('never logs query strings, which carry emails', async () => {
    const email = uniqueEmail('private');
    await emulator.stripe.customers.list({ email });
    expect(JSON.stringify(log)).not.toContain(email);
  });

  it('accepts curl-style [] arrays in the query string', async () => {
    const query = encodeURIComponent(`email:'${uniqueEmail('none')}'`);
    const response = await fetch(`${emulator.url}/v1/customers/search?query=${query}&expand[]=total_count`, { headers: auth });
    expect(await response.json()).toMatchObject({ object: 'search_result', total_count: 0 });
  });

  it('answers 500 api_error when a handler throws something unexpected', async () => {
    const store = new EmulatorStore();
    const server = createEmulatorServer({
      router: new Router([{ method: 'GET', path: '/v1/boom', handler: () => { throw new Error('boom'); } }]),
      store,
      settings: emulator.settings,
      faults: new Faults(),
      clock: new EmulatorClock(),
      rateLimiter: new RateLimiter({ perSecond: 100, searchPerSecond: 100 }),
      idempotency: new IdempotencyStore(),
      logger: () => {},
      latencyMs: 0,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = stripeFor({ port: (server.address() as AddressInfo).port });
      await expect(client.rawRequest('GET', '/v1/boom')).rejects.toMatchObject({ type: 'StripeAPIError', statusCode: 500, rawType: 'api_error' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('authentication', () => {
  it('answers 401 without a key', async () => {
    const response = await fetch(`${emulator.url}/v1/customers`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
  });

  it('maps a malformed key to StripeAuthenticationError', async () => {
    const client = emulator.client({ apiKey: 'pk_test_publishable' });
    await expect(client.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('accepts curl -u basic auth', async () => {
    const response = await fetch(`${emulator.url}/v1/customers`, { headers: { authorization: `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}` } });
    expect(response.status).toBe(200);
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and parameters', async () => {
    const email = uniqueEmail('idem');
    const first = await emulator.stripe.customers.create({ email }, { idempotencyKey: `replay-${email}` });
    const second = await emulator.stripe.customers.create({ email }, { idempotencyKey: `replay-${email}` });
    expect(second.id).toBe(first.id);
    expect(second).toEqual(first);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(customersWithEmail(email)).toBe(1);
  });

  it('refuses the same key with other parameters (400 idempotency_error)', async () => {
    const key = `mismatch-${uniqueEmail('k')}`;
    await emulator.stripe.customers.create({ email: uniqueEmail('a') }, { idempotencyKey: key });
    await expect(emulator.stripe.customers.create({ email: uniqueEmail('b') }, { idempotencyKey: key })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
      rawType: 'idempotency_error',
    });
  });

  it('answers 409 idempotency_key_in_use while the first request is in flight', async () => {
    const email = uniqueEmail('inflight');
    const key = `inflight-${email}`;
    emulator.faults.use({ method: 'POST', path: '/v1/customers', delayMs: 400, times: 1 });
    const first = emulator.stripe.customers.create({ email }, { idempotencyKey: key });
    // The handler has run once the customer exists; its answer is still held back by the fault.
    while (customersWithEmail(email) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(emulator.stripe.customers.create({ email }, { idempotencyKey: key })).rejects.toMatchObject({
      statusCode: 409,
      code: 'idempotency_key_in_use',
    });
    const created = await first;
    expect((await emulator.stripe.customers.create({ email }, { idempotencyKey: key })).id).toBe(created.id);
  });
});

describe('rate limits', () => {
  it('answers 429 rate_limit above the limit, which the SDK raises as StripeRateLimitError', async () => {
    const limited = await startTestEmulator({ rateLimit: 3 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => limited.stripe.customers.list()));
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Stripe.errors.StripeError);
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(0);
      expect(rejected.length).toBeGreaterThan(0);
      for (const error of rejected) {
        expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
        expect(error.code).toBe('rate_limit');
      }
    } finally {
      await limited.close();
    }
  });

  it('counts search against its own, lower limit', async () => {
    const limited = await startTestEmulator({ rateLimit: 100, searchRateLimit: 2 });
    try {
      const searches = await Promise.allSettled(Array.from({ length: 6 }, () => limited.stripe.customers.search({ query: "email:'x@example.com'" })));
      expect(searches.some((r) => r.status === 'rejected' && r.reason instanceof Stripe.errors.StripeRateLimitError)).toBe(true);
      await expect(limited.stripe.customers.list()).resolves.toMatchObject({ object: 'list' });
    } finally {
      await limited.close();
    }
  });

  it('limits before idempotency: a key refused with 429 runs when retried', async () => {
    const limited = await startTestEmulator({ rateLimit: 1 });
    try {
      await limited.stripe.customers.list();
      const key = `limited-${uniqueEmail('k')}`;
      await expect(limited.stripe.customers.create({ name: 'Later' }, { idempotencyKey: key })).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      await new Promise((resolve) => setTimeout(resolve, 1050));
      const created = await limited.stripe.customers.create({ name: 'Later' }, { idempotencyKey: key });
      expect(created.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    } finally {
      await limited.close();
    }
  });
});

describe('faults and latency', () => {
  it('a 500 fault is retried by the SDK with the same key, creating one customer', async () => {
    const email = uniqueEmail('fault500');
    emulator.faults.use({ method: 'POST', path: '/v1/customers', status: 500, times: 1 });
    const client = emulator.client({ maxNetworkRetries: 2 });
    await expect(client.customers.create({ email })).resolves.toMatchObject({ email });
    expect(customersWithEmail(email)).toBe(1);
    expect(emulator.faults.pending()).toEqual([]);
  });

  it('an injected 429 honours Stripe-Should-Retry', async () => {
    emulator.faults.use({ path: '/v1/customers', method: 'GET', status: 429, times: 1, shouldRetry: true });
    await expect(emulator.client({ maxNetworkRetries: 1 }).customers.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('a dropped connection surfaces as StripeConnectionError, and is retried when allowed', async () => {
    // The SDK retries a reset connection once even with maxNetworkRetries 0, so drop twice.
    emulator.faults.use({ path: /^\/v1\/customers$/, drop: true, times: 2 });
    await expect(emulator.stripe.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    emulator.faults.use({ path: /^\/v1\/customers$/, drop: true, times: 1 });
    await expect(emulator.client({ maxNetworkRetries: 1 }).customers.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('adds latencyMs to every response', async () => {
    const slow = await startTestEmulator({ latencyMs: 150 });
    try {
      const started = performance.now();
      await slow.stripe.customers.list();
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await slow.close();
    }
  });
});

describe('seed', () => {
  it('creates customers with fixed ids, searchable at once, then runs requests and deletes', async () => {
    const seeded = await startTestEmulator({
      searchLagMs: 60_000,
      seed: {
        customers: [
          { id: 'cus_sample_alice', email: 'alice@example.com', name: 'Alice', metadata: { crm: '7' } },
          { id: 'cus_sample_gone', email: 'gone@example.com', deleted: true },
        ],
        requests: [{ method: 'POST', path: '/v1/customers/cus_sample_alice', body: { phone: '+4900' } }],
      },
    });
    try {
      expect(seeded.seeded).toEqual({ customers: 2, objects: 0, requests: 1 });
      const found = await seeded.stripe.customers.search({ query: "email:'alice@example.com'" });
      expect(found.data).toEqual([expect.objectContaining({ id: 'cus_sample_alice', phone: '+4900', metadata: { crm: '7' } })]);
      expect({ ...(await seeded.stripe.customers.retrieve('cus_sample_gone')) }).toEqual({ id: 'cus_sample_gone', object: 'customer', deleted: true });
    } finally {
      await seeded.close();
    }
  });

  it('builds a customer graph: payment methods attached, intents confirmed, invoices finalized', async () => {
    const seeded = await startTestEmulator({
      seed: {
        customers: [
          {
            id: 'cus_graph',
            email: 'graph@example.com',
            payment_methods: [{ id: 'pm_graph', card: { token: 'tok_visa' } }],
            payment_intents: [{ id: 'pi_graph', amount: 500, currency: 'eur', payment_method: 'pm_graph', _then: ['confirm'] }],
            invoices: [{ id: 'in_graph', _then: [{ action: 'finalize' }] }],
          },
        ],
      },
    });
    try {
      expect(seeded.seeded).toEqual({ customers: 1, objects: 3, requests: 0 });
      await expect(seeded.stripe.paymentMethods.retrieve('pm_graph')).resolves.toMatchObject({ customer: 'cus_graph' });
      await expect(seeded.stripe.paymentIntents.retrieve('pi_graph')).resolves.toMatchObject({ customer: 'cus_graph', status: 'succeeded' });
      await expect(seeded.stripe.invoices.retrieve('in_graph')).resolves.toMatchObject({ customer: 'cus_graph', status: 'open' });
    } finally {
      await seeded.close();
    }
  });

  it('reads a seed file and names the failing entry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emulator-seed-'));
    const file = join(dir, 'seed.json');
    await writeFile(file, JSON.stringify({ customers: [{ email: 'a@example.com' }, { email: 'b@example.com', bogus: 1 }] }));
    await expect(startEmulator({ seed: file })).rejects.toThrow(/Seed customers\[1\]: Received unknown parameter: bogus/);
    await expect(startEmulator({ seed: { customers: [{ id: 5 }], extra: [] } as never })).rejects.toThrow(SeedError);
    await expect(startEmulator({ seed: { customers: [{ id: 5 }] } as never })).rejects.toThrow(/customers\[0\]\.id must be a string/);
    await expect(
      startEmulator({ seed: { customers: [{ id: 'cus_bad_graph', payment_intents: [{ amount: 1, currency: 'eur', _then: ['nonsense'] }] }] } }),
    ).rejects.toThrow(/Seed customers\[0\] \(cus_bad_graph\)\.payment_intents\[0\] nonsense: Unrecognized request URL/);
    await writeFile(file, '{not json');
    await expect(startEmulator({ seed: file })).rejects.toThrow(/not valid JSON/);
  });

  it('dispatches in-process without auth and honours ids', async () => {
    await emulator.dispatch('POST', '/v1/customers', { id: 'cus_dispatched', email: uniqueEmail('d') });
    await expect(emulator.dispatch('GET', '/v1/customers/cus_dispatched')).resolves.toMatchObject({ id: 'cus_dispatched' });
    await expect(emulator.dispatch('GET', '/v1/nope')).rejects.toMatchObject({ status: 404 });
  });
});

describe('the emulator command', () => {
  it('prints its URL first, serves the SDK, logs to stderr and stops on SIGTERM with exit 0', async () => {
    // CI builds before testing; without a build, run the sources through tsx.
    const built = existsSync(join(ROOT, 'dist/cli/emulator-command.js'));
    const args = built
      ? ['bin/stripe-redact.js', 'emulator', '--port', '0', '--search-lag-ms', '0']
      : ['--import', 'tsx', '-e', "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })", 'emulator', '--port', '0'];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${stderr}`)));
      });
      expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = stripeFor({ port: Number(new URL(firstLine).port) });
      await expect(client.customers.create({ name: 'Spawned' })).resolves.toMatchObject({ object: 'customer' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/POST \/v1\/customers 200/);
  });

  it('refuses a bad flag value with exit 2 and a message naming the option', async () => {
    const { emulatorCommand } = await import('../../src/cli/emulator-command.js');
    const { exitCodeOf } = await import('../../src/cli/exit-codes.js');
    const write = process.stderr.write.bind(process.stderr);
    let captured = '';
    process.stderr.write = ((chunk: string) => ((captured += chunk), true)) as typeof process.stderr.write;
    try {
      expect(exitCodeOf(await emulatorCommand(['--rate-limit', '0']))).toBe(2);
      expect(exitCodeOf(await emulatorCommand(['--port', 'x']))).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(captured).toMatch(/--rate-limit/);
    expect(captured).toMatch(/--port/);
  });
});
