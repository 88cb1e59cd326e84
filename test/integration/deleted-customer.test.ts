/**
 * A customer deleted before any job of this state (issue 14: deleted is not redacted), settled
 * in-process against the emulator: its PaymentIntents, charges, SetupIntents and Checkout Sessions
 * are listed by customer and those still holding data become jobs of their own — or wait for a job
 * of this state that still holds the customer; if Stripe will not list them, a person must.
 */
import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StripeReading } from '../../src/domain/verification.js';
import type { Logger } from '../../src/io/logger.js';
import { GatewayError } from '../../src/errors.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { settleDeletedCustomer } from '../../src/pipeline/deleted-customer.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
let store: StateStore;
beforeEach(async () => {
  emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5 });
  store = openStateStore({ path: ':memory:' });
});
afterEach(async () => {
  store.close();
  await emulator.close();
});

const DELETED: StripeReading = { stated: 'deleted', created: null };

/** A customer with a card, `payments` paid PaymentIntents (each with a charge), `setups` SetupIntents and an expired Checkout Session, then deleted. */
async function deletedCustomer(stripe: Stripe, options: { payments?: number; setups?: number } = {}) {
  const customer = await stripe.customers.create({ email: 'radia@example.com', name: 'Radia Perlman' });
  const pis: string[] = [];
  const charges: string[] = [];
  for (let i = 0; i < (options.payments ?? 2); i += 1) {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true, description: 'Book for Radia' });
    pis.push(pi.id);
    charges.push(pi.latest_charge as string);
  }
  const setis: string[] = [];
  for (let i = 0; i < (options.setups ?? 1); i += 1) {
    setis.push((await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa', confirm: true, description: 'Card of Radia' })).id);
  }
  const session = await stripe.checkout.sessions.create({ customer: customer.id, mode: 'payment', success_url: 'https://example.com/ok' });
  await stripe.checkout.sessions.expire(session.id);
  await stripe.customers.del(customer.id);
  return { customer: customer.id, pis, charges, setis, session: session.id };
}

/** Notes `id` as a row of this run, resolved to itself. */
function noted(id: string, type: string): void {
  const run = store.startRun('redact', 'requests.csv');
  store.noteIdentifier(store.idKey(id), type, run);
  store.recordResolution(store.idKey(id), [{ id, type }]);
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } as unknown as Logger & { lines: string[] };
}

describe('a customer deleted before any job of this state', () => {
  it('is already_redacted, counting what still held data; those objects go into a job of their own unless a row already put them in one', async () => {
    const { customer, pis, charges, setis, session } = await deletedCustomer(emulator.stripe);
    // Someone redacted the second payment before: it holds nothing any more.
    const done = await emulator.stripe.privacy.redactionJobs.create({ objects: { payment_intents: [pis[1]!] } });
    await waitForJobStatus(emulator.stripe, done.id, 'ready');
    await emulator.stripe.privacy.redactionJobs.run(done.id);
    await waitForJobStatus(emulator.stripe, done.id, 'succeeded');
    noted(customer, 'customer');
    // The first payment is a row of its own, already in a job of this state.
    noted(pis[0]!, 'payment_intent');
    store.insertJob([pis[0]!], 'error', store.startRun('redact', 'requests.csv'));

    const spawned: string[][] = [];
    const logger = recordingLogger();
    const { gateway } = recordingGateway(emulator);
    await settleDeletedCustomer(customer, DELETED, { gateway, store, spawn: (ids) => spawned.push(ids), logger });

    expect(spawned).toEqual([[charges[0], setis[0], session]]);
    const outcome = store.identifierOutcome(store.idKey(customer));
    expect(outcome?.objects.find((o) => o.id === customer)).toMatchObject({
      status: 'already_redacted',
      jobId: null,
      reasons: [{ code: 'deleted_before', related: 4, byKind: { payment_intent: 1, charge: 1, setup_intent: 1, checkout_session: 1 } }],
      stripe: { stated: 'deleted' },
    });
    // Each object's reading is recorded as Stripe stated it; the redacted ones are not the row's.
    const related = Object.fromEntries((outcome?.objects ?? []).filter((o) => o.id !== customer).map((o) => [o.id, [o.status, o.stripe?.stated]]));
    expect(related).toEqual({ [pis[0]!]: ['in_job', 'none'], [charges[0]!]: ['queued', 'none'], [setis[0]!]: ['queued', 'none'], [session]: ['queued', 'none'] });
    expect(logger.lines).toEqual([`info customer deleted before redaction: its objects are redacted instead ${JSON.stringify({ customer, objects: 4 })}`]);
  });

  it('while a job of this state still holds the customer, its objects wait for that job instead of a job of their own', async () => {
    const { customer, pis, charges, setis, session } = await deletedCustomer(emulator.stripe, { payments: 1 });
    noted(customer, 'customer');
    const holder = store.insertJob([customer], 'error', store.startRun('redact', 'requests.csv'));
    const spawned: string[][] = [];
    const { gateway } = recordingGateway(emulator);
    // No logger: nothing is logged.
    await settleDeletedCustomer(customer, DELETED, { gateway, store, spawn: (ids) => spawned.push(ids) });

    expect(spawned).toEqual([]);
    const related = (store.identifierOutcome(store.idKey(customer))?.objects ?? []).filter((o) => o.id !== customer);
    expect(related.map((o) => [o.id, o.status, o.reasons]).sort()).toEqual([pis[0]!, charges[0]!, setis[0]!, session].sort().map((id) => [id, 'deferred', []]));
    expect(store.objectsDeferredOn(holder.localId).sort()).toEqual([pis[0]!, charges[0]!, setis[0]!, session].sort());
    expect(store.objectStatus(customer)).toBe('already_redacted');
  });

  it('more objects than a job takes go into several jobs', async () => {
    const { customer } = await deletedCustomer(emulator.stripe, { payments: 0, setups: 10 });
    noted(customer, 'customer');
    const spawned: string[][] = [];
    const { gateway } = recordingGateway(emulator);
    await settleDeletedCustomer(customer, DELETED, { gateway, store, spawn: (ids) => spawned.push(ids) });
    expect(spawned.map((ids) => ids.length)).toEqual([10, 1]);
  });

  it('that Stripe will not list the objects of needs action, with the reason; a bad key or a missing permission stops the run', async () => {
    const { customer } = await deletedCustomer(emulator.stripe, { payments: 1 });
    noted(customer, 'customer');
    const spawned: string[][] = [];
    const logger = recordingLogger();
    const { gateway } = recordingGateway(emulator);
    emulator.faults.use({ method: 'GET', path: '/v1/charges', status: 500, message: 'Charges are down.', times: 1 });
    await settleDeletedCustomer(customer, DELETED, { gateway, store, spawn: (ids) => spawned.push(ids), logger });
    expect(spawned).toEqual([]);
    expect(store.identifierOutcome(store.idKey(customer))?.objects).toEqual([
      expect.objectContaining({ id: customer, status: 'needs_action', jobId: null, reasons: [{ code: 'deleted_unlisted', message: expect.stringContaining('Charges are down.') }], stripe: expect.objectContaining({ stated: 'deleted' }) }),
    ]);
    expect(logger.lines).toEqual([expect.stringMatching(/^warn could not list the objects of a deleted customer \{"customer":"cus_\w+","error":".*Charges are down\./)]);

    for (const status of [401, 403]) {
      emulator.faults.use({ method: 'GET', path: '/v1/payment_intents', status, times: 1 });
      await expect(settleDeletedCustomer(customer, DELETED, { gateway, store, spawn: (ids) => spawned.push(ids) })).rejects.toBeInstanceOf(GatewayError);
    }
    // Without a logger, a failed listing is still settled.
    emulator.faults.use({ method: 'GET', path: '/v1/payment_intents', status: 500, times: 1 });
    await settleDeletedCustomer(customer, DELETED, { gateway, store, spawn: (ids) => spawned.push(ids) });
    expect(store.objectStatus(customer)).toBe('needs_action');
    expect(spawned).toEqual([]);
  });
});
