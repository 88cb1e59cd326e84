/**
 * What redacted objects read after their job succeeded (docs/stripe.md#emulator-variants, "Added with the
 * verification work"), through the real SDK: the emulator's clock, `redaction.status` settling from
 * `processing` to `redacted` (`settleMs`), young charges held `validated` (`youngCharges`,
 * `youngDays`), a customer's least advanced status, invoices without the field, seeded `created`.
 * Time passes by moving the emulator's clock, never by sleeping.
 */
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { SeedError, startEmulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

const DAY_SECONDS = 86_400;
const FAST = { validationMs: 20, redactionMs: 20 };

const started: TestEmulator[] = [];
afterAll(() => Promise.all(started.map((e) => e.close())));

async function emulatorWith(options: Partial<EmulatorOptions>): Promise<TestEmulator> {
  const emulator = await startTestEmulator({ ...FAST, ...options });
  started.push(emulator);
  return emulator;
}

/** Moves the emulator's clock over HTTP, as a test or an operator would; resolves to the answer. */
async function advance(emulator: TestEmulator, seconds: number | string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.url}/_emulator/clock/advance?seconds=${seconds}`, { method: 'POST' });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A customer with a card payment made now: its PaymentIntent, charge and the customer's id. */
async function payingCustomer(stripe: Stripe, name: string): Promise<{ customer: string; pi: string; charge: string }> {
  const customer = await stripe.customers.create({ email: `${name.toLowerCase()}.${Math.random().toString(36).slice(2)}@example.com`, name });
  const pi = await stripe.paymentIntents.create({
    amount: 1200,
    currency: 'eur',
    customer: customer.id,
    payment_method: 'pm_card_visa',
    confirm: true,
    description: `Order of ${name}`,
    receipt_email: customer.email!,
  });
  return { customer: customer.id, pi: pi.id, charge: pi.latest_charge as string };
}

/** Creates a job, runs it, and waits until it succeeded. */
async function redact(stripe: Stripe, objects: Stripe.Privacy.RedactionJobCreateParams.Objects): Promise<void> {
  const job = await stripe.privacy.redactionJobs.create({ objects });
  await waitForJobStatus(stripe, job.id, 'ready');
  await stripe.privacy.redactionJobs.run(job.id);
  await waitForJobStatus(stripe, job.id, 'succeeded');
}

/** `redaction.status` of a retrieved object, `null` outside any job, `undefined` when it has no such field. */
function statusOf(object: unknown): string | null | undefined {
  const redaction = (object as { redaction?: { status: string } | null }).redaction;
  return redaction === undefined ? undefined : (redaction?.status ?? null);
}

describe('the emulator clock', () => {
  it('moves forward on POST /_emulator/clock/advance and dates new objects by it', async () => {
    const emulator = await emulatorWith({});
    const before = Math.floor(Date.now() / 1000);
    const answer = await advance(emulator, 10 * DAY_SECONDS);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ object: 'emulator.clock', advanced_seconds: 10 * DAY_SECONDS, offset_seconds: 10 * DAY_SECONDS });
    expect(answer.body.now).toBeGreaterThanOrEqual(before + 10 * DAY_SECONDS);

    const customer = await emulator.stripe.customers.create({ email: 'later@example.com' });
    expect(customer.created).toBeGreaterThanOrEqual(before + 10 * DAY_SECONDS);
    const read = (await (await fetch(`${emulator.url}/_emulator/clock`)).json()) as { now: number; offset_seconds: number };
    expect(read.offset_seconds).toBe(10 * DAY_SECONDS);
    expect(read.now).toBeGreaterThanOrEqual(customer.created);
  });

  it.each([['-5'], ['1.5'], ['soon'], [''], [String(20 * 366 * DAY_SECONDS)]])('answers 400 naming seconds for seconds=%j, and stays put', async (bad) => {
    const emulator = await emulatorWith({});
    const answer = await advance(emulator, bad);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'parameter_invalid', param: 'seconds' } });
    expect(emulator.clock.offsetMs).toBe(0);
  });

  it('drops events older than 30 days from the events list and from retrieve', async () => {
    const emulator = await emulatorWith({});
    const { customer } = await payingCustomer(emulator.stripe, 'Evelyn');
    await redact(emulator.stripe, { customers: [customer] });
    const events = await emulator.stripe.events.list({ limit: 100 });
    expect(events.data.map((e) => e.type)).toContain('privacy.redaction_job.succeeded');
    await advance(emulator, 29 * DAY_SECONDS);
    expect((await emulator.stripe.events.list({ limit: 100 })).data).toHaveLength(events.data.length);
    await advance(emulator, 1 * DAY_SECONDS);
    expect((await emulator.stripe.events.list({ limit: 100 })).data).toEqual([]);
    await expect(emulator.stripe.events.retrieve(events.data[0]!.id)).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});

describe('redaction.status settles on the clock (settleMs)', () => {
  it('reads null outside any job, processing for settleMs after the job, then redacted with the data gone', async () => {
    const emulator = await emulatorWith({ settleMs: 3_600_000, youngCharges: 'redacted' });
    const { stripe } = emulator;
    const { customer, pi, charge } = await payingCustomer(stripe, 'Ada');
    expect(statusOf(await stripe.customers.retrieve(customer))).toBeNull();
    expect(statusOf(await stripe.charges.retrieve(charge))).toBeNull();
    expect(statusOf(await stripe.paymentIntents.retrieve(pi))).toBeNull();

    await redact(stripe, { customers: [customer] });
    const processing = await stripe.charges.retrieve(charge);
    expect(processing).toMatchObject({ redaction: { status: 'processing' }, description: 'Order of Ada' });
    const reading = (await stripe.customers.retrieve(customer)) as Stripe.Customer;
    expect(reading).toMatchObject({ id: customer, object: 'customer', name: 'Ada', redaction: { status: 'processing' } });
    expect(reading.deleted).toBeUndefined();
    // Being redacted, it is gone from the lookups already.
    expect((await stripe.customers.list({ email: reading.email! })).data).toEqual([]);

    await advance(emulator, 3_500);
    expect(statusOf(await stripe.charges.retrieve(charge))).toBe('processing');
    expect(statusOf(await stripe.customers.retrieve(customer))).toBe('processing');

    await advance(emulator, 100);
    expect(await stripe.charges.retrieve(charge)).toMatchObject({ redaction: { status: 'redacted' }, description: '[redacted]', receipt_email: '[redacted]' });
    expect(await stripe.paymentIntents.retrieve(pi)).toMatchObject({ redaction: { status: 'redacted' }, description: '[redacted]' });
    expect({ ...(await stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true });
  });

  it('reads redacted as soon as the job succeeds with settleMs 0 (the suite and npm start)', async () => {
    const emulator = await emulatorWith({ settleMs: 0, youngDays: 0 });
    const { customer, charge } = await payingCustomer(emulator.stripe, 'Grace');
    await redact(emulator.stripe, { customers: [customer] });
    expect(statusOf(await emulator.stripe.charges.retrieve(charge))).toBe('redacted');
    expect({ ...(await emulator.stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true });
  });

  it('serves invoices (and subscriptions) without a redaction field, redacted when the job succeeds', async () => {
    const emulator = await emulatorWith({ settleMs: 60_000 });
    const { stripe } = emulator;
    const customer = await stripe.customers.create({ email: 'inv@example.com', name: 'Invoiced' });
    const invoice = await stripe.invoices.finalizeInvoice((await stripe.invoices.create({ customer: customer.id })).id);
    await stripe.invoices.pay(invoice.id);
    expect('redaction' in (await stripe.invoices.retrieve(invoice.id))).toBe(false);
    await redact(stripe, { customers: [customer.id] });
    const after = await stripe.invoices.retrieve(invoice.id);
    expect('redaction' in after).toBe(false);
    expect(after).toMatchObject({ customer_email: '[redacted]', customer_name: '[redacted]' });
  });
});

describe('young charges (youngCharges, youngDays)', () => {
  it('validated (default): a charge and PaymentIntent younger than youngDays read validated, keep their data, and hold their customer', async () => {
    // Settle periods of hours, moves of days: seconds of real time between calls never matter.
    const HALF_DAY_SECONDS = DAY_SECONDS / 2;
    const emulator = await emulatorWith({ settleMs: HALF_DAY_SECONDS * 1000, youngCharges: 'validated', youngDays: 90 });
    const { stripe } = emulator;
    const { customer, pi, charge } = await payingCustomer(stripe, 'Hedy');
    await redact(stripe, { customers: [customer] });

    expect(await stripe.charges.retrieve(charge)).toMatchObject({ redaction: { status: 'validated' }, description: 'Order of Hedy' });
    expect(statusOf(await stripe.paymentIntents.retrieve(pi))).toBe('validated');
    // Its own status is processing; a related validated charge is less advanced.
    expect(statusOf(await stripe.customers.retrieve(customer))).toBe('validated');
    await advance(emulator, HALF_DAY_SECONDS);
    expect(statusOf(await stripe.customers.retrieve(customer))).toBe('validated');

    await advance(emulator, 89 * DAY_SECONDS - HALF_DAY_SECONDS);
    expect(statusOf(await stripe.charges.retrieve(charge))).toBe('validated');
    expect(((await stripe.customers.retrieve(customer)) as Stripe.Customer).deleted).toBeUndefined();

    // Aged: its settle period starts; the customer is as far as its least advanced object.
    await advance(emulator, 1 * DAY_SECONDS);
    expect(statusOf(await stripe.charges.retrieve(charge))).toBe('processing');
    expect(statusOf(await stripe.customers.retrieve(customer))).toBe('processing');
    await advance(emulator, HALF_DAY_SECONDS);
    expect(await stripe.charges.retrieve(charge)).toMatchObject({ redaction: { status: 'redacted' }, description: '[redacted]' });
    expect(statusOf(await stripe.paymentIntents.retrieve(pi))).toBe('redacted');
    expect({ ...(await stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true });
  });

  it('validated: a charge already older than youngDays is not held', async () => {
    const emulator = await emulatorWith({ settleMs: 0, youngCharges: 'validated', youngDays: 90 });
    const { stripe } = emulator;
    const { customer, charge } = await payingCustomer(stripe, 'Old');
    await advance(emulator, 90 * DAY_SECONDS);
    await redact(stripe, { customers: [customer] });
    expect(statusOf(await stripe.charges.retrieve(charge))).toBe('redacted');
    expect(((await stripe.customers.retrieve(customer)) as Stripe.DeletedCustomer).deleted).toBe(true);
  });

  it('redacted: no hold, whatever the age', async () => {
    const emulator = await emulatorWith({ settleMs: 0, youngCharges: 'redacted', youngDays: 90 });
    const { customer, charge } = await payingCustomer(emulator.stripe, 'Young');
    await redact(emulator.stripe, { customers: [customer] });
    expect(statusOf(await emulator.stripe.charges.retrieve(charge))).toBe('redacted');
    expect(((await emulator.stripe.customers.retrieve(customer)) as Stripe.DeletedCustomer).deleted).toBe(true);
  });

  it('ages seeded objects by their created: createdDaysAgo and created', async () => {
    const emulator = await emulatorWith({
      settleMs: 0,
      youngCharges: 'validated',
      youngDays: 90,
      seed: {
        customers: [
          { id: 'cus_dated_old', email: 'old@example.com', created: 1_600_000_000, payment_intents: [{ id: 'pi_dated_old', amount: 100, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 120 }] },
          { id: 'cus_dated_new', email: 'new@example.com', payment_intents: [{ id: 'pi_dated_new', amount: 100, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 3 }] },
        ],
      },
    });
    const { stripe } = emulator;
    const nowSeconds = Math.floor(emulator.clock.nowMs() / 1000);
    expect(((await stripe.customers.retrieve('cus_dated_old')) as Stripe.Customer).created).toBe(1_600_000_000);
    const old = await stripe.paymentIntents.retrieve('pi_dated_old');
    expect(Math.abs(old.created - (nowSeconds - 120 * DAY_SECONDS))).toBeLessThanOrEqual(5);
    expect((await stripe.charges.retrieve(old.latest_charge as string)).created).toBe(old.created);

    await redact(stripe, { customers: ['cus_dated_old', 'cus_dated_new'] });
    expect(statusOf(await stripe.paymentIntents.retrieve('pi_dated_old'))).toBe('redacted');
    expect(statusOf(await stripe.paymentIntents.retrieve('pi_dated_new'))).toBe('validated');
    expect(((await stripe.customers.retrieve('cus_dated_old')) as Stripe.DeletedCustomer).deleted).toBe(true);
    expect(statusOf(await stripe.customers.retrieve('cus_dated_new'))).toBe('validated');
    await advance(emulator, 87 * DAY_SECONDS + 60);
    expect(((await stripe.customers.retrieve('cus_dated_new')) as Stripe.DeletedCustomer).deleted).toBe(true);
  });

  it('refuses a seed date that is not one, naming where it is', async () => {
    await expect(startEmulator({ seed: { customers: [{ id: 'cus_bad_date', createdDaysAgo: -1 }] } })).rejects.toThrow(/customers\[0\]\.createdDaysAgo must be a number of days/);
    await expect(startEmulator({ seed: { customers: [{ payment_intents: [{ created: '2026-01-01' as never }] }] } })).rejects.toThrow(SeedError);
    await expect(startEmulator({ seed: { checkout_sessions: [{ created: 1, createdDaysAgo: 1 }] } })).rejects.toThrow(/checkout_sessions\[0\]: give created or createdDaysAgo, not both/);
  });
});
