/**
 * The variants of docs/stripe.md#emulator-variants — behaviours Stripe does not document — each both ways, through
 * the real SDK. One emulator; each test sets the variants it is about on the live settings.
 */
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorVariants } from '../../src/emulator/index.js';
import { DEFAULT_EMULATOR_OPTIONS } from '../../src/emulator/options.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { allValidationErrors, waitForJobStatus } from '../helpers/redaction-jobs.js';

const DEFAULT_VARIANTS: EmulatorVariants = {
  unknownIds: DEFAULT_EMULATOR_OPTIONS.unknownIds,
  transitionErrors: DEFAULT_EMULATOR_OPTIONS.transitionErrors,
  lockErrors: DEFAULT_EMULATOR_OPTIONS.lockErrors,
  fixListing: DEFAULT_EMULATOR_OPTIONS.fixListing,
  expandValidationErrors: DEFAULT_EMULATOR_OPTIONS.expandValidationErrors,
  youngCharges: DEFAULT_EMULATOR_OPTIONS.youngCharges,
  deletedCustomers: DEFAULT_EMULATOR_OPTIONS.deletedCustomers,
  lockRefusal: DEFAULT_EMULATOR_OPTIONS.lockRefusal,
  refusalStatus: DEFAULT_EMULATOR_OPTIONS.refusalStatus,
};

let emulator: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startTestEmulator({ validationMs: 20, redactionMs: 20, ...DEFAULT_VARIANTS });
  stripe = emulator.stripe;
});
afterEach(() => {
  emulator.settings.variants = { ...DEFAULT_VARIANTS };
});
afterAll(() => emulator.close());

const jobs = () => stripe.privacy.redactionJobs;

function use(variants: Partial<EmulatorVariants>): void {
  emulator.settings.variants = { ...DEFAULT_VARIANTS, ...variants };
}

async function newCustomer(): Promise<string> {
  return (await stripe.customers.create({ email: `${Math.random().toString(36).slice(2)}@example.com`, name: 'Someone' })).id;
}

/** The error a call rejects with, as the SDK raises it. */
async function rejection(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Ids of the jobs whose objects name this customer, oldest first. */
async function jobIdsFor(customer: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const job of jobs().list({ limit: 100, expand: ['data.objects'] })) {
    if (job.objects?.customers?.includes(customer)) ids.unshift(job.id);
  }
  return ids;
}

describe('--unknown-ids', () => {
  it('accept (default): a job naming a missing or deleted customer is created, and its validation fails naming each', async () => {
    expect(DEFAULT_VARIANTS.unknownIds).toBe('accept');
    const present = await newCustomer();
    const deleted = await newCustomer();
    await stripe.customers.del(deleted);
    const job = await jobs().create({ objects: { customers: [present, 'cus_doesnotexist', deleted] } });
    expect(job.status).toBe('validating');
    await waitForJobStatus(stripe, job.id, 'failed');
    const errors = await allValidationErrors(stripe, job.id);
    expect(errors.map((e) => [e.code, e.erroring_object])).toEqual([
      ['invalid_state', { id: 'cus_doesnotexist', object_type: 'customer' }],
      ['invalid_state', { id: deleted, object_type: 'customer' }],
    ]);
    expect(errors[0]!.message).toContain('cus_doesnotexist');
  });

  it('accept: a customer redacted by an earlier job fails the next job at validation', async () => {
    use({ unknownIds: 'accept' });
    const customer = await newCustomer();
    const first = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, first.id, 'ready');
    await jobs().run(first.id);
    await waitForJobStatus(stripe, first.id, 'succeeded');

    const second = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, second.id, 'failed');
    expect(await allValidationErrors(stripe, second.id)).toEqual([
      expect.objectContaining({ code: 'invalid_state', erroring_object: { id: customer, object_type: 'customer' } }),
    ]);
  });

  it('refuse: 400 resource_missing at create, param naming the slot, and no job', async () => {
    use({ unknownIds: 'refuse' });
    const present = await newCustomer();
    const error = await rejection(jobs().create({ objects: { customers: [present, 'cus_doesnotexist'] } }));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: 'resource_missing', param: 'objects[customers][1]' });
    expect(await jobIdsFor(present)).toEqual([]);
  });
});

describe('--transition-errors', () => {
  /** Run is allowed only from ready: a failed job (an unconfirmed PaymentIntent) stays failed. */
  async function refusedRun(): Promise<Stripe.errors.StripeError> {
    const customer = await newCustomer();
    await stripe.paymentIntents.create({ amount: 500, currency: 'eur', customer });
    const job = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, job.id, 'failed');
    return rejection(jobs().run(job.id));
  }

  it('plain (default): invalid_request_error naming the status, with no code', async () => {
    const error = await refusedRun();
    // The SDK maps any 409 to StripeAPIError, whatever the body's type.
    expect(error).toMatchObject({ statusCode: 409, type: 'StripeAPIError', code: undefined, rawType: 'invalid_request_error' });
    expect(error.message).toContain('failed');
  });

  it('coded: code status_transition_invalid', async () => {
    use({ transitionErrors: 'coded' });
    const error = await refusedRun();
    expect(error).toMatchObject({ statusCode: 409, type: 'StripeAPIError', code: 'status_transition_invalid' });
    expect(error.message).toContain('failed');
  });
});

describe('--refusal-status', () => {
  it.each([
    ['409', 409],
    ['400', 400],
  ] as const)('%s: a refused run, validate, cancel and update answer HTTP %i', async (refusalStatus, status) => {
    use({ refusalStatus });
    const customer = await newCustomer();
    const job = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, job.id, 'ready');
    await jobs().run(job.id);
    await waitForJobStatus(stripe, job.id, 'succeeded');
    for (const refused of [jobs().run(job.id), jobs().validate(job.id), jobs().cancel(job.id), jobs().update(job.id, { validation_behavior: 'fix' })]) {
      expect(await rejection(refused)).toMatchObject({ statusCode: status, rawType: 'invalid_request_error' });
    }
  });
});

describe('--lock-refusal', () => {
  it('create (default): a job naming an object a live job holds, its cascade included, is refused with 400, no code and no param', async () => {
    const customer = await newCustomer();
    const pi = await stripe.paymentIntents.create({ amount: 500, currency: 'eur', customer, payment_method: 'pm_card_visa', confirm: true });
    const other = await newCustomer();
    const holder = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, holder.id, 'ready');
    for (const objects of [{ customers: [customer] }, { customers: [other, customer] }, { payment_intents: [pi.id] }]) {
      const error = await rejection(jobs().create({ objects }));
      expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: undefined, param: undefined });
      expect(error.message).toContain('This object is being processed by another active job.');
      expect(error.message).not.toContain(holder.id);
    }
    // Nothing held: created at once; a canceled holder releases its objects.
    expect((await jobs().create({ objects: { customers: [other] } })).id).toMatch(/^prj_/);
    await jobs().cancel(holder.id);
    await waitForJobStatus(stripe, holder.id, 'canceled');
    expect((await jobs().create({ objects: { payment_intents: [pi.id] } })).id).toMatch(/^prj_/);
  });

  it('validation: the second job is created and fails validation with locked_by_other_job', async () => {
    use({ lockRefusal: 'validation' });
    const customer = await newCustomer();
    const holder = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, holder.id, 'ready');
    const locked = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, locked.id, 'failed');
    expect((await allValidationErrors(stripe, locked.id)).map((e) => e.code)).toEqual(['locked_by_other_job']);
  });
});

describe('--lock-errors', () => {
  /** A second job on a customer the first (ready) job holds; resolves to both ids and the error. */
  async function lockedJob(): Promise<{ holder: string; error: Stripe.Privacy.RedactionJobValidationError; customer: string }> {
    emulator.settings.variants = { ...emulator.settings.variants, lockRefusal: 'validation' };
    const customer = await newCustomer();
    const holder = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, holder.id, 'ready');
    const locked = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, locked.id, 'failed');
    const errors = await allValidationErrors(stripe, locked.id);
    expect(errors).toHaveLength(1);
    return { holder: holder.id, error: errors[0]!, customer };
  }

  it("plain (default): Stripe's documented message, naming no job", async () => {
    const { error, customer } = await lockedJob();
    expect(error).toMatchObject({ code: 'locked_by_other_job', erroring_object: { id: customer, object_type: 'customer' } });
    expect(error.message).toBe('This object is being processed by another active job.');
  });

  it('named: the message also names the locking job', async () => {
    use({ lockErrors: 'named' });
    const { error, holder } = await lockedJob();
    expect(error.code).toBe('locked_by_other_job');
    expect(error.message).toContain(holder);
  });
});

describe('--fix-listing', () => {
  /** A customer with a fixable blocker (an unconfirmed PaymentIntent) and an unfixable one (an open dispute). */
  async function mixedBlockers(): Promise<{ customer: string; unconfirmed: string; disputedCharge: string }> {
    const customer = await newCustomer();
    const unconfirmed = await stripe.paymentIntents.create({ amount: 500, currency: 'eur', customer });
    const disputed = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', customer, payment_method: 'pm_card_createDispute', confirm: true });
    return { customer, unconfirmed: unconfirmed.id, disputedCharge: disputed.latest_charge as string };
  }

  /** The objects a failed `fix` job's errors name; the job is canceled after, so it locks nothing. */
  async function failedFixJobErrors(customer: string): Promise<string[]> {
    const job = await jobs().create({ objects: { customers: [customer] }, validation_behavior: 'fix' });
    await waitForJobStatus(stripe, job.id, 'failed');
    const named = (await allValidationErrors(stripe, job.id)).map((e) => e.erroring_object?.id ?? '');
    await jobs().cancel(job.id);
    await waitForJobStatus(stripe, job.id, 'canceled');
    return named;
  }

  it('keep (default): a failed fix job lists the fixable blockers too', async () => {
    const { customer, unconfirmed, disputedCharge } = await mixedBlockers();
    expect((await failedFixJobErrors(customer)).sort()).toEqual([unconfirmed, disputedCharge].sort());
  });

  it('drop: a failed fix job lists only what fix cannot clear; error mode and a ready fix job list everything', async () => {
    use({ fixListing: 'drop' });
    const { customer, unconfirmed, disputedCharge } = await mixedBlockers();
    expect(await failedFixJobErrors(customer)).toEqual([disputedCharge]);

    const errorMode = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, errorMode.id, 'failed');
    expect((await allValidationErrors(stripe, errorMode.id)).map((e) => e.erroring_object?.id).sort()).toEqual([unconfirmed, disputedCharge].sort());

    const onlyFixable = await newCustomer();
    const pending = await stripe.paymentIntents.create({ amount: 500, currency: 'eur', customer: onlyFixable });
    const ready = await jobs().create({ objects: { customers: [onlyFixable] }, validation_behavior: 'fix' });
    await waitForJobStatus(stripe, ready.id, 'ready');
    expect((await allValidationErrors(stripe, ready.id)).map((e) => e.erroring_object?.id)).toEqual([pending.id]);
  });
});

describe('--expand-validation-errors', () => {
  async function failedJob(): Promise<string> {
    const customer = await newCustomer();
    await stripe.paymentIntents.create({ amount: 500, currency: 'eur', customer });
    const job = await jobs().create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, job.id, 'failed');
    return job.id;
  }

  it('yes (default): retrieve, list, validate and create embed the first errors', async () => {
    const id = await failedJob();
    const retrieved = await jobs().retrieve(id, { expand: ['validation_errors'] });
    expect(retrieved.validation_errors?.data).toEqual([expect.objectContaining({ code: 'invalid_state' })]);
    const listed = await jobs().list({ limit: 100, expand: ['data.validation_errors'] });
    expect(listed.data.find((job) => job.id === id)?.validation_errors?.data).toHaveLength(1);
    expect((await jobs().validate(id, { expand: ['validation_errors'] })).validation_errors).toMatchObject({ object: 'list', data: [] });
    const created = await jobs().create({ objects: { customers: [await newCustomer()] }, expand: ['validation_errors'] });
    expect(created.validation_errors).toMatchObject({ object: 'list', data: [] });
  });

  it('no: every expansion of validation_errors is refused with 400; objects still expand and the error list still pages', async () => {
    const id = await failedJob();
    use({ expandValidationErrors: 'no' });
    const refused = [
      await rejection(jobs().retrieve(id, { expand: ['validation_errors'] })),
      await rejection(jobs().list({ limit: 100, expand: ['data.validation_errors'] })),
      await rejection(jobs().validate(id, { expand: ['validation_errors'] })),
      await rejection(jobs().update(id, { validation_behavior: 'fix', expand: ['validation_errors'] })),
    ];
    for (const error of refused) {
      expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'expand' });
      expect(error.message).toContain('validation_errors');
    }
    // Refused before acting: the job stayed as it was.
    expect(await jobs().retrieve(id)).toMatchObject({ status: 'failed', validation_behavior: 'error' });

    const customer = await newCustomer();
    expect(await rejection(jobs().create({ objects: { customers: [customer] }, expand: ['validation_errors'] }))).toMatchObject({ statusCode: 400 });
    expect(await jobIdsFor(customer)).toEqual([]);

    expect((await jobs().retrieve(id, { expand: ['objects'] })).objects?.customers).toHaveLength(1);
    expect(await allValidationErrors(stripe, id)).toHaveLength(1);
  });
});

describe('the lostResponse fault', () => {
  /**
   * The SDK retries a closed connection once even with `maxNetworkRetries: 0`, replaying its own
   * per-call key; losing the answer twice makes the loss reach the caller.
   */
  const lostCreate = (times: number) => ({ method: 'POST', path: '/v1/privacy/redaction_jobs', lostResponse: true, times }) as const;

  it('carries a create out and drops its answer; a replay with the same key returns that job, and only one exists', async () => {
    const customer = await newCustomer();
    emulator.faults.use(lostCreate(2));
    const lost = await rejection(jobs().create({ objects: { customers: [customer] } }, { idempotencyKey: `lost-${customer}` }));
    expect(lost).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const created = await jobIdsFor(customer);
    expect(created).toHaveLength(1);

    const replayed = await jobs().create({ objects: { customers: [customer] } }, { idempotencyKey: `lost-${customer}` });
    expect(replayed.id).toBe(created[0]);
    expect(replayed.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(await jobIdsFor(customer)).toEqual(created);
  });

  it('with another key, the retry creates a second job', async () => {
    use({ lockRefusal: 'validation' }); // the second job is created, and fails its validation later
    const customer = await newCustomer();
    emulator.faults.use(lostCreate(2));
    expect(await rejection(jobs().create({ objects: { customers: [customer] } }, { idempotencyKey: `first-${customer}` }))).toBeInstanceOf(
      Stripe.errors.StripeConnectionError,
    );
    const second = await jobs().create({ objects: { customers: [customer] } }, { idempotencyKey: `second-${customer}` });
    const ids = await jobIdsFor(customer);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(second.id);
  });

  it("lets the SDK's own retry of a closed connection replay its per-call key: one job", async () => {
    const customer = await newCustomer();
    emulator.faults.use(lostCreate(1));
    const job = await jobs().create({ objects: { customers: [customer] } });
    expect(job.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(await jobIdsFor(customer)).toEqual([job.id]);
    expect(emulator.faults.pending()).toEqual([]);
  });

  it('loses the answer of any matching request, GETs and refusals included', async () => {
    emulator.faults.use({ method: 'GET', path: /^\/v1\/privacy\/redaction_jobs\/prj_/, lostResponse: true, times: 2 });
    expect(await rejection(jobs().retrieve('prj_doesnotexist'))).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(await rejection(jobs().retrieve('prj_doesnotexist'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});
