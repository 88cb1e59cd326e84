/**
 * Stripe's test cards wherever Stripe takes a PaymentMethod, through the real SDK: each use makes a
 * fresh PaymentMethod with the card's brand and last 4, as Stripe does.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const CARDS = [
  { card: 'pm_card_visa', brand: 'visa', last4: '4242' },
  { card: 'pm_card_mastercard', brand: 'mastercard', last4: '4444' },
  { card: 'pm_card_amex', brand: 'amex', last4: '8431' },
  { card: 'pm_card_createDispute', brand: 'visa', last4: '0259' },
  { card: 'tok_visa', brand: 'visa', last4: '4242' },
  { card: 'tok_mastercard', brand: 'mastercard', last4: '4444' },
] as const;

let emulator: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startTestEmulator();
  stripe = emulator.stripe;
});
afterAll(() => emulator.close());

/** A PaymentMethod made from `card`: a new `pm_` id, not the card's name, with the card's details. */
async function expectFresh(id: string | null | undefined, expected: (typeof CARDS)[number], customer: string | null): Promise<Stripe.PaymentMethod> {
  expect(id).toMatch(/^pm_/);
  expect(id).not.toBe(expected.card);
  const pm = await stripe.paymentMethods.retrieve(id!);
  expect(pm.card).toMatchObject({ brand: expected.brand, last4: expected.last4 });
  expect(pm.customer).toBe(customer);
  return pm;
}

describe.each(CARDS)('test card $card', (expected) => {
  it('attaches to a customer, a fresh PaymentMethod each time', async () => {
    const customer = await stripe.customers.create({ email: 'cards@example.com' });
    const first = await stripe.paymentMethods.attach(expected.card, { customer: customer.id });
    const second = await stripe.paymentMethods.attach(expected.card, { customer: customer.id });
    await expectFresh(first.id, expected, customer.id);
    await expectFresh(second.id, expected, customer.id);
    expect(second.id).not.toBe(first.id);
    const listed = await stripe.customers.listPaymentMethods(customer.id);
    expect(listed.data.map((pm) => pm.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('is a customer default: invoice_settings on create and update, and payment_method on create', async () => {
    const created = await stripe.customers.create({ email: 'default@example.com', invoice_settings: { default_payment_method: expected.card } });
    await expectFresh(created.invoice_settings.default_payment_method as string, expected, created.id);

    const updated = await stripe.customers.update(created.id, { invoice_settings: { default_payment_method: expected.card } });
    const replaced = updated.invoice_settings.default_payment_method as string;
    await expectFresh(replaced, expected, created.id);
    expect(replaced).not.toBe(created.invoice_settings.default_payment_method);

    const withMethod = await stripe.customers.create({ email: 'with-pm@example.com', payment_method: expected.card });
    const methods = await stripe.customers.listPaymentMethods(withMethod.id);
    expect(methods.data).toHaveLength(1);
    await expectFresh(methods.data[0]!.id, expected, withMethod.id);
  });

  it("is a subscription's default_payment_method", async () => {
    const customer = await stripe.customers.create({ email: 'sub@example.com' });
    const price = await stripe.prices.create({ currency: 'usd', unit_amount: 500, recurring: { interval: 'month' }, product_data: { name: 'Plan' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: expected.card });
    await expectFresh(sub.default_payment_method as string, expected, customer.id);
  });

  it("is a PaymentIntent's payment_method, charged with the card's details", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', payment_method: expected.card, confirm: true });
    expect(pi.status).toBe('succeeded');
    await expectFresh(pi.payment_method as string, expected, null);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.payment_method).toBe(pi.payment_method);
    expect(charge.disputed).toBe(expected.card === 'pm_card_createDispute');
    const again = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: expected.card });
    expect(again.payment_method).not.toBe(pi.payment_method);
  });

  it("is a SetupIntent's payment_method, attached to its customer on confirm", async () => {
    const customer = await stripe.customers.create({ email: 'setup@example.com' });
    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: expected.card, confirm: true });
    expect(si.status).toBe('succeeded');
    await expectFresh(si.payment_method as string, expected, customer.id);
  });
});

describe('payment method parameters that name no usable PaymentMethod', () => {
  it('refuses an unknown card name and a default not attached to the customer, naming the parameter', async () => {
    const customer = await stripe.customers.create({ email: 'refused@example.com' });
    await expect(stripe.paymentMethods.attach('pm_card_nonsense', { customer: customer.id })).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const loose = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    await expect(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: loose.id } })).rejects.toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'invoice_settings[default_payment_method]',
    });
    await expect(stripe.customers.create({ invoice_settings: { default_payment_method: loose.id } })).rejects.toMatchObject({
      param: 'invoice_settings[default_payment_method]',
    });
    // The refused calls changed nothing.
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ invoice_settings: { default_payment_method: null } });
    expect((await stripe.paymentMethods.retrieve(loose.id)).customer).toBeNull();
  });
});
