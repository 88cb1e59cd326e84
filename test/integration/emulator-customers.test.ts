import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMERS, type Customer } from '../../src/emulator/resources/customer-object.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startTestEmulator();
  stripe = emulator.stripe;
});
afterAll(() => emulator.close());

/** Unique per test so tests in this file never see each other's customers. */
let counter = 0;
const uniqueEmail = (label: string): string => `${label}.${(counter += 1)}.${Date.now()}@example.com`;

describe('customers CRUD through the SDK', () => {
  it('creates, retrieves, updates and deletes', async () => {
    const created = await stripe.customers.create({ email: uniqueEmail('crud'), name: 'Ada', phone: '+4412', metadata: { ticket: 'T-1' } });
    expect(created).toMatchObject({ object: 'customer', livemode: false, name: 'Ada', metadata: { ticket: 'T-1' } });
    expect(created.id).toMatch(/^cus_/);
    expect(JSON.stringify(created)).not.toContain('_searchableAtMs');

    const updated = await stripe.customers.update(created.id, { name: 'Ada L.', metadata: { ticket: '', source: 'csv' } });
    expect(updated).toMatchObject({ name: 'Ada L.', metadata: { source: 'csv' } });

    const retrieved = await stripe.customers.retrieve(created.id);
    expect(retrieved).toMatchObject({ id: created.id, name: 'Ada L.' });

    expect(await stripe.customers.del(created.id)).toEqual(expect.objectContaining({ id: created.id, object: 'customer', deleted: true }));
    const gone = await stripe.customers.retrieve(created.id);
    expect({ ...gone }).toEqual({ id: created.id, object: 'customer', deleted: true });
    await expect(stripe.customers.update(created.id, { name: 'x' })).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing' });
  });

  it('answers 404 resource_missing for an unknown id and 400 for an unknown parameter', async () => {
    await expect(stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(stripe.customers.create({ nonsense: 'x' } as Stripe.CustomerCreateParams)).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'nonsense',
    });
  });

  it('keeps live-mode and test-mode customers apart', async () => {
    const live = emulator.client({ apiKey: 'sk_live_emulator' });
    const customer = await live.customers.create({ email: uniqueEmail('live') });
    expect(customer.livemode).toBe(true);
    await expect(stripe.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('GET /v1/customers', () => {
  it('filters by email exactly and case-sensitively, hiding deleted customers', async () => {
    const email = uniqueEmail('Case');
    const a = await stripe.customers.create({ email });
    const b = await stripe.customers.create({ email });
    const deleted = await stripe.customers.create({ email });
    await stripe.customers.del(deleted.id);
    await stripe.customers.create({ email: email.toLowerCase() });

    const list = await stripe.customers.list({ email });
    expect(list.data.map((c) => c.id)).toEqual([b.id, a.id]); // newest first
    expect(list).toMatchObject({ object: 'list', has_more: false, url: '/v1/customers' });
    expect((await stripe.customers.list({ email: email.toUpperCase() })).data).toEqual([]);
  });

  it('pages with limit, starting_after and ending_before, and auto-paginates', async () => {
    const email = uniqueEmail('page');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await stripe.customers.create({ email })).id);
    const newestFirst = [...ids].reverse();

    const first = await stripe.customers.list({ email, limit: 2 });
    expect(first.data.map((c) => c.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.list({ email, limit: 2, starting_after: first.data[1]!.id });
    expect(second.data.map((c) => c.id)).toEqual(newestFirst.slice(2, 4));
    const back = await stripe.customers.list({ email, limit: 2, ending_before: second.data[0]!.id });
    expect(back.data.map((c) => c.id)).toEqual(newestFirst.slice(0, 2));

    const all: string[] = [];
    for await (const customer of stripe.customers.list({ email, limit: 2 })) all.push(customer.id);
    expect(all).toEqual(newestFirst);
  });

  it('refuses a limit outside 1..100', async () => {
    await expect(stripe.customers.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
  });
});

describe('GET /v1/customers/search', () => {
  it('finds ten emails in one OR query, case-insensitively', async () => {
    const emails = Array.from({ length: 10 }, (_, i) => uniqueEmail(`or${i}`));
    const ids = new Set<string>();
    for (const email of emails) ids.add((await stripe.customers.create({ email })).id);
    const query = emails.map((e) => `email:'${e.toUpperCase()}'`).join(' OR ');
    const result = await stripe.customers.search({ query, limit: 100 });
    expect(result).toMatchObject({ object: 'search_result', has_more: false, next_page: null, url: '/v1/customers/search' });
    expect(new Set(result.data.map((c) => c.id))).toEqual(ids);
  });

  it('matches values holding a quote and a backslash when escaped', async () => {
    const email = `o'brien\\${(counter += 1)}@example.com`;
    const customer = await stripe.customers.create({ email });
    const escaped = email.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    const result = await stripe.customers.search({ query: `email:'${escaped}'` });
    expect(result.data.map((c) => c.id)).toEqual([customer.id]);
  });

  it('answers 400 parameter_invalid for 11 clauses, mixed AND/OR and bad syntax', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `email:'x${i}@example.com'`).join(' OR ');
    for (const query of [eleven, "email:'a' OR name:'b' AND phone:'c'", 'email:unquoted']) {
      await expect(stripe.customers.search({ query })).rejects.toMatchObject({
        type: 'StripeInvalidRequestError',
        statusCode: 400,
        code: 'parameter_invalid',
        param: 'query',
      });
    }
  });

  it('pages with limit and next_page', async () => {
    const marker = `paged-${Date.now()}`;
    for (let i = 0; i < 3; i += 1) await stripe.customers.create({ email: uniqueEmail('p'), metadata: { batch: marker } });
    const query = `metadata['batch']:'${marker}'`;
    const first = await stripe.customers.search({ query, limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.search({ query, limit: 2, page: first.next_page! });
    expect(second.data).toHaveLength(1);
    expect(second.has_more).toBe(false);
    await expect(stripe.customers.search({ query: "name:'other'", page: first.next_page! })).rejects.toMatchObject({ param: 'page' });
  });

  it('hides deleted customers and customers the redaction engine marked deleted', async () => {
    const email = uniqueEmail('hidden');
    const deleted = await stripe.customers.create({ email });
    const redacted = await stripe.customers.create({ email });
    const kept = await stripe.customers.create({ email });
    await stripe.customers.del(deleted.id);
    // What the redaction engine does to a redacted customer.
    const stored = emulator.store.collection<Customer>(CUSTOMERS).get(redacted.id)!;
    Object.assign(stored, { deleted: true, email: '[redacted]', name: '[redacted]' });

    expect((await stripe.customers.search({ query: `email:'${email}'` })).data.map((c) => c.id)).toEqual([kept.id]);
    expect((await stripe.customers.list({ email })).data.map((c) => c.id)).toEqual([kept.id]);
  });
});

describe('search lag', () => {
  // A lag on the emulator's clock far longer than any test: the hidden state is asserted
  // unconditionally, and the lag is passed by moving that clock, never by waiting.
  const LAG_SECONDS = 3600;
  let lagged: TestEmulator;
  beforeAll(async () => {
    lagged = await startTestEmulator({ searchLagMs: LAG_SECONDS * 1000 });
  });
  afterAll(() => lagged.close());

  const search = async (query: string): Promise<string[]> => (await lagged.stripe.customers.search({ query })).data.map((c) => c.id);
  const passTheLag = async (): Promise<void> => {
    const response = await fetch(`${lagged.url}/_emulator/clock/advance?seconds=${LAG_SECONDS}`, { method: 'POST' });
    expect(response.status).toBe(200);
  };

  it('hides a new customer from search, not from list, until the lag has passed', async () => {
    const email = uniqueEmail('lag');
    const customer = await lagged.stripe.customers.create({ email });
    expect(await search(`email:'${email}'`)).toEqual([]);
    expect((await lagged.stripe.customers.list({ email })).data.map((c) => c.id)).toEqual([customer.id]);
    await passTheLag();
    expect(await search(`email:'${email}'`)).toEqual([customer.id]);
  });

  it('keeps matching the old email after an update until the lag has passed', async () => {
    const before = uniqueEmail('old');
    const after = uniqueEmail('new');
    const customer = await lagged.stripe.customers.create({ email: before });
    await passTheLag();
    expect(await search(`email:'${before}'`)).toEqual([customer.id]);

    await lagged.stripe.customers.update(customer.id, { email: after });
    expect(await search(`email:'${before}'`)).toEqual([customer.id]);
    expect(await search(`email:'${after}'`)).toEqual([]);
    await passTheLag();
    expect(await search(`email:'${after}'`)).toEqual([customer.id]);
    expect(await search(`email:'${before}'`)).toEqual([]);
  });
});
