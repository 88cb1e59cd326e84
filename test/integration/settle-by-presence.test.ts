import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/io/logger.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { settleAfterOwnCascade, settleByPresence } from '../../src/pipeline/settle-by-presence.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ seed: { customers: [{ id: 'cus_here', email: 'here@example.com' }, { id: 'cus_gone', email: 'gone@example.com', deleted: true }] } });
});
afterAll(() => emulator.close());

describe('settleByPresence', () => {
  it('settles an unknown object as not_found, and leaves one that is there alone, and — without a way to send jobs (plan) — a deleted customer too', async () => {
    const store = openStateStore({ path: ':memory:' });
    const { gateway, sent } = recordingGateway(emulator);
    for (const id of ['cus_here', 'cus_gone', 'cus_nowhere']) {
      store.noteIdentifier(store.idKey(id), 'customer', 'run_a');
      store.recordResolution(store.idKey(id), [{ id, type: 'customer' }]);
    }
    const ctx = { gateway, store };
    expect(await settleByPresence('cus_here', 'customer', ctx)).toBe(false);
    // Deleted is not redacted: a plan run leaves it for the redact run to put in a job.
    expect(await settleByPresence('cus_gone', 'customer', ctx)).toBe(false);
    expect(await settleByPresence('cus_nowhere', 'customer', ctx)).toBe(true);
    expect(sent).toEqual(['customer.retrieve', 'customer.retrieve', 'customer.retrieve']);

    const outcome = (id: string) => store.identifierOutcome(store.idKey(id))?.objects[0];
    expect(outcome('cus_here')).toMatchObject({ status: 'queued', reasons: [] });
    expect(outcome('cus_gone')).toMatchObject({ status: 'queued', jobId: null, reasons: [] });
    expect(outcome('cus_nowhere')).toMatchObject({ status: 'not_found', jobId: null, reasons: [{ code: 'no_such_object' }] });
    store.close();
  });
});

describe('a customer deleted before any job of this state, in a run that sends jobs', () => {
  it('is settled through its objects (none left here), with what the run logs', async () => {
    const store = openStateStore({ path: ':memory:' });
    store.noteIdentifier(store.idKey('cus_gone'), 'customer', 'run_a');
    store.recordResolution(store.idKey('cus_gone'), [{ id: 'cus_gone', type: 'customer' }]);
    const { gateway } = recordingGateway(emulator);
    const spawned: string[][] = [];
    const lines: string[] = [];
    const logger = { ...createSilentLogger(), info: (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${JSON.stringify(fields)}`) };
    expect(await settleByPresence('cus_gone', 'customer', { gateway, store, spawn: (ids) => spawned.push(ids), logger })).toBe(true);
    expect(store.identifierOutcome(store.idKey('cus_gone'))?.objects[0]).toMatchObject({ status: 'already_redacted', reasons: [{ code: 'deleted_before', related: 0 }] });
    expect(spawned).toEqual([]);
    expect(lines).toEqual(['customer deleted before redaction: its objects are redacted instead {"customer":"cus_gone","objects":0}']);
    store.close();
  });
});

/**
 * Objects a job of this state's cascade took, and customers deleted before any job: a state whose
 * job over a customer succeeded at Stripe (made at the emulator, recorded directly as a finished run
 * left it), then each object read as a later run's lookup or verification reads it.
 */
describe('settled by the cascade of a job of this state', () => {
  const started: TestEmulator[] = [];
  afterAll(() => Promise.all(started.map((e) => e.close())));

  /** An emulator (`settleMs`: how long a redacted object reads `processing`), Jane with a paid and an open PaymentIntent, and Ann with one paid. */
  async function cascade(settleMs: number, options: { young?: boolean } = {}) {
    const em = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      settleMs,
      // Young payments held `validated` after their job (Stripe's hold on recent transactions).
      ...(options.young ? { youngCharges: 'validated' as const, youngDays: 90 } : {}),
      seed: {
        customers: [
          { id: 'cus_jane', email: 'jane@example.com', payment_intents: [{ id: 'pi_jane_paid', amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' }] },
          { id: 'cus_ann', email: 'ann@example.com', payment_intents: [{ id: 'pi_ann_paid', amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' }] },
          // An invoice reads no redaction field at all.
          { id: 'cus_ivy', email: 'ivy@example.com', invoices: [{ id: 'in_ivy', description: 'Draft' }] },
        ],
      },
    });
    started.push(em);
    const store = openStateStore({ path: ':memory:' });
    const run = store.startRun('redact', 'requests.csv');
    for (const [id, type] of [['pi_jane_paid', 'payment_intent'], ['pi_ann_paid', 'payment_intent'], ['cus_jane', 'customer']] as const) {
      store.noteIdentifier(store.idKey(id), type, run);
      store.recordResolution(store.idKey(id), [{ id, type }]);
    }
    // Jane's job of this state, and Ann's redacted by someone else: both succeeded at Stripe.
    const janes = store.insertJob(['cus_jane'], 'error', run);
    const jobId = await redactAtStripe(em, { customers: ['cus_jane'] });
    store.recordJobCreated(janes, jobId, 'succeeded', 0);
    await redactAtStripe(em, { customers: ['cus_ann'] });
    const { gateway, sent } = recordingGateway(em);
    const outcome = (id: string) => store.identifierOutcome(store.idKey(id))?.objects[0];
    return { em, store, gateway, sent, janes, jobId, outcome };
  }

  it("a PaymentIntent read redacted is redacted by Jane's job, with Stripe's proof; Ann's was redacted before this tool", async () => {
    const { store, gateway, sent, janes, jobId, outcome } = await cascade(0);
    const asked: string[] = [];
    // The run remembers Jane's PaymentIntent's customer: Stripe is asked only to read the object.
    const ctx = { gateway, store, customerOf: async (id: string) => (asked.push(id), 'cus_jane') };
    expect(await settleByPresence('pi_jane_paid', 'payment_intent', ctx)).toBe(true);
    // Stripe's proof recorded with it: redacted.
    expect(outcome('pi_jane_paid')).toMatchObject({ status: 'redacted', jobId, errorCodes: [], blockers: [], reasons: [{ code: 'redacted_by_cascade', job: jobId }], stripe: { stated: 'redacted', verifiedAt: expect.any(String) } });
    expect(store.liveJobHolding('pi_jane_paid')).toBeUndefined();
    expect(store.succeededJobHolding('pi_jane_paid')).toBe(janes.localId);
    expect(asked).toEqual(['pi_jane_paid']);
    expect(sent).toEqual(['payment_intent.retrieve']);

    // Without a remembered lookup, the gateway is asked.
    expect(await settleByPresence('pi_ann_paid', 'payment_intent', { gateway, store })).toBe(true);
    expect(sent.slice(1)).toEqual(['payment_intent.retrieve', 'payment_intent.retrieve']);
    expect(outcome('pi_ann_paid')).toMatchObject({ status: 'already_redacted', jobId: null, reasons: [{ code: 'already_redacted' }], stripe: { stated: 'redacted', verifiedAt: null } });
  });

  it("a customer Jane's job redacted reads deleted: redacted by that job, proven, without asking whose it is", async () => {
    const { store, gateway, sent, janes, jobId, outcome } = await cascade(0);
    // Named again in a later run: queued, with what an earlier validation listed still on it.
    const blocker = { code: 'invalid_state', message: 'open', erroringObject: { id: 'pi_jane_open', objectType: 'payment_intent' }, underFix: 'untried' as const };
    store.setObjectStatus(['cus_jane'], { status: 'queued', jobLocalId: null, errorCodes: ['invalid_state'], blockers: [blocker] });
    expect(await settleByPresence('cus_jane', 'customer', { gateway, store, customerOf: () => Promise.reject(new Error('not asked')) })).toBe(true);
    expect(outcome('cus_jane')).toMatchObject({ status: 'redacted', jobId, errorCodes: [], blockers: [], reasons: [], stripe: { stated: 'deleted', verifiedAt: expect.any(String) } });
    expect(store.succeededJobHolding('cus_jane')).toBe(janes.localId);
    expect(sent).toEqual(['customer.retrieve']);
  });

  it("a PaymentIntent still processing in Jane's job's redaction is pending, not yet proven; one in another's is left to its own job", async () => {
    const { store, gateway, jobId, outcome } = await cascade(86_400_000);
    expect(await settleByPresence('pi_jane_paid', 'payment_intent', { gateway, store })).toBe(true);
    expect(outcome('pi_jane_paid')).toMatchObject({ status: 'redaction_pending', jobId, reasons: [{ code: 'redacted_by_cascade', job: jobId }], stripe: { stated: 'processing', verifiedAt: null } });
    expect(await settleByPresence('pi_ann_paid', 'payment_intent', { gateway, store })).toBe(false);
    expect(outcome('pi_ann_paid')).toMatchObject({ status: 'queued', reasons: [] });
    // A lookup that fails says nothing: the object waits for a job of its own.
    expect(await settleByPresence('pi_ann_paid', 'payment_intent', { gateway, store, customerOf: () => Promise.reject(new Error('offline')) })).toBe(false);
  });

  it('a PaymentIntent held validated in its redaction (a young payment) is pending too', async () => {
    const { store, gateway, jobId, outcome } = await cascade(0, { young: true });
    expect(await settleByPresence('pi_jane_paid', 'payment_intent', { gateway, store })).toBe(true);
    expect(outcome('pi_jane_paid')).toMatchObject({ status: 'redaction_pending', jobId, stripe: { stated: 'validated', verifiedAt: null } });
  });

  it("after Jane's job succeeded, what it waited for: taken by the cascade as Stripe now reads it, or left for a job of its own", async () => {
    const { store, gateway, sent, janes, jobId, outcome } = await cascade(86_400_000);
    expect(await settleAfterOwnCascade('pi_jane_paid', 'payment_intent', janes.localId, { gateway, store })).toBe(true);
    // A read for proof, counted apart from lookups.
    expect(sent).toEqual(['verify.payment_intents.retrieve']);
    expect(outcome('pi_jane_paid')).toMatchObject({ status: 'redaction_pending', jobId, reasons: [{ code: 'redacted_by_cascade', job: jobId }], stripe: { stated: 'processing', verifiedAt: null } });
    // Stripe holds no such object: left for a job of its own, which settles it.
    expect(await settleAfterOwnCascade('pi_nowhere', 'payment_intent', janes.localId, { gateway, store })).toBe(false);
    const failing = { ...gateway, readObject: () => Promise.reject(new Error('offline')) };
    expect(await settleAfterOwnCascade('pi_ann_paid', 'payment_intent', janes.localId, { gateway: failing, store })).toBe(false);
    expect(outcome('pi_ann_paid')).toMatchObject({ status: 'queued' });
  });

  it('read redacted, deleted or validated after the job: redacted with proof, or pending while Stripe holds it', async () => {
    const { store, gateway, janes, jobId, outcome } = await cascade(0);
    expect(await settleAfterOwnCascade('pi_jane_paid', 'payment_intent', janes.localId, { gateway, store })).toBe(true);
    expect(outcome('pi_jane_paid')).toMatchObject({ status: 'redacted', jobId, stripe: { stated: 'redacted', verifiedAt: expect.any(String) } });
    expect(await settleAfterOwnCascade('cus_jane', 'customer', janes.localId, { gateway, store })).toBe(true);
    expect(outcome('cus_jane')).toMatchObject({ status: 'redacted', jobId, reasons: [{ code: 'redacted_by_cascade', job: jobId }], stripe: { stated: 'deleted', verifiedAt: expect.any(String) } });

    const young = await cascade(0, { young: true });
    expect(await settleAfterOwnCascade('pi_jane_paid', 'payment_intent', young.janes.localId, { gateway: young.gateway, store: young.store })).toBe(true);
    expect(young.outcome('pi_jane_paid')).toMatchObject({ status: 'redaction_pending', jobId: young.jobId, stripe: { stated: 'validated', verifiedAt: null } });
  });

  it('an object that reads no redaction field is left for a job of its own, before and after a job', async () => {
    const { store, gateway, janes, outcome } = await cascade(0);
    store.noteIdentifier(store.idKey('in_ivy'), 'invoice', 'run_b');
    store.recordResolution(store.idKey('in_ivy'), [{ id: 'in_ivy', type: 'invoice' }]);
    expect(await settleByPresence('in_ivy', 'invoice', { gateway, store })).toBe(false);
    expect(await settleAfterOwnCascade('in_ivy', 'invoice', janes.localId, { gateway, store })).toBe(false);
    expect(outcome('in_ivy')).toMatchObject({ status: 'queued', jobId: null });
  });

  it('an object in no redaction is not taken', async () => {
    const em = await startTestEmulator({ seed: { customers: [{ id: 'cus_x', email: 'x@example.com', payment_intents: [{ id: 'pi_x_open', amount: 100, currency: 'eur' }] }] } });
    started.push(em);
    const store = openStateStore({ path: ':memory:' });
    const { gateway } = recordingGateway(em);
    expect(await settleAfterOwnCascade('pi_x_open', 'payment_intent', 1, { gateway, store })).toBe(false);
  });
});

/** Creates a job over `objects` at Stripe, runs it, and waits until it succeeded; its id. */
async function redactAtStripe(em: TestEmulator, objects: Record<string, string[]>): Promise<string> {
  const job = await em.stripe.privacy.redactionJobs.create({ objects });
  await waitForJobStatus(em.stripe, job.id, 'ready');
  await em.stripe.privacy.redactionJobs.run(job.id);
  await waitForJobStatus(em.stripe, job.id, 'succeeded');
  return job.id;
}
