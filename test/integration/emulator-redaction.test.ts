/**
 * Redaction jobs through the real SDK against the emulator: creation rules, every transition, locks,
 * caps, expansion and lists. The blockers of the fix table are in emulator-graph.test.ts.
 */
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HELPFUL_VARIANTS } from '../../src/emulator/index.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { allValidationErrors, waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
let stripe: Stripe;
const FAST = { validationMs: 20, redactionMs: 20 };

beforeAll(async () => {
  // These pin the emulator's informative variants (docs/stripe.md#emulator-variants); emulator-variants tests cover both.
  emulator = await startTestEmulator({ ...HELPFUL_VARIANTS, ...FAST });
  stripe = emulator.stripe;
});
afterEach(() => {
  Object.assign(emulator.settings, FAST, { maxJobObjects: 1000, cancelingMs: undefined });
});
afterAll(() => emulator.close());

const jobs = () => stripe.privacy.redactionJobs;

async function newCustomer(): Promise<string> {
  return (await stripe.customers.create({ email: `${Math.random().toString(36).slice(2)}@example.com`, name: 'Someone' })).id;
}

/** The 400 a call rejects with, as the SDK raises it. */
async function rejection(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function readyJob(customerId?: string): Promise<string> {
  const job = await jobs().create({ objects: { customers: [customerId ?? (await newCustomer())] } });
  await waitForJobStatus(stripe, job.id, 'ready');
  return job.id;
}

async function failedJob(): Promise<string> {
  const customer = await newCustomer();
  await stripe.paymentIntents.create({ amount: 500, currency: 'eur', customer });
  const job = await jobs().create({ objects: { customers: [customer] } });
  await waitForJobStatus(stripe, job.id, 'failed');
  return job.id;
}

async function expectTransitionRefused(jobId: string, action: 'validate' | 'run' | 'cancel', status: string): Promise<void> {
  const error = await rejection(jobs()[action](jobId));
  expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: 'status_transition_invalid' });
  expect(error.message).toContain(status);
}

describe('create', () => {
  it('accepts ten identifiers and refuses eleven with parameter_invalid on objects', async () => {
    const customers = await Promise.all(Array.from({ length: 11 }, newCustomer));
    const error = await rejection(jobs().create({ objects: { customers } }));
    expect(error).toMatchObject({ statusCode: 400, code: 'parameter_invalid', param: 'objects' });
    const job = await jobs().create({ objects: { customers: customers.slice(0, 10) } });
    expect(job.status).toBe('validating');
  });

  it('refuses an unknown id, naming its slot', async () => {
    const error = await rejection(jobs().create({ objects: { customers: [await newCustomer(), 'cus_doesnotexist'] } }));
    expect(error).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'objects[customers][1]' });
  });

  it('refuses an already redacted customer, but accepts a merely deleted one (--deleted-customers decides at validation)', async () => {
    const deleted = await newCustomer();
    await stripe.customers.del(deleted);
    expect(await jobs().create({ objects: { customers: [deleted] } })).toMatchObject({ status: 'validating' });

    const redacted = await newCustomer();
    const job = await readyJob(redacted);
    await jobs().run(job);
    await waitForJobStatus(stripe, job, 'succeeded');
    expect(await rejection(jobs().create({ objects: { customers: [redacted] } }))).toMatchObject({ code: 'resource_missing' });
  });

  it('refuses an id under the wrong key', async () => {
    const customer = await newCustomer();
    const error = await rejection(jobs().create({ objects: { payment_intents: [customer] } }));
    expect(error).toMatchObject({ statusCode: 400, code: 'parameter_invalid', param: 'objects[payment_intents][0]' });
  });

  it('accepts both array encodings: the SDK indexed form and the curl [] form', async () => {
    const [a, b] = [await newCustomer(), await newCustomer()];
    const pi = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const body = new URLSearchParams([
      ['objects[customers][]', a],
      ['objects[customers][]', b],
      ['objects[payment_intents][]', pi.id],
      ['validation_behavior', 'fix'],
      ['expand[]', 'objects'],
    ]);
    const response = await fetch(`${emulator.url}/v1/privacy/redaction_jobs`, {
      method: 'POST',
      headers: { Authorization: 'Bearer sk_test_emulator', 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(response.status).toBe(200);
    const job = (await response.json()) as Stripe.Privacy.RedactionJob;
    expect(job).toMatchObject({ validation_behavior: 'fix', objects: { customers: [a, b], payment_intents: [pi.id], charges: null } });
  });

  it('keeps jobs per mode: a test-mode job is unknown to a live key', async () => {
    const job = await readyJob();
    const live = emulator.client({ apiKey: 'sk_live_emulator' });
    expect(await rejection(live.privacy.redactionJobs.retrieve(job))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect((await live.privacy.redactionJobs.list()).data).toEqual([]);
  });
});

describe('transitions', () => {
  it('refuses validate, run and cancel while validating', async () => {
    emulator.settings.validationMs = 60_000;
    const job = await jobs().create({ objects: { customers: [await newCustomer()] } });
    for (const action of ['validate', 'run', 'cancel'] as const) await expectTransitionRefused(job.id, action, 'validating');
  });

  it('from ready: refuses validate; cancel → canceling → canceled, after which nothing is allowed', async () => {
    const job = await readyJob();
    await expectTransitionRefused(job, 'validate', 'ready');
    emulator.settings.cancelingMs = 60_000;
    expect((await jobs().cancel(job)).status).toBe('canceling');
    for (const action of ['validate', 'run', 'cancel'] as const) await expectTransitionRefused(job, action, 'canceling');
    expect(await rejection(jobs().update(job, { validation_behavior: 'fix' }))).toMatchObject({ code: 'status_transition_invalid' });
    emulator.settings.cancelingMs = 0;
    await waitForJobStatus(stripe, job, 'canceled');
    for (const action of ['validate', 'run', 'cancel'] as const) await expectTransitionRefused(job, action, 'canceled');
  });

  it('from failed: refuses run; validate re-validates; cancel cancels', async () => {
    const job = await failedJob();
    await expectTransitionRefused(job, 'run', 'failed');
    expect((await jobs().validate(job)).status).toBe('validating');
    await waitForJobStatus(stripe, job, 'failed');
    expect((await jobs().cancel(job)).status).toBe('canceling');
    await waitForJobStatus(stripe, job, 'canceled');
  });

  it('from ready: run → redacting (nothing allowed) → succeeded (nothing allowed)', async () => {
    const job = await readyJob();
    emulator.settings.redactionMs = 60_000;
    expect((await jobs().run(job)).status).toBe('redacting');
    for (const action of ['validate', 'run', 'cancel'] as const) await expectTransitionRefused(job, action, 'redacting');
    expect(await rejection(jobs().update(job, { validation_behavior: 'fix' }))).toMatchObject({ code: 'status_transition_invalid' });
    // Settings are live: shortening the phase ends it (the retrieve settles it; the timer is a minute out).
    emulator.settings.redactionMs = 0;
    await waitForJobStatus(stripe, job, 'succeeded');
    for (const action of ['validate', 'run', 'cancel'] as const) await expectTransitionRefused(job, action, 'succeeded');
    expect(await rejection(jobs().update(job, { validation_behavior: 'fix' }))).toMatchObject({ code: 'status_transition_invalid' });
  });

  it('updates only validation_behavior, and refuses an unknown value', async () => {
    const job = await readyJob();
    expect(await jobs().update(job, { validation_behavior: 'fix' })).toMatchObject({ status: 'ready', validation_behavior: 'fix' });
    const bad = await rejection(jobs().update(job, { validation_behavior: 'sometimes' as 'fix' }));
    expect(bad).toMatchObject({ statusCode: 400, param: 'validation_behavior' });
  });

  it('answers 404 resource_missing for an unknown job', async () => {
    expect(await rejection(jobs().retrieve('prj_unknown'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});

describe('locks', () => {
  it('fails a second job on the same customer with locked_by_other_job until the first is canceled', async () => {
    const customer = await newCustomer();
    const first = await readyJob(customer);
    const second = await jobs().create({ objects: { customers: [customer] }, validation_behavior: 'fix' });
    await waitForJobStatus(stripe, second.id, 'failed');
    const [error, ...rest] = await allValidationErrors(stripe, second.id);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: 'locked_by_other_job', erroring_object: { id: customer, object_type: 'customer' } });
    expect(error!.message).toContain(first);

    await jobs().cancel(first);
    await waitForJobStatus(stripe, first, 'canceled');
    await jobs().validate(second.id);
    const ready = await waitForJobStatus(stripe, second.id, ['ready', 'failed'], { expand: ['validation_errors'] });
    expect(ready.status).toBe('ready');
    expect(ready.validation_errors?.data).toEqual([]);
  });

  it('locks cascaded objects too: a job on a PaymentIntent locks its customer’s job', async () => {
    const customer = await newCustomer();
    const pi = await stripe.paymentIntents.create({ amount: 900, currency: 'usd', customer, payment_method: 'pm_card_visa', confirm: true });
    const first = await readyJob();
    const byPayment = await jobs().create({ objects: { payment_intents: [pi.id] } });
    await waitForJobStatus(stripe, byPayment.id, 'ready');
    const byCustomer = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, byCustomer.id, 'failed');
    const errors = await allValidationErrors(stripe, byCustomer.id);
    expect(errors).toEqual([expect.objectContaining({ code: 'locked_by_other_job', erroring_object: { id: pi.id, object_type: 'payment_intent' } })]);
    expect(errors[0]!.message).toContain(byPayment.id);
    expect(errors[0]!.message).not.toContain(first);

    // Once the first job succeeds, its objects are free.
    await jobs().run(byPayment.id);
    await waitForJobStatus(stripe, byPayment.id, 'succeeded');
    await jobs().validate(byCustomer.id);
    expect((await waitForJobStatus(stripe, byCustomer.id, ['ready', 'failed'])).status).toBe('ready');
  });
});

describe('too_many_objects', () => {
  it('fails a cascade over maxJobObjects, in fix mode too', async () => {
    const customer = await newCustomer();
    for (let i = 0; i < 2; i += 1) {
      await stripe.paymentIntents.create({ amount: 100, currency: 'usd', customer, payment_method: 'pm_card_visa', confirm: true });
    }
    emulator.settings.maxJobObjects = 3; // customer + 2 PaymentIntents + 2 Charges = 5
    const job = await jobs().create({ objects: { customers: [customer] }, validation_behavior: 'fix' });
    await waitForJobStatus(stripe, job.id, 'failed');
    expect(await allValidationErrors(stripe, job.id)).toEqual([
      expect.objectContaining({ code: 'too_many_objects', erroring_object: { id: customer, object_type: 'customer' } }),
    ]);
  });
});

describe('expand, validation errors and lists', () => {
  it('omits objects and validation_errors unless expanded', async () => {
    const customer = await newCustomer();
    const job = await readyJob(customer);
    const plain = await jobs().retrieve(job);
    expect(plain).not.toHaveProperty('objects');
    expect(plain).not.toHaveProperty('validation_errors');
    const expanded = await jobs().retrieve(job, { expand: ['objects', 'validation_errors'] });
    expect(expanded.objects?.customers).toEqual([customer]);
    expect(expanded.validation_errors).toEqual({ object: 'list', data: [], has_more: false, url: `/v1/privacy/redaction_jobs/${job}/validation_errors` });
    expect(await rejection(jobs().retrieve(job, { expand: ['customer'] }))).toMatchObject({ statusCode: 400, param: 'expand' });
  });

  it('embeds the first 10 errors and pages through all of the current attempt', async () => {
    const customer = await newCustomer();
    const intents = [];
    for (let i = 0; i < 12; i += 1) intents.push((await stripe.paymentIntents.create({ amount: 100 + i, currency: 'usd', customer })).id);
    const job = await jobs().create({ objects: { customers: [customer] } });
    const failed = await waitForJobStatus(stripe, job.id, 'failed', { expand: ['validation_errors'] });
    expect(failed.validation_errors?.data).toHaveLength(10);
    expect(failed.validation_errors?.has_more).toBe(true);

    const first = await jobs().listValidationErrors(job.id, { limit: 5 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: `/v1/privacy/redaction_jobs/${job.id}/validation_errors` });
    const second = await jobs().listValidationErrors(job.id, { limit: 5, starting_after: first.data[4]!.id });
    expect(second.data.map((e) => e.id)).not.toContain(first.data[0]!.id);
    const all = await allValidationErrors(stripe, job.id);
    expect(new Set(all.map((e) => e.erroring_object?.id))).toEqual(new Set(intents));

    // A new attempt replaces the errors of the last one.
    for (const id of intents.slice(0, 10)) await stripe.paymentIntents.cancel(id);
    await jobs().validate(job.id);
    await waitForJobStatus(stripe, job.id, 'failed');
    expect((await allValidationErrors(stripe, job.id)).map((e) => e.erroring_object?.id)).toEqual(intents.slice(10));
  });

  it('lists newest first, filters by status, pages, and expands data.objects', async () => {
    const failed = await failedJob();
    const ready = await readyJob();
    const page = await jobs().list({ limit: 2, expand: ['data.objects'] });
    expect(page.data.map((j) => j.id)).toEqual([ready, failed]);
    expect(page.has_more).toBe(true);
    expect(page.data[0]!.objects?.customers).toHaveLength(1);
    const next = await jobs().list({ limit: 2, starting_after: failed });
    expect(next.data.map((j) => j.id)).not.toContain(ready);

    const onlyFailed = await jobs().list({ status: 'failed', limit: 100 });
    expect(onlyFailed.data.length).toBeGreaterThan(0);
    expect(onlyFailed.data.every((j) => j.status === 'failed')).toBe(true);
    expect(onlyFailed.data.map((j) => j.id)).toContain(failed);
    expect(onlyFailed.data.map((j) => j.id)).not.toContain(ready);
    expect(await rejection(jobs().list({ status: 'bogus' as 'ready' }))).toMatchObject({ statusCode: 400, param: 'status' });
  });
});
