/**
 * The gateway's reads of what Stripe states about one object (issue 14), with the real SDK against
 * the emulator: `redaction.status` as it settles on the emulator's clock, a kind without the field,
 * deleted and missing objects, verification reads counted under their own labels, and a deleted
 * customer's payments listed by customer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({
    validationMs: 5,
    redactionMs: 5,
    settleMs: 3_600_000,
    seed: {
      customers: [
        {
          id: 'cus_gv',
          email: 'gv@example.com',
          payment_intents: [{ id: 'pi_gv', amount: 500, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 200 }],
        },
        { id: 'cus_gv_inv', email: 'gvi@example.com', invoices: [{ id: 'in_gv', description: 'draft' }] },
        {
          id: 'cus_gv_deleted',
          email: 'gvd@example.com',
          deleted: true,
          payment_intents: [{ id: 'pi_gv_deleted', amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 200 }],
        },
      ],
    },
  });
});
afterAll(() => emulator.close());

describe('StripeGateway.readObject', () => {
  it('reads redaction.status as it settles, with created, under verify.* labels for verification', async () => {
    const { gateway, sent } = recordingGateway(emulator);
    const created = (await emulator.stripe.paymentIntents.retrieve('pi_gv')).created;
    expect(await gateway.readObject('pi_gv', 'payment_intent', 'lookup')).toEqual({ stated: 'none', created });
    const job = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_gv'] } });
    await waitForJobStatus(emulator.stripe, job.id, 'ready');
    await emulator.stripe.privacy.redactionJobs.run(job.id);
    await waitForJobStatus(emulator.stripe, job.id, 'succeeded');
    expect(await gateway.readObject('pi_gv', 'payment_intent', 'verify')).toEqual({ stated: 'processing', created });
    expect(await gateway.readObject('cus_gv', 'customer', 'verify')).toMatchObject({ stated: 'processing' });
    emulator.clock.advance(3600);
    expect(await gateway.readObject('pi_gv', 'payment_intent', 'verify')).toEqual({ stated: 'redacted', created });
    expect(await gateway.readObject('cus_gv', 'customer', 'verify')).toEqual({ stated: 'deleted', created: null });
    expect(sent).toEqual(['payment_intent.retrieve', 'verify.payment_intents.retrieve', 'verify.customers.retrieve', 'verify.payment_intents.retrieve', 'verify.customers.retrieve']);
  });

  it('tells a kind without a redaction field, and a missing object, apart', async () => {
    const { gateway } = recordingGateway(emulator);
    expect(await gateway.readObject('in_gv', 'invoice', 'lookup')).toMatchObject({ stated: 'no_field', created: expect.any(Number) });
    expect(await gateway.readObject('in_never', 'invoice', 'verify')).toEqual({ stated: 'missing', created: null });
  });
});

describe('StripeGateway.listCustomerObjects', () => {
  it("lists a deleted customer's PaymentIntents and charges with what each states, one budgeted call a list", async () => {
    const { gateway, sent } = recordingGateway(emulator);
    const charge = (await emulator.stripe.paymentIntents.retrieve('pi_gv_deleted')).latest_charge as string;
    const objects = await gateway.listCustomerObjects('cus_gv_deleted');
    expect(objects.map((o) => [o.type, o.id, o.reading.stated]).sort()).toEqual([
      ['charge', charge, 'none'],
      ['payment_intent', 'pi_gv_deleted', 'none'],
    ]);
    expect(sent).toEqual(['payment_intents.list', 'charges.list', 'setup_intents.list', 'checkout.sessions.list']);
  });
});
