/**
 * The objects of a customer's graph through the real SDK: the statuses Stripe gives them, the
 * blockers they make for redaction (the fix table of docs/stripe.md#what-fix-does) and what redaction leaves.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { allValidationErrors, waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startTestEmulator({ validationMs: 20, redactionMs: 20 });
  stripe = emulator.stripe;
});
afterAll(() => emulator.close());

async function newCustomer(): Promise<string> {
  return (await stripe.customers.create({ email: 'pat@example.com', name: 'Pat Doe', phone: '+15555550100' })).id;
}

async function monthlyPrice(): Promise<string> {
  const product = await stripe.products.create({ name: 'Plan' });
  return (await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 900, recurring: { interval: 'month' } })).id;
}

async function rejection(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('object statuses', () => {
  it('PaymentIntent: requires_payment_method → requires_confirmation → succeeded with a Charge', async () => {
    const customer = await newCustomer();
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'eur', customer });
    expect(pi).toMatchObject({ object: 'payment_intent', status: 'requires_payment_method', latest_charge: null });
    const withCard = await stripe.paymentIntents.update(pi.id, { payment_method: 'pm_card_visa' });
    expect(withCard.status).toBe('requires_confirmation');
    const confirmed = await stripe.paymentIntents.confirm(pi.id);
    expect(confirmed.status).toBe('succeeded');
    const charge = await stripe.charges.retrieve(confirmed.latest_charge as string);
    expect(charge).toMatchObject({ object: 'charge', amount: 1500, customer, payment_intent: pi.id, paid: true, disputed: false });
    expect((await stripe.charges.list({ payment_intent: pi.id })).data.map((c) => c.id)).toEqual([charge.id]);
    expect(await rejection(stripe.paymentIntents.cancel(pi.id))).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it('PaymentIntent: manual capture → requires_capture → captured; cancel from requires_confirmation', async () => {
    const manual = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_visa', capture_method: 'manual', confirm: true });
    expect(manual.status).toBe('requires_capture');
    expect((await stripe.paymentIntents.capture(manual.id)).status).toBe('succeeded');
    const pending = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_visa' });
    expect((await stripe.paymentIntents.cancel(pending.id)).status).toBe('canceled');
  });

  it('pm_card_createDispute: a succeeded, disputed charge with a needs_response dispute', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true });
    expect(pi.status).toBe('succeeded');
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.disputed).toBe(true);
    const [dispute] = (await stripe.disputes.list({ charge: charge.id })).data;
    expect(dispute).toMatchObject({ object: 'dispute', status: 'needs_response', charge: charge.id });
    expect(dispute!.id).toMatch(/^dp_/);
    expect((await stripe.disputes.close(dispute!.id)).status).toBe('lost');
  });

  it('PaymentMethods: attach, list by customer, detach', async () => {
    const customer = await newCustomer();
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' }, billing_details: { name: 'Pat Doe' } });
    expect(pm).toMatchObject({ customer: null, card: { brand: 'visa', last4: '4242' } });
    await stripe.paymentMethods.attach(pm.id, { customer });
    expect((await stripe.paymentMethods.list({ customer, type: 'card' })).data.map((p) => p.id)).toEqual([pm.id]);
    expect((await stripe.paymentMethods.detach(pm.id)).customer).toBeNull();
  });

  it('SetupIntents: requires_payment_method, requires_confirmation, succeeded, canceled', async () => {
    const customer = await newCustomer();
    const bare = await stripe.setupIntents.create({ customer });
    expect(bare.status).toBe('requires_payment_method');
    const withCard = await stripe.setupIntents.create({ customer, payment_method: 'pm_card_visa' });
    expect(withCard.status).toBe('requires_confirmation');
    expect((await stripe.setupIntents.confirm(withCard.id)).status).toBe('succeeded');
    expect((await stripe.setupIntents.cancel(bare.id)).status).toBe('canceled');
  });

  it('Subscriptions: active, trialing, canceled; the default list hides canceled ones', async () => {
    const customer = await newCustomer();
    const price = await monthlyPrice();
    const active = await stripe.subscriptions.create({ customer, items: [{ price }] });
    expect(active.status).toBe('active');
    const trial = await stripe.subscriptions.create({ customer, items: [{ price }], trial_period_days: 14 });
    expect(trial).toMatchObject({ status: 'trialing' });
    expect(trial.trial_end! - trial.trial_start!).toBe(14 * 86_400);
    expect((await stripe.subscriptions.cancel(active.id)).status).toBe('canceled');
    expect((await stripe.subscriptions.list({ customer })).data.map((s) => s.id)).toEqual([trial.id]);
    expect((await stripe.subscriptions.list({ customer, status: 'all' })).data).toHaveLength(2);
  });

  it('Invoices: draft → open → paid; open → void; a draft deletes', async () => {
    const customer = await newCustomer();
    const paid = await stripe.invoices.create({ customer });
    expect(paid).toMatchObject({ status: 'draft', customer_email: 'pat@example.com' });
    expect((await stripe.invoices.finalizeInvoice(paid.id)).status).toBe('open');
    expect((await stripe.invoices.pay(paid.id)).status).toBe('paid');
    const voided = await stripe.invoices.create({ customer });
    await stripe.invoices.finalizeInvoice(voided.id);
    expect((await stripe.invoices.voidInvoice(voided.id)).status).toBe('void');
    const draft = await stripe.invoices.create({ customer });
    expect(await stripe.invoices.del(draft.id)).toEqual({ id: draft.id, object: 'invoice', deleted: true });
    expect(await rejection(stripe.invoices.del(paid.id))).toMatchObject({ statusCode: 400 });
  });

  it('Checkout Sessions: open with customer_details, then expired', async () => {
    const customer = await newCustomer();
    const price = (await stripe.prices.create({ product_data: { name: 'Mug' }, currency: 'usd', unit_amount: 1200 })).id;
    const session = await stripe.checkout.sessions.create({ customer, mode: 'payment', line_items: [{ price, quantity: 2 }], success_url: 'https://example.com' });
    expect(session).toMatchObject({ object: 'checkout.session', status: 'open', customer, amount_total: 2400, customer_details: { email: 'pat@example.com' } });
    expect((await stripe.checkout.sessions.expire(session.id)).status).toBe('expired');
  });

  it('lists newest first in Stripe pages', async () => {
    const customer = await newCustomer();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await stripe.paymentIntents.create({ amount: 100 + i, currency: 'usd', customer })).id);
    const first = await stripe.paymentIntents.list({ customer, limit: 3 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/payment_intents' });
    expect(first.data.map((p) => p.id)).toEqual(ids.slice(2).reverse());
    const rest = await stripe.paymentIntents.list({ customer, limit: 3, starting_after: first.data[2]!.id });
    expect(rest.data.map((p) => p.id)).toEqual(ids.slice(0, 2).reverse());
    expect(rest.has_more).toBe(false);
  });
});

/** One row of the fix table: how to build the blocker, and its state once `fix` ran. */
interface BlockerCase {
  name: string;
  build: (customer: string) => Promise<{ id: string; objectType: string }>;
  code: string;
  afterFix: (id: string) => Promise<void>;
}

const FIXABLE: BlockerCase[] = [
  {
    name: 'PaymentIntent requires_payment_method → canceled',
    build: async (customer) => ({ id: (await stripe.paymentIntents.create({ amount: 100, currency: 'usd', customer })).id, objectType: 'payment_intent' }),
    code: 'invalid_state',
    afterFix: async (id) => expect(await stripe.paymentIntents.retrieve(id)).toMatchObject({ status: 'canceled', redaction: { status: 'redacted' } }),
  },
  {
    name: 'PaymentIntent requires_confirmation → canceled',
    build: async (customer) => ({
      id: (await stripe.paymentIntents.create({ amount: 100, currency: 'usd', customer, payment_method: 'pm_card_visa' })).id,
      objectType: 'payment_intent',
    }),
    code: 'invalid_state',
    afterFix: async (id) => expect((await stripe.paymentIntents.retrieve(id)).status).toBe('canceled'),
  },
  {
    name: 'PaymentIntent requires_capture → canceled',
    build: async (customer) => ({
      id: (await stripe.paymentIntents.create({ amount: 100, currency: 'usd', customer, payment_method: 'pm_card_visa', capture_method: 'manual', confirm: true })).id,
      objectType: 'payment_intent',
    }),
    code: 'invalid_state',
    afterFix: async (id) => expect((await stripe.paymentIntents.retrieve(id)).status).toBe('canceled'),
  },
  {
    name: 'SetupIntent requires_payment_method → canceled',
    build: async (customer) => ({ id: (await stripe.setupIntents.create({ customer })).id, objectType: 'setup_intent' }),
    code: 'invalid_state',
    afterFix: async (id) => expect((await stripe.setupIntents.retrieve(id)).status).toBe('canceled'),
  },
  {
    name: 'Subscription active → canceled',
    build: async (customer) => ({ id: (await stripe.subscriptions.create({ customer, items: [{ price: await monthlyPrice() }] })).id, objectType: 'subscription' }),
    code: 'invalid_cascading_source',
    afterFix: async (id) => expect((await stripe.subscriptions.retrieve(id)).status).toBe('canceled'),
  },
  {
    name: 'Subscription trialing → canceled',
    build: async (customer) => ({
      id: (await stripe.subscriptions.create({ customer, items: [{ price: await monthlyPrice() }], trial_period_days: 7 })).id,
      objectType: 'subscription',
    }),
    code: 'invalid_cascading_source',
    afterFix: async (id) => expect((await stripe.subscriptions.retrieve(id)).status).toBe('canceled'),
  },
  {
    name: 'Invoice draft → deleted',
    build: async (customer) => ({ id: (await stripe.invoices.create({ customer })).id, objectType: 'invoice' }),
    code: 'invalid_state',
    afterFix: async (id) => expect(await rejection(stripe.invoices.retrieve(id))).toMatchObject({ statusCode: 404 }),
  },
  {
    name: 'Invoice open → void',
    build: async (customer) => {
      const invoice = await stripe.invoices.create({ customer });
      await stripe.invoices.finalizeInvoice(invoice.id);
      return { id: invoice.id, objectType: 'invoice' };
    },
    code: 'invalid_state',
    afterFix: async (id) => expect(await stripe.invoices.retrieve(id)).toMatchObject({ status: 'void', customer_email: '[redacted]' }),
  },
  {
    name: 'Checkout Session open → expired',
    build: async (customer) => ({
      id: (await stripe.checkout.sessions.create({ customer, mode: 'setup', success_url: 'https://example.com' })).id,
      objectType: 'checkout.session',
    }),
    code: 'invalid_state',
    afterFix: async (id) => expect((await stripe.checkout.sessions.retrieve(id)).status).toBe('expired'),
  },
];

describe('the fix table', () => {
  it.each(FIXABLE)('$name: fails in error mode, validates and runs in fix mode', async ({ build, code, afterFix }) => {
    const customer = await newCustomer();
    const blocker = await build(customer);
    const job = await stripe.privacy.redactionJobs.create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, job.id, 'failed');
    expect(await allValidationErrors(stripe, job.id)).toEqual([
      expect.objectContaining({ code, erroring_object: { id: blocker.id, object_type: blocker.objectType } }),
    ]);

    await stripe.privacy.redactionJobs.update(job.id, { validation_behavior: 'fix' });
    await stripe.privacy.redactionJobs.validate(job.id);
    await waitForJobStatus(stripe, job.id, 'ready');
    await stripe.privacy.redactionJobs.run(job.id);
    await waitForJobStatus(stripe, job.id, 'succeeded');
    await afterFix(blocker.id);
  });

  it('a charge with an open dispute blocks in fix mode too, until the dispute closes', async () => {
    const customer = await newCustomer();
    const pi = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', customer, payment_method: 'pm_card_createDispute', confirm: true });
    const job = await stripe.privacy.redactionJobs.create({ objects: { customers: [customer] }, validation_behavior: 'fix' });
    await waitForJobStatus(stripe, job.id, 'failed');
    const [error] = await allValidationErrors(stripe, job.id);
    expect(error).toMatchObject({ code: 'invalid_state', erroring_object: { id: pi.latest_charge, object_type: 'charge' } });

    const [dispute] = (await stripe.disputes.list({ charge: pi.latest_charge as string })).data;
    await stripe.disputes.close(dispute!.id);
    await stripe.privacy.redactionJobs.validate(job.id);
    await waitForJobStatus(stripe, job.id, 'ready');
  });
});

describe('what redaction leaves', () => {
  it('wipes personal fields across the graph and keeps ids, amounts and statuses', async () => {
    const customer = await newCustomer();
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' }, billing_details: { name: 'Pat Doe', email: 'pat@example.com' } });
    await stripe.paymentMethods.attach(pm.id, { customer });
    const pi = await stripe.paymentIntents.create({
      amount: 4200,
      currency: 'usd',
      customer,
      payment_method: pm.id,
      confirm: true,
      description: 'Order 42 for Pat',
      receipt_email: 'pat@example.com',
      shipping: { name: 'Pat Doe', address: { line1: '1 Main St' } },
      metadata: { order: '42' },
    });
    const job = await stripe.privacy.redactionJobs.create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, job.id, 'ready');
    await stripe.privacy.redactionJobs.run(job.id);
    await waitForJobStatus(stripe, job.id, 'succeeded');

    expect(await stripe.customers.retrieve(customer)).toEqual({ id: customer, object: 'customer', deleted: true });
    expect(await stripe.paymentIntents.retrieve(pi.id)).toMatchObject({
      amount: 4200,
      status: 'succeeded',
      description: '[redacted]',
      receipt_email: '[redacted]',
      shipping: '[redacted]',
      metadata: {},
      redaction: { status: 'redacted' },
    });
    expect(await stripe.charges.retrieve(pi.latest_charge as string)).toMatchObject({
      amount: 4200,
      billing_details: { name: '[redacted]', email: '[redacted]', phone: null },
      description: '[redacted]',
      redaction: { status: 'redacted' },
    });
    expect(await stripe.paymentMethods.retrieve(pm.id)).toMatchObject({ card: { last4: '4242' }, billing_details: { name: '[redacted]' }, redaction: { status: 'redacted' } });
  });
});
