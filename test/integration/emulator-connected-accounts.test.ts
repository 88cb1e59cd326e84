/**
 * Connected accounts in the emulator, through the real SDK with `stripeAccount`: each account its own
 * objects, jobs, events, idempotency keys and rate limits, picked by `Stripe-Account`; an account
 * the key cannot reach gets Stripe's 403 `account_invalid`; no header is the platform.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/emulator/index.js';
import { AccountSpaces } from '../../src/emulator/connected-accounts.js';
import { IdempotencyStore } from '../../src/emulator/idempotency.js';
import { RateLimiter } from '../../src/emulator/rate-limiter.js';
import { EmulatorStore, type StoredObject } from '../../src/emulator/store.js';
import { TEST_API_KEY, startTestEmulator, stripeFor, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
const log: RequestLogEntry[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator({
    validationMs: 10,
    redactionMs: 10,
    logger: (entry) => log.push(entry),
    seed: {
      customers: [{ id: 'cus_platform_ann', email: 'ann@example.com' }],
      accounts: [
        { id: 'acct_shopA', email: 'owner@shop-a.example', customers: [{ id: 'cus_a_ann', email: 'ann@example.com' }] },
        { id: 'acct_shopB', customers: [{ id: 'cus_b_bob', email: 'bob@example.com' }] },
      ],
    },
  });
});
afterAll(() => emulator.close());

const as = (account: string | undefined): Stripe =>
  new Stripe(TEST_API_KEY, { host: '127.0.0.1', port: emulator.port, protocol: 'http', telemetry: false, maxNetworkRetries: 0, ...(account ? { stripeAccount: account } : {}) });

async function rejection(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('connected accounts', () => {
  it('seeds each account with its own objects, and the seed counts them', async () => {
    expect(emulator.seeded).toEqual({ customers: 3, objects: 0, requests: 0, accounts: 2 });
    expect((await as(undefined).customers.search({ query: "email:'ann@example.com'" })).data.map((c) => c.id)).toEqual(['cus_platform_ann']);
    expect((await as('acct_shopA').customers.search({ query: "email:'ann@example.com'" })).data.map((c) => c.id)).toEqual(['cus_a_ann']);
    expect((await as('acct_shopB').customers.search({ query: "email:'ann@example.com'" })).data).toEqual([]);
    const missing = await rejection(as('acct_shopB').customers.retrieve('cus_a_ann'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('answers GET /v1/account with the account Stripe-Account names, and the platform without it', async () => {
    expect((await as('acct_shopA').accounts.retrieveCurrent()).id).toBe('acct_shopA');
    expect((await as(undefined).accounts.retrieveCurrent()).id).toBe('acct_emulator0000000');
    // The platform's own id in the header is the platform.
    expect((await as('acct_emulator0000000').customers.retrieve('cus_platform_ann')).id).toBe('cus_platform_ann');
  });

  it("refuses an account the key cannot reach with Stripe's 403 account_invalid, before anything is done", async () => {
    const before = emulator.store.collection('customers').size;
    const error = await rejection(as('acct_nowhere1').customers.create({ email: 'x@example.com' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error).toMatchObject({ statusCode: 403, type: 'StripePermissionError', code: 'account_invalid' });
    expect(error.message).toContain("does not have access to account 'acct_nowhere1'");
    expect(error.message).not.toContain(TEST_API_KEY);
    expect(emulator.store.collection('customers').size).toBe(before);
  });

  it('creates an account with POST /v1/accounts, empty, and reachable at once', async () => {
    const created = await as(undefined).accounts.create({ type: 'express', email: 'new@example.com' });
    expect(created.id).toMatch(/^acct_[A-Za-z0-9]+$/);
    expect((await as(created.id).customers.list()).data).toEqual([]);
    expect((await as(undefined).accounts.retrieve(created.id)).email).toBe('new@example.com');
    // A connected account is not a platform.
    const refused = await rejection(as(created.id).accounts.create({ type: 'express' }));
    expect(refused.statusCode).toBe(400);
  });

  it("keeps each account's jobs and events: a job on one account is not listed on another", async () => {
    const job = await as('acct_shopA').privacy.redactionJobs.create({ objects: { customers: ['cus_a_ann'] } });
    await waitForJobStatus(as('acct_shopA'), job.id, 'ready');
    expect((await as('acct_shopA').privacy.redactionJobs.list()).data.map((j) => j.id)).toContain(job.id);
    expect((await as('acct_shopB').privacy.redactionJobs.list()).data).toEqual([]);
    expect((await as(undefined).privacy.redactionJobs.list()).data.map((j) => j.id)).not.toContain(job.id);
    // The platform's customer with the same email is untouched by the connected account's job.
    await as('acct_shopA').privacy.redactionJobs.run(job.id);
    await waitForJobStatus(as('acct_shopA'), job.id, 'succeeded');
    expect((await as(undefined).customers.retrieve('cus_platform_ann')).deleted).toBeUndefined();
    expect(emulator.accounts.get('acct_shopA')?.store.collection('events').size).toBeGreaterThan(0);
    const platformEvents = emulator.store.collection<StoredObject & { data: { object: { id?: string } } }>('events').all();
    expect(platformEvents.some((event) => event.data.object.id === job.id)).toBe(false);
  });

  it('logs the account of each request, and none for the platform', () => {
    const shopB = log.filter((entry) => entry.account === 'acct_shopB');
    expect(shopB.length).toBeGreaterThan(0);
    expect(log.some((entry) => entry.path === '/v1/customers/cus_platform_ann' && entry.account === undefined)).toBe(true);
  });

  it('replays an idempotency key per account: the same key on two accounts makes two objects', async () => {
    const key = `same-key-${Math.random()}`;
    const a = await as('acct_shopA').customers.create({ email: 'k@example.com' }, { idempotencyKey: key });
    const b = await as('acct_shopB').customers.create({ email: 'k@example.com' }, { idempotencyKey: key });
    expect(a.id).not.toBe(b.id);
    expect((await as('acct_shopA').customers.create({ email: 'k@example.com' }, { idempotencyKey: key })).id).toBe(a.id);
  });
});

describe("each account's rate limit", () => {
  it('limits each account on its own: one account at its limit leaves the others their whole limit', () => {
    // A frozen clock: the window never passes, so only the accounts' separation decides.
    const store = new EmulatorStore(() => 0);
    const limits = { perSecond: 3, searchPerSecond: 3, endpointPerSecond: 3 };
    const platform = { id: 'acct_platform', store, settings: emulator.settings, rateLimiter: new RateLimiter(limits, store.clockMs), idempotency: new IdempotencyStore(store.clockMs) };
    const spaces = new AccountSpaces(platform, limits);
    spaces.create({ id: 'acct_one' });
    spaces.create({ id: 'acct_two' });
    const admit = (account: string | undefined) => Array.from({ length: 4 }, () => spaces.pick(account)!.rateLimiter.admit('read', 'GET /v1/customers'));
    expect(admit('acct_one')).toEqual(['admitted', 'admitted', 'admitted', 'global']);
    expect(admit('acct_two')).toEqual(['admitted', 'admitted', 'admitted', 'global']);
    expect(admit(undefined)).toEqual(['admitted', 'admitted', 'admitted', 'global']);
  });

  it('serves a single-account emulator as before: no header, the platform; stripeFor clients work', async () => {
    const single = await startTestEmulator();
    try {
      const customer = await stripeFor(single).customers.create({ email: 'solo@example.com' });
      expect(single.store.collection('customers').get(customer.id)).toBeDefined();
      expect(single.accounts.connected()).toEqual([]);
    } finally {
      await single.close();
    }
  });
});
