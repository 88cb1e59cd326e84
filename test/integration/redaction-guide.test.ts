/**
 * Stripe's redaction guide (docs.stripe.com/privacy/redaction/example), end to end with the real SDK
 * against the emulator: a customer with an unfinished payment cannot be redacted until `fix`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { allValidationErrors, waitForJobStatus } from '../helpers/redaction-jobs.js';

describe('the redaction guide', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({ validationMs: 50, redactionMs: 50 });
  });
  afterAll(() => emulator.close());

  it('fails on an unconfirmed PaymentIntent, then fixes, runs and redacts', async () => {
    const { stripe } = emulator;
    const customer = await stripe.customers.create({ email: 'jenny@example.com', name: 'Jenny Rosen' });
    const payment = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      customer: customer.id,
      description: 'Order for Jenny Rosen',
    });
    expect(payment.status).toBe('requires_payment_method');

    const job = await stripe.privacy.redactionJobs.create({ objects: { customers: [customer.id] } });
    expect(job).toMatchObject({ object: 'privacy.redaction_job', status: 'validating', validation_behavior: 'error', livemode: false });
    expect(job.id).toMatch(/^prj_/);

    const failed = await waitForJobStatus(stripe, job.id, ['failed', 'ready']);
    expect(failed.status).toBe('failed');
    const errors = await allValidationErrors(stripe, job.id);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      object: 'privacy.redaction_job_validation_error',
      code: 'invalid_state',
      erroring_object: { id: payment.id, object_type: 'payment_intent' },
    });
    // Exactly the spec's fields: no `root` naming the customer the PaymentIntent belongs to.
    expect(Object.keys(errors[0]!).sort()).toEqual(['code', 'erroring_object', 'id', 'message', 'object']);
    expect(errors[0]!.id).toMatch(/^prjve_/);
    expect(errors[0]!.message).toContain(payment.id);

    const updated = await stripe.privacy.redactionJobs.update(job.id, { validation_behavior: 'fix' });
    // A failed job does not re-validate by itself.
    expect(updated).toMatchObject({ status: 'failed', validation_behavior: 'fix' });

    expect((await stripe.privacy.redactionJobs.validate(job.id)).status).toBe('validating');
    const ready = await waitForJobStatus(stripe, job.id, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    // Fixes wait for run: the PaymentIntent is untouched until then.
    expect((await stripe.paymentIntents.retrieve(payment.id)).status).toBe('requires_payment_method');

    expect((await stripe.privacy.redactionJobs.run(job.id)).status).toBe('redacting');
    await waitForJobStatus(stripe, job.id, 'succeeded');

    expect(await stripe.customers.retrieve(customer.id)).toEqual({ id: customer.id, object: 'customer', deleted: true });
    const redactedPayment = await stripe.paymentIntents.retrieve(payment.id);
    expect(redactedPayment).toMatchObject({
      id: payment.id,
      amount: 2000,
      status: 'canceled',
      description: '[redacted]',
      redaction: { status: 'redacted' },
    });

    const events = await stripe.events.list({ type: 'privacy.redaction_job.*', limit: 100 });
    const types = events.data.filter((e) => (e.data.object as { id: string }).id === job.id).map((e) => e.type).reverse();
    expect(types).toEqual([
      'privacy.redaction_job.created',
      'privacy.redaction_job.validation_error',
      'privacy.redaction_job.ready',
      'privacy.redaction_job.succeeded',
    ]);
  });
});
