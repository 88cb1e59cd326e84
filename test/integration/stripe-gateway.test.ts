import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { HELPFUL_VARIANTS } from '../../src/emulator/index.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator;
let gateway: StripeGateway;
let sent: string[];

beforeAll(async () => {
  emulator = await startTestEmulator({
    ...HELPFUL_VARIANTS,
    validationMs: 5,
    redactionMs: 5,
    seed: {
      customers: [
        ...Array.from({ length: 12 }, (_, i) => ({ id: `cus_g${i}`, email: `g${i}@example.com` })),
        { id: 'cus_twin_a', email: "o'brien@example.com" },
        { id: 'cus_twin_b', email: "O'Brien@example.com" },
        { id: 'cus_gone', email: 'gone@example.com', deleted: true },
        { id: 'cus_blocked', email: 'blocked@example.com', payment_intents: [{ id: 'pi_blocked', amount: 100, currency: 'eur' }] },
      ],
      checkout_sessions: [
        { id: 'cs_test_guest_1', status: 'complete', payment_status: 'paid', customer_details: { email: 'walk-in@example.com' } },
        { id: 'cs_test_guest_2', status: 'expired', customer_details: { email: 'walk-in@example.com' } },
        { id: 'cs_test_guest_3', status: 'complete', payment_status: 'paid', customer_details: { email: 'Walk-In@example.com' } },
      ],
    },
  });
  ({ gateway, sent } = recordingGateway(emulator));
});
afterAll(() => emulator.close());

const failure = async (promise: Promise<unknown>): Promise<GatewayError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
};

describe('the Stripe gateway, through the real SDK against the emulator', () => {
  it('finds customers for ten emails in one search, quotes included', async () => {
    sent.length = 0;
    const emails = [...Array.from({ length: 9 }, (_, i) => `g${i}@example.com`), "o'brien@example.com"];
    const found = await gateway.searchCustomersByEmail(emails);
    expect(found.map((c) => c.id).sort()).toEqual([...Array.from({ length: 9 }, (_, i) => `cus_g${i}`), 'cus_twin_a', 'cus_twin_b'].sort());
    expect(sent).toEqual(['customers.search']);
  });

  it('lists by exact, case-sensitive email', async () => {
    expect((await gateway.listCustomersByEmail("o'brien@example.com")).map((c) => c.id)).toEqual(['cus_twin_a']);
    expect(await gateway.listCustomersByEmail('G1@example.com')).toEqual([]);
  });

  it("lists guest Checkout Sessions by customer_details' exact email, one budgeted call a page", async () => {
    sent.length = 0;
    expect((await gateway.listCheckoutSessionsByEmail('walk-in@example.com')).sort()).toEqual(['cs_test_guest_1', 'cs_test_guest_2']);
    expect(await gateway.listCheckoutSessionsByEmail('nobody@example.com')).toEqual([]);
    expect(sent).toEqual(['checkout.sessions.list', 'checkout.sessions.list']);
  });

  it('tells present, deleted and missing objects apart, with their redaction status and created', async () => {
    expect(await gateway.readObject('cus_g0', 'customer', 'lookup')).toMatchObject({ stated: 'none', created: expect.any(Number) });
    // Deleted is not redacted: the read says deleted, and the verdict is left to the pipeline.
    expect(await gateway.readObject('cus_gone', 'customer', 'lookup')).toMatchObject({ stated: 'deleted' });
    expect(await gateway.readObject('cus_never', 'customer', 'lookup')).toEqual({ stated: 'missing', created: null });
  });

  it('maps a refused create to resource_missing with the slot Stripe blamed', async () => {
    const error = await failure(gateway.createJob({ customers: ['cus_g0', 'cus_never'] }, 'error', 'gw-test-missing'));
    expect(error).toMatchObject({ kind: 'not_found', stripeCode: 'resource_missing', param: 'objects[customers][1]', retryable: false });
  });

  it('replays a create with the same idempotency key and refuses it with other parameters', async () => {
    const first = await gateway.createJob({ customers: ['cus_g10'] }, 'error', 'gw-test-replay');
    const again = await gateway.createJob({ customers: ['cus_g10'] }, 'error', 'gw-test-replay');
    expect(again.id).toBe(first.id);
    const error = await failure(gateway.createJob({ customers: ['cus_g11'] }, 'error', 'gw-test-replay'));
    expect(error.kind).toBe('idempotency');
  });

  it('marks 429, 5xx and dropped connections retryable, 401 fatal', async () => {
    emulator.faults.use({ path: '/v1/customers/cus_g1', status: 429, times: 1 });
    expect(await failure(gateway.readObject('cus_g1', 'customer', 'lookup'))).toMatchObject({ kind: 'rate_limited', retryable: true, status: 429 });
    emulator.faults.use({ path: '/v1/customers/cus_g1', status: 503, times: 1 });
    expect(await failure(gateway.readObject('cus_g1', 'customer', 'lookup'))).toMatchObject({ kind: 'api', retryable: true });
    // The SDK retries a closed connection once even with retries off (stripe-node#1040): drop both.
    emulator.faults.use({ path: '/v1/customers/cus_g1', drop: true, times: 2 });
    expect(await failure(gateway.readObject('cus_g1', 'customer', 'lookup'))).toMatchObject({ kind: 'connection', retryable: true });
    const { gateway: badKey } = recordingGateway(emulator, 'sk_test_');
    expect(await failure(badKey.readObject('cus_g1', 'customer', 'lookup'))).toMatchObject({ kind: 'auth', retryable: false });
  });

  it('retries a 409 only for a request still in flight under its key: a refused transition answered 409 is not retryable', async () => {
    emulator.faults.use({ method: 'POST', path: '/v1/customers/cus_g3', status: 409, code: 'idempotency_key_in_use', times: 1 });
    emulator.faults.use({ method: 'POST', path: /\/cancel$/, status: 409, code: 'idempotency_key_in_use', times: 1 });
    expect(await failure(gateway.cancelJob('prj_any', 'gw-test-inflight'))).toMatchObject({ kind: 'conflict', status: 409, stripeCode: 'idempotency_key_in_use', retryable: true });
    emulator.faults.reset();
    const job = await gateway.createJob({ customers: ['cus_g3'] }, 'error', 'gw-test-409');
    while ((await gateway.retrieveJob(job.id)).status !== 'ready');
    await gateway.runJob(job.id, 'gw-test-409-first-run');
    emulator.settings.variants = { ...emulator.settings.variants, refusalStatus: '409' };
    try {
      // Refused: run is allowed only from ready.
      const refused = await failure(gateway.runJob(job.id, 'gw-test-409-run'));
      expect(refused).toMatchObject({ kind: 'conflict', status: 409, retryable: false });
    } finally {
      emulator.settings.variants = { ...emulator.settings.variants, refusalStatus: HELPFUL_VARIANTS.refusalStatus };
    }
  });

  it('drives a job through validate, list, run and the validation error list in project terms', async () => {
    const job = await gateway.createJob({ customers: ['cus_g2'] }, 'error', 'gw-test-drive');
    expect(job).toMatchObject({ status: expect.stringMatching(/created|validating/), validationBehavior: 'error', livemode: false });
    let view = job;
    while (view.status !== 'ready') view = await gateway.retrieveJob(job.id);
    const page = await gateway.listJobs({ limit: 100 });
    expect(page.data.map((j) => j.id)).toContain(job.id);
    expect(await gateway.listValidationErrors(job.id)).toEqual([]);
    expect((await gateway.runJob(job.id, 'gw-test-run')).status).toBe('redacting');
    const refused = await failure(gateway.cancelJob(job.id, 'gw-test-cancel'));
    expect(refused.stripeCode).toBe('status_transition_invalid');
  });

  it('brings a failed job its first validation errors on retrieve and list, in project terms', async () => {
    const job = await gateway.createJob({ customers: ['cus_blocked'] }, 'error', 'gw-test-blocked');
    let view = job;
    while (view.status !== 'failed') view = await gateway.retrieveJob(job.id);
    const expected = { code: 'invalid_state', erroringObject: { id: 'pi_blocked', objectType: 'payment_intent' } };
    expect(view.firstValidationErrors).toMatchObject({ complete: true, errors: [expected] });
    expect(view.firstValidationErrors?.errors[0]).not.toHaveProperty('rootId');
    const listed = (await gateway.listJobs({ limit: 100 })).data.find((j) => j.id === job.id);
    expect(listed?.firstValidationErrors?.errors).toMatchObject([expected]);
    expect(await gateway.listValidationErrors(job.id)).toMatchObject([expected]);
  });

  it('names the customer a related object belongs to, and null for an unknown object or kind', async () => {
    expect(await gateway.customerOf('pi_blocked', 'payment_intent')).toBe('cus_blocked');
    expect(await gateway.customerOf('pi_nope', 'payment_intent')).toBeNull();
    expect(await gateway.customerOf('file_1', 'file')).toBeNull();
  });
});
