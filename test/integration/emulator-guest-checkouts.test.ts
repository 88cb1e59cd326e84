/**
 * Guest checkouts: Checkout Sessions with no customer, only `customer_details.email`, found by
 * Stripe's documented list filter `customer_details[email]` and redacted by a job that names them.
 */
import { fileURLToPath } from 'node:url';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeedError, startEmulator } from '../../src/emulator/index.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

const SAMPLE_SEED = fileURLToPath(new URL('../../samples/emulator-seed.json', import.meta.url));

let emulator: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startTestEmulator({ seed: SAMPLE_SEED, validationMs: 20, redactionMs: 20 });
  stripe = emulator.stripe;
});
afterAll(() => emulator.close());

async function sessionsOf(email: string): Promise<string[]> {
  const page = await stripe.checkout.sessions.list({ customer_details: { email }, limit: 100 });
  return page.data.map((s) => s.id);
}

describe('guest Checkout Sessions', () => {
  it("the sample seed holds guest@example.com's completed session, with no customer", async () => {
    const session = await stripe.checkout.sessions.retrieve('cs_test_sample_guest');
    expect(session).toMatchObject({
      customer: null,
      status: 'complete',
      payment_status: 'paid',
      url: null,
      customer_details: { email: 'guest@example.com', name: 'Gale Guest' },
    });
    expect(await stripe.customers.list({ email: 'guest@example.com' })).toMatchObject({ data: [] });
  });

  it('customer_details[email] finds exactly the sessions of that email, case-sensitively', async () => {
    const created = await stripe.checkout.sessions.create({ mode: 'payment', customer_email: 'walk-in@example.com', success_url: 'https://example.com/ok' });
    expect(created.customer_details).toMatchObject({ email: 'walk-in@example.com' });
    expect(await sessionsOf('guest@example.com')).toEqual(['cs_test_sample_guest']);
    expect(await sessionsOf('walk-in@example.com')).toEqual([created.id]);
    expect(await sessionsOf('Guest@Example.com')).toEqual([]);
    expect(await sessionsOf('nobody@example.com')).toEqual([]);
    // A customer's own session is found by its customer's email too: the filter reads customer_details.
    expect(await sessionsOf('edsger@example.com')).toEqual(['cs_test_sample_edsger']);
  });

  it('a job naming the completed guest session validates and redacts its personal fields', async () => {
    const job = await stripe.privacy.redactionJobs.create({ objects: { checkout_sessions: ['cs_test_sample_guest'] } });
    await waitForJobStatus(stripe, job.id, 'ready');
    await stripe.privacy.redactionJobs.run(job.id);
    await waitForJobStatus(stripe, job.id, 'succeeded');

    const session = await stripe.checkout.sessions.retrieve('cs_test_sample_guest');
    expect(session.customer_details).toEqual({ email: '[redacted]', name: '[redacted]', phone: '[redacted]', address: '[redacted]' });
    expect(session).toMatchObject({ status: 'complete', redaction: { status: 'redacted' } });
    // The filter no longer finds the redacted email.
    expect(await sessionsOf('guest@example.com')).toEqual([]);
    // A redacted session cannot be named again: refused at create (--unknown-ids refuse) or, by
    // default, accepted and failed at validation on itself.
    emulator.settings.variants.unknownIds = 'refuse';
    await expect(stripe.privacy.redactionJobs.create({ objects: { checkout_sessions: ['cs_test_sample_guest'] } })).rejects.toMatchObject({ code: 'resource_missing' });
    emulator.settings.variants.unknownIds = 'accept';
    const again = await stripe.privacy.redactionJobs.create({ objects: { checkout_sessions: ['cs_test_sample_guest'] } });
    const failed = await waitForJobStatus(stripe, again.id, 'failed');
    expect(failed.status).toBe('failed');
  });

  it('an open guest session blocks its job until fix expires it', async () => {
    const open = await stripe.checkout.sessions.create({ mode: 'payment', customer_email: 'cart@example.com', success_url: 'https://example.com/ok' });
    const job = await stripe.privacy.redactionJobs.create({ objects: { checkout_sessions: [open.id] } });
    const failed = await waitForJobStatus(stripe, job.id, 'failed', { expand: ['validation_errors'] });
    expect(failed.validation_errors?.data.map((e) => [e.code, e.erroring_object?.id])).toEqual([['invalid_state', open.id]]);
    await stripe.privacy.redactionJobs.update(job.id, { validation_behavior: 'fix' });
    await stripe.privacy.redactionJobs.validate(job.id);
    await waitForJobStatus(stripe, job.id, 'ready');
    await stripe.privacy.redactionJobs.run(job.id);
    await waitForJobStatus(stripe, job.id, 'succeeded');
    expect(await stripe.checkout.sessions.retrieve(open.id)).toMatchObject({ status: 'expired', customer_email: '[redacted]', customer_details: { email: '[redacted]' } });
  });
});

describe('guest sessions in a seed', () => {
  it('refuses a guest session that names a customer, and a bad status, naming the entry', async () => {
    await expect(startEmulator({ seed: { checkout_sessions: [{ customer: 'cus_x' }] } })).rejects.toThrow(/checkout_sessions\[0\]\.customer/);
    const bad = startEmulator({ seed: { checkout_sessions: [{ id: 'cs_test_bad', status: 'paid' }] } });
    await expect(bad).rejects.toBeInstanceOf(SeedError);
    await expect(bad).rejects.toThrow(/checkout_sessions\[0\].*status/);
  });
});
