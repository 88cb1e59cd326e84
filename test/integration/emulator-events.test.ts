/**
 * The emulator's customer events, `GET /v1/events` filters and window, and webhook endpoints,
 * through the real SDK (issue 18).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { loadSeed, SeedError } from '../../src/emulator/seed.js';
import { startTestEmulator, stripeFor, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const DAY = 86_400;

async function allEvents(stripe: Stripe, params: Stripe.EventListParams): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of stripe.events.list(params)) events.push(event);
  return events;
}

describe('customer events', () => {
  it('records customer.created and customer.updated with the customer as the API shows it, and what an update changed', async () => {
    emulator = await startTestEmulator();
    const stripe = stripeFor(emulator);
    const customer = await stripe.customers.create({ email: 'ev@example.com', name: 'Ev' });
    const updated = await stripe.customers.update(customer.id, { email: 'ev.new@example.com' });
    await stripe.customers.update(customer.id, { email: 'ev.new@example.com' }); // no change: no event
    const events = await allEvents(stripe, { types: ['customer.created', 'customer.updated'] });
    expect(events.map((e) => e.type)).toEqual(['customer.updated', 'customer.created']);
    expect(events[1]?.data.object).toEqual(customer);
    expect(events[0]?.data.object).toEqual(updated);
    expect(events[0]?.data.previous_attributes).toEqual({ email: 'ev@example.com' });
    expect(JSON.stringify(events)).not.toMatch(/"_/);
  });

  it('filters by type, types[] (not both) and created, in pages of at most 100', async () => {
    emulator = await startTestEmulator({ seed: { customers: [{ email: 'old@example.com', createdDaysAgo: 2 }] } });
    const stripe = stripeFor(emulator);
    const start = emulator.store.nowSeconds();
    await stripe.customers.create({ email: 'a@example.com' });
    expect((await allEvents(stripe, { type: 'customer.created' })).length).toBe(2);
    expect((await allEvents(stripe, { type: 'customer.*' })).length).toBe(2);
    expect((await allEvents(stripe, { types: ['customer.updated'] })).length).toBe(0);
    // The seeded customer's event is dated with it, two days back.
    expect((await allEvents(stripe, { types: ['customer.created'], created: { gte: start - 60 } })).map((e) => (e.data.object as Stripe.Customer).email)).toEqual(['a@example.com']);
    expect((await allEvents(stripe, { created: { lt: start - DAY } })).length).toBe(1);
    await expect(stripe.events.list({ type: 'customer.created', types: ['customer.updated'] })).rejects.toMatchObject({ statusCode: 400, param: 'types' });
    await expect(stripe.events.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
    await expect(stripe.events.list({ created: { after: 1 } as unknown as Stripe.RangeQueryParam })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('keeps events 30 days by its clock: older ones leave the list, their customers stay listable by created', async () => {
    emulator = await startTestEmulator();
    const stripe = stripeFor(emulator);
    const customer = await stripe.customers.create({ email: 'window@example.com' });
    await emulator.clock.advance(29 * DAY);
    expect((await allEvents(stripe, { type: 'customer.created' })).length).toBe(1);
    await emulator.clock.advance(2 * DAY);
    expect((await allEvents(stripe, { type: 'customer.created' })).length).toBe(0);
    const listed = await stripe.customers.list({ created: { gte: customer.created } });
    expect(listed.data.map((c) => c.id)).toEqual([customer.id]);
    expect((await stripe.customers.list({ created: { gt: customer.created } })).data).toEqual([]);
  });
});

describe('webhook endpoints', () => {
  it('creates (showing the secret once), lists, retrieves, disables and deletes them', async () => {
    emulator = await startTestEmulator();
    const stripe = stripeFor(emulator);
    const created = await stripe.webhookEndpoints.create({ url: 'https://crm.example.com/hook', enabled_events: ['customer.updated', 'invoice.paid'] });
    expect(created).toMatchObject({ object: 'webhook_endpoint', status: 'enabled', enabled_events: ['customer.updated', 'invoice.paid'], url: 'https://crm.example.com/hook' });
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await stripe.webhookEndpoints.list();
    expect(listed.data.map((e) => e.id)).toEqual([created.id]);
    expect(listed.data[0]?.secret).toBeUndefined();
    const disabled = await stripe.webhookEndpoints.update(created.id, { disabled: true });
    expect(disabled.status).toBe('disabled');
    expect((await stripe.webhookEndpoints.retrieve(created.id)).status).toBe('disabled');
    await expect(stripe.webhookEndpoints.create({ url: 'https://x.example.com', enabled_events: [] as unknown as ['*'] })).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.webhookEndpoints.create({ url: 'not a url', enabled_events: ['*'] })).rejects.toMatchObject({ statusCode: 400, param: 'url' });
    expect(await stripe.webhookEndpoints.del(created.id)).toMatchObject({ deleted: true });
    expect((await stripe.webhookEndpoints.list()).data).toEqual([]);
  });

  it('seeds endpoints, and names a bad seed entry', async () => {
    emulator = await startTestEmulator({ seed: { webhook_endpoints: [{ id: 'we_seeded', url: 'https://wh.example.com/a', enabled_events: ['*'], disabled: true }] } });
    expect(emulator.seeded.webhookEndpoints).toBe(1);
    const [endpoint] = (await stripeFor(emulator).webhookEndpoints.list()).data;
    expect(endpoint).toMatchObject({ id: 'we_seeded', enabled_events: ['*'], status: 'disabled' });
    await expect(loadSeed({ webhook_endpoints: [{ url: 'https://x.example.com' }] } as never)).rejects.toThrow(SeedError);
    await expect(loadSeed({ webhook_endpoints: [{ url: 'https://x.example.com' }] } as never)).rejects.toThrow(/webhook_endpoints\[0\]\.enabled_events/);
  });
});
