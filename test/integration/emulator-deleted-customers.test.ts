/**
 * Customers deleted with `DELETE /v1/customers/:id` (docs/stripe.md#emulator-variants, `--deleted-customers`),
 * through the real SDK: a job naming one is created whatever `unknownIds` says; `refuse` fails its
 * validation naming the customer, `redact` redacts it like any other. Its payments, SetupIntents and
 * Checkout Sessions keep their data, stay listable by customer, and can be redacted by id.
 */
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { allValidationErrors, waitForJobStatus } from '../helpers/redaction-jobs.js';

const DAY_SECONDS = 86_400;
const started: TestEmulator[] = [];
afterAll(() => Promise.all(started.map((e) => e.close())));

async function emulatorWith(options: Partial<EmulatorOptions>): Promise<TestEmulator> {
  const emulator = await startTestEmulator({ validationMs: 20, redactionMs: 20, ...options });
  started.push(emulator);
  return emulator;
}

/** A deleted customer whose two payments, SetupIntent and Checkout Session still hold her data. */
async function deletedCustomerWithData(stripe: Stripe): Promise<{ customer: string; pis: string[]; charges: string[]; seti: string; session: string }> {
  const customer = await stripe.customers.create({ email: `radia.${Math.random().toString(36).slice(2)}@example.com`, name: 'Radia Perlman' });
  const pm = await stripe.paymentMethods.create({
    type: 'card',
    card: { token: 'tok_visa' } as never,
    billing_details: { name: 'Radia Perlman', email: customer.email!, address: { line1: '1 Spanning Tree Way', city: 'Boston' } },
  });
  await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
  const pis: string[] = [];
  const charges: string[] = [];
  for (const amount of [1000, 2000]) {
    const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true, receipt_email: customer.email!, description: 'Book for Radia' });
    pis.push(pi.id);
    charges.push(pi.latest_charge as string);
  }
  const seti = await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa', confirm: true, description: 'Card of Radia' });
  const session = await stripe.checkout.sessions.create({ customer: customer.id, mode: 'payment', success_url: 'https://example.com/ok' });
  await stripe.checkout.sessions.expire(session.id);
  await stripe.customers.del(customer.id);
  return { customer: customer.id, pis, charges, seti: seti.id, session: session.id };
}

async function finish(stripe: Stripe, objects: Stripe.Privacy.RedactionJobCreateParams.Objects): Promise<Stripe.Privacy.RedactionJob> {
  const job = await stripe.privacy.redactionJobs.create({ objects });
  const settled = await waitForJobStatus(stripe, job.id, ['ready', 'failed']);
  if (settled.status !== 'ready') return settled;
  await stripe.privacy.redactionJobs.run(job.id);
  return waitForJobStatus(stripe, job.id, 'succeeded');
}

describe('--deleted-customers refuse (default)', () => {
  it.each([['accept'], ['refuse']] as const)('creates the job under --unknown-ids %s, then fails its validation naming the deleted customer', async (unknownIds) => {
    const emulator = await emulatorWith({ unknownIds, deletedCustomers: 'refuse' });
    const { stripe } = emulator;
    const { customer, charges } = await deletedCustomerWithData(stripe);
    const job = await finish(stripe, { customers: [customer] });
    expect(job.status).toBe('failed');
    const errors = await allValidationErrors(stripe, job.id);
    expect(errors.map((e) => [e.code, e.erroring_object])).toEqual([['invalid_state', { id: customer, object_type: 'customer' }]]);
    expect(errors[0]!.message).toMatch(/deleted/);
    // Nothing was touched: the deleted customer reads as before, its charge keeps its data.
    expect({ ...(await stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true });
    expect(await stripe.charges.retrieve(charges[0]!)).toMatchObject({ redaction: null, billing_details: { name: 'Radia Perlman' } });
  });

  it('keeps answering resource_missing (refuse) for ids that never existed and for redacted customers', async () => {
    const emulator = await emulatorWith({ unknownIds: 'refuse' });
    const { stripe } = emulator;
    await expect(stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_neverexisted'] } })).rejects.toMatchObject({ code: 'resource_missing', param: 'objects[customers][0]' });
    const redacted = (await stripe.customers.create({ email: 'r@example.com' })).id;
    expect((await finish(stripe, { customers: [redacted] })).status).toBe('succeeded');
    await expect(stripe.privacy.redactionJobs.create({ objects: { customers: [redacted] } })).rejects.toMatchObject({ code: 'resource_missing' });
  });

  it("lists the deleted customer's PaymentIntents, charges, SetupIntents and Checkout Sessions by customer, paged, with their data", async () => {
    const emulator = await emulatorWith({});
    const { stripe } = emulator;
    const { customer, pis, charges, seti, session } = await deletedCustomerWithData(stripe);

    const first = await stripe.paymentIntents.list({ customer, limit: 1 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/payment_intents' });
    const second = await stripe.paymentIntents.list({ customer, limit: 1, starting_after: first.data[0]!.id });
    expect([...first.data, ...second.data].map((pi) => pi.id)).toEqual([...pis].reverse());
    expect(second.has_more).toBe(false);
    expect(first.data[0]).toMatchObject({ customer, receipt_email: expect.stringContaining('radia.') });

    const listedCharges: string[] = [];
    for await (const charge of stripe.charges.list({ customer, limit: 1 })) listedCharges.push(charge.id);
    expect(listedCharges).toEqual([...charges].reverse());
    expect((await stripe.charges.list({ customer })).data[0]).toMatchObject({ billing_details: { name: 'Radia Perlman' } });
    expect((await stripe.setupIntents.list({ customer })).data.map((s) => s.id)).toEqual([seti]);
    expect((await stripe.checkout.sessions.list({ customer })).data.map((s) => s.id)).toEqual([session]);
  });

  it('redacts those objects in jobs of their own, by id', async () => {
    const emulator = await emulatorWith({});
    const { stripe } = emulator;
    const { pis, charges, seti, session } = await deletedCustomerWithData(stripe);
    const job = await finish(stripe, { payment_intents: pis, setup_intents: [seti], checkout_sessions: [session] });
    expect(job.status).toBe('succeeded');
    for (const id of charges) expect(await stripe.charges.retrieve(id)).toMatchObject({ redaction: { status: 'redacted' }, receipt_email: '[redacted]' });
    expect(await stripe.paymentIntents.retrieve(pis[0]!)).toMatchObject({ redaction: { status: 'redacted' }, description: '[redacted]' });
    expect(await stripe.setupIntents.retrieve(seti)).toMatchObject({ redaction: { status: 'redacted' }, description: '[redacted]' });
    expect(await stripe.checkout.sessions.retrieve(session)).toMatchObject({ redaction: { status: 'redacted' } });
  });
});

describe('--deleted-customers redact', () => {
  it('redacts it like any other customer: its objects redacted, the customer still reads deleted', async () => {
    const emulator = await emulatorWith({ deletedCustomers: 'redact', unknownIds: 'refuse' });
    const { stripe } = emulator;
    const { customer, pis, charges, seti, session } = await deletedCustomerWithData(stripe);
    expect((await finish(stripe, { customers: [customer] })).status).toBe('succeeded');
    expect({ ...(await stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true });
    for (const id of charges) expect(await stripe.charges.retrieve(id)).toMatchObject({ redaction: { status: 'redacted' }, billing_details: { name: '[redacted]' } });
    for (const id of pis) expect(await stripe.paymentIntents.retrieve(id)).toMatchObject({ redaction: { status: 'redacted' } });
    expect(await stripe.setupIntents.retrieve(seti)).toMatchObject({ redaction: { status: 'redacted' } });
    expect(await stripe.checkout.sessions.retrieve(session)).toMatchObject({ redaction: { status: 'redacted' } });
    // Redacted now: a second job names a customer that is gone.
    await expect(stripe.privacy.redactionJobs.create({ objects: { customers: [customer] } })).rejects.toMatchObject({ code: 'resource_missing' });
  });

  it('[ours] while a young charge of it is held, the deleted stub carries redaction.status validated; plain once all are redacted', async () => {
    const emulator = await emulatorWith({ deletedCustomers: 'redact', settleMs: 0, youngCharges: 'validated', youngDays: 90 });
    const { stripe } = emulator;
    const { customer, charges } = await deletedCustomerWithData(stripe);
    expect((await finish(stripe, { customers: [customer] })).status).toBe('succeeded');
    expect({ ...(await stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true, redaction: { status: 'validated' } });
    expect(await stripe.charges.retrieve(charges[0]!)).toMatchObject({ redaction: { status: 'validated' }, billing_details: { name: 'Radia Perlman' } });

    await fetch(`${emulator.url}/_emulator/clock/advance?seconds=${91 * DAY_SECONDS}`, { method: 'POST' });
    expect({ ...(await stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true });
    expect(await stripe.charges.retrieve(charges[0]!)).toMatchObject({ redaction: { status: 'redacted' }, billing_details: { name: '[redacted]' } });
  });
});
