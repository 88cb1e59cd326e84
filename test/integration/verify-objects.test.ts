/**
 * The verifier on its own (issue 14), through the real SDK against the emulator and a real state:
 * which objects it reads, when it reads them again, what it records of each read, and what it
 * counts — the facts the row's `redacted` / `redaction_pending` and summary.json's `verification`
 * rest on. Holds and settling pass on the emulator's clock, moved by the test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import type { ObjectType } from '../../src/domain/identifier.js';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger, type Logger } from '../../src/io/logger.js';
import { ObjectVerifier, type VerifierOptions } from '../../src/pipeline/verify-objects.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator | undefined;
let store: StateStore | undefined;
afterEach(async () => {
  store?.close();
  store = undefined;
  await emulator?.close();
  emulator = undefined;
});

/** An emulator whose redactions settle in an hour of its clock, and a state whose run holds `objects` awaiting proof. */
async function setUp(objects: [string, ObjectType][], options: Partial<EmulatorOptions> = {}) {
  emulator = await startTestEmulator({
    validationMs: 5,
    redactionMs: 5,
    settleMs: 3_600_000,
    seed: {
      customers: [
        { id: 'cus_a', email: 'a@example.com' },
        { id: 'cus_b', email: 'b@example.com' },
        {
          id: 'cus_young',
          email: 'young@example.com',
          payment_intents: [{ id: 'pi_young', amount: 1200, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 5 }],
        },
        ...Array.from({ length: 5 }, (_, i) => ({ id: `cus_n${i}`, email: `n${i}@example.com` })),
      ],
    },
    ...options,
  });
  store = openStateStore({ path: ':memory:' });
  const runId = store.startRun('redact', 'in.csv');
  for (const [id, type] of objects) {
    const key = store.idKey(id);
    store.noteIdentifier(key, type, runId);
    store.recordResolution(key, [{ id, type }]);
  }
  const job = store.insertJob(objects.map(([id]) => id), 'error', runId);
  store.setObjectStatus(
    objects.map(([id]) => id),
    { status: 'redaction_pending', jobLocalId: job.localId },
  );
  const { gateway, sent } = recordingGateway(emulator);
  return { emulator, store, runId, gateway, sent };
}

/** Redacts `customers` in the emulator through a job, as the pipeline would have before verifying. */
async function redactInStripe(gateway: StripeGateway, em: TestEmulator, objects: { customers?: string[]; payment_intents?: string[] }): Promise<void> {
  const job = await gateway.createJob(objects, 'error', `verify-${Object.values(objects).flat().join('-')}`);
  await waitForJobStatus(em.stripe, job.id, 'ready');
  await gateway.runJob(job.id, `verify-run-${job.id}`);
  await waitForJobStatus(em.stripe, job.id, 'succeeded');
}

function warningsLogger(): { logger: Logger; warnings: [string, unknown][] } {
  const warnings: [string, unknown][] = [];
  return { logger: { ...createSilentLogger(), warn: (message, fields) => void warnings.push([message, fields]) }, warnings };
}

/** Until `condition` holds; fails after `timeoutMs` (the verifier's own timers are of a few ms). */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ObjectVerifier options', () => {
  const ports = { gateway: { readObject: () => Promise.reject(new Error('unused')) }, store: {} as StateStore, logger: createSilentLogger() };
  it('refuses each wait or batch size below 1 or not a number, naming the option and the value', () => {
    const make = (options: VerifierOptions) => () => new ObjectVerifier(ports, options);
    expect(make({ recheckMs: 0 })).toThrow(new RangeError('Expected `recheckMs` to be a number from 1 and up, got `0`'));
    expect(make({ maxRecheckMs: Number.NaN })).toThrow(new RangeError('Expected `maxRecheckMs` to be a number from 1 and up, got `NaN`'));
    expect(make({ batchSize: Infinity })).toThrow(new RangeError('Expected `batchSize` to be a number from 1 and up, got `Infinity`'));
    expect(make({ batchSize: 0.5 })).toThrow(/`batchSize`.*`0.5`/);
    // The lowest values allowed, and the defaults.
    expect(make({ recheckMs: 1, maxRecheckMs: 1, batchSize: 1 })).not.toThrow();
    expect(make({})).not.toThrow();
  });
});

describe('ObjectVerifier', () => {
  it('reads each object of a succeeded job once, makes it redacted only on a read that proves it, and counts the reads', async () => {
    const { emulator: em, store, runId, gateway, sent } = await setUp([
      ['cus_a', 'customer'],
      ['cus_b', 'customer'],
    ], { settleMs: 0 });
    // Stripe redacted cus_a (it reads deleted); cus_b was never in a job Stripe ran (redaction: null).
    await redactInStripe(gateway, em, { customers: ['cus_a'] });
    sent.length = 0;
    const verifier = new ObjectVerifier({ gateway, store, logger: createSilentLogger() });
    verifier.enqueue(['cus_a', 'cus_b']);
    await verifier.finish(runId);
    expect(store.objectStatus('cus_a')).toBe('redacted');
    expect(store.objectStatus('cus_b')).toBe('redaction_pending');
    const outcome = store.identifierOutcome(store.idKey('cus_b'))?.objects[0];
    expect(outcome?.stripe).toMatchObject({ stated: 'none', verifiedAt: null });
    // Neither is read again at the end: one was proven, the other's `none` does not change by itself.
    expect(sent).toEqual(['verify.customers.retrieve', 'verify.customers.retrieve']);
    expect(verifier.counts).toEqual({ objects: 2, reads: 2, verified: 1 });
  });

  it('reads nothing for an object no longer awaiting proof, nor for an id of no kind it knows', async () => {
    const { store, runId, gateway, sent } = await setUp([['cus_a', 'customer']]);
    store.setObjectStatus(['cus_a'], { status: 'redacted' });
    const verifier = new ObjectVerifier({ gateway, store, logger: createSilentLogger() });
    verifier.enqueue(['cus_a', 'xyz_notanobject']);
    await verifier.finish(runId);
    expect(sent).toEqual([]);
    expect(verifier.counts).toEqual({ objects: 0, reads: 0, verified: 0 });
  });

  it('records nothing for a read that failed and warns with the object and the failure\'s words; the final pass reads it again', async () => {
    const { emulator: em, store, runId, gateway, sent } = await setUp([
      ['cus_a', 'customer'],
      ['cus_b', 'customer'],
    ], { settleMs: 0 });
    await redactInStripe(gateway, em, { customers: ['cus_a', 'cus_b'] });
    sent.length = 0;
    // The first read of each fails: one with a GatewayError, one with a bare value (a defect below the port).
    const failures = new Map<string, unknown>([
      ['cus_a', new GatewayError('Stripe answered 500', { kind: 'api', retryable: true })],
      ['cus_b', 'socket hang up'],
    ]);
    const failingOnce: Pick<StripeGateway, 'readObject'> = {
      readObject(id, type, purpose) {
        const failure = failures.get(id);
        failures.delete(id);
        return failure === undefined ? gateway.readObject(id, type, purpose) : Promise.reject(failure);
      },
    };
    const { logger, warnings } = warningsLogger();
    const verifier = new ObjectVerifier({ gateway: failingOnce, store, logger });
    verifier.enqueue(['cus_a', 'cus_b']);
    await until(() => warnings.length === 2);
    expect(store.objectStatus('cus_a')).toBe('redaction_pending');
    expect(store.identifierOutcome(store.idKey('cus_a'))?.objects[0]?.stripe).toBeNull();
    const why = 'could not read an object to verify its redaction; the next run reads it again';
    expect(warnings).toEqual([
      [why, { object: 'cus_a', error: 'Stripe answered 500' }],
      [why, { object: 'cus_b', error: 'socket hang up' }],
    ]);
    await verifier.finish(runId);
    expect(store.objectStatus('cus_a')).toBe('redacted');
    expect(store.objectStatus('cus_b')).toBe('redacted');
    expect(sent).toEqual(['verify.customers.retrieve', 'verify.customers.retrieve']);
    // Two objects, each read twice (the failed read counts as sent), each verified once.
    expect(verifier.counts).toEqual({ objects: 2, reads: 4, verified: 2 });
  });

  it('lets a read in flight when the run ends finish first: reads a processing object once more at the end, a validated one not, and nothing after', async () => {
    const { emulator: em, store, runId, gateway, sent } = await setUp(
      [
        ['cus_a', 'customer'],
        ['pi_young', 'payment_intent'],
      ],
      { youngCharges: 'validated', youngDays: 90 },
    );
    await redactInStripe(gateway, em, { customers: ['cus_a'], payment_intents: ['pi_young'] });
    sent.length = 0;
    const verifier = new ObjectVerifier({ gateway, store, logger: createSilentLogger() }, { recheckMs: 1 });
    verifier.enqueue(['cus_a', 'pi_young']);
    await verifier.finish(runId);
    expect([...sent].sort()).toEqual(['verify.customers.retrieve', 'verify.customers.retrieve', 'verify.payment_intents.retrieve']);
    // Timers fire in order: a re-read due 1 ms after a read would have been sent before this 20 ms one ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toHaveLength(3);
    expect(verifier.counts).toEqual({ objects: 2, reads: 3, verified: 0 });
  });

  it('in its final pass reads again what this run saw processing, but not what Stripe holds validated for weeks', async () => {
    const { emulator: em, store, runId, gateway, sent } = await setUp(
      [
        ['cus_a', 'customer'],
        ['pi_young', 'payment_intent'],
      ],
      { youngCharges: 'validated', youngDays: 90 },
    );
    await redactInStripe(gateway, em, { customers: ['cus_a'], payment_intents: ['pi_young'] });
    sent.length = 0;
    // Re-reads while the run goes on wait a minute: none happens before finish() here.
    const verifier = new ObjectVerifier({ gateway, store, logger: createSilentLogger() }, { recheckMs: 60_000 });
    verifier.enqueue(['cus_a', 'pi_young']);
    await until(() => store.identifierOutcome(store.idKey('pi_young'))?.objects[0]?.stripe !== null && store.identifierOutcome(store.idKey('cus_a'))?.objects[0]?.stripe !== null);
    expect(store.identifierOutcome(store.idKey('cus_a'))?.objects[0]?.stripe?.stated).toBe('processing');
    expect(store.identifierOutcome(store.idKey('pi_young'))?.objects[0]?.stripe?.stated).toBe('validated');
    await verifier.finish(runId);
    expect([...sent].sort()).toEqual(['verify.customers.retrieve', 'verify.customers.retrieve', 'verify.payment_intents.retrieve']);
    expect(verifier.counts).toEqual({ objects: 2, reads: 3, verified: 0 });
    expect(store.objectStatus('cus_a')).toBe('redaction_pending');
  });

  it('reads an object Stripe holds validated once a run: no re-read while the run goes on, none at the end', async () => {
    const { emulator: em, store, runId, gateway, sent } = await setUp([['pi_young', 'payment_intent']], { youngCharges: 'validated', youngDays: 90 });
    await redactInStripe(gateway, em, { payment_intents: ['pi_young'] });
    sent.length = 0;
    const verifier = new ObjectVerifier({ gateway, store, logger: createSilentLogger() }, { recheckMs: 1 });
    verifier.enqueue(['pi_young']);
    await until(() => store.identifierOutcome(store.idKey('pi_young'))?.objects[0]?.stripe?.stated === 'validated');
    // Timers fire in order: a re-read due 1 ms after the read would have been sent before this 20 ms one ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual(['verify.payment_intents.retrieve']);
    await verifier.finish(runId);
    expect(sent).toEqual(['verify.payment_intents.retrieve']);
    expect(verifier.counts).toEqual({ objects: 1, reads: 1, verified: 0 });
  });

  it('in its final pass reads every object of the run still awaiting proof, a batch at a time', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => `cus_n${i}`);
    const { store, runId, gateway, sent } = await setUp(ids.map((id) => [id, 'customer']));
    let inFlight = 0;
    let most = 0;
    const counting: Pick<StripeGateway, 'readObject'> = {
      async readObject(id, type, purpose) {
        most = Math.max(most, ++inFlight);
        try {
          return await gateway.readObject(id, type, purpose);
        } finally {
          inFlight -= 1;
        }
      },
    };
    const verifier = new ObjectVerifier({ gateway: counting, store, logger: createSilentLogger() }, { batchSize: 2 });
    await verifier.finish(runId);
    expect(sent).toHaveLength(5);
    expect(most).toBe(2);
    expect(verifier.counts).toEqual({ objects: 5, reads: 5, verified: 0 });
    for (const id of ids) expect(store.identifierOutcome(store.idKey(id))?.objects[0]?.stripe?.stated).toBe('none');
  });

  it('by default sends up to 50 reads of its final pass at once', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => `cus_n${i}`);
    const { store, runId, gateway } = await setUp(ids.map((id) => [id, 'customer']));
    let inFlight = 0;
    let most = 0;
    const counting: Pick<StripeGateway, 'readObject'> = {
      async readObject(id, type, purpose) {
        most = Math.max(most, ++inFlight);
        try {
          return await gateway.readObject(id, type, purpose);
        } finally {
          inFlight -= 1;
        }
      },
    };
    const verifier = new ObjectVerifier({ gateway: counting, store, logger: createSilentLogger() });
    await verifier.finish(runId);
    expect(most).toBe(5);
  });

  it('once the run is interrupted, sends no read, neither for a finished job nor in its final pass', async () => {
    const { store, runId, gateway, sent } = await setUp([
      ['cus_a', 'customer'],
      ['cus_b', 'customer'],
    ]);
    const interrupt = new AbortController();
    interrupt.abort();
    const verifier = new ObjectVerifier({ gateway, store, logger: createSilentLogger(), signal: interrupt.signal });
    verifier.enqueue(['cus_a']);
    await verifier.finish(runId);
    expect(sent).toEqual([]);
    expect(verifier.counts).toEqual({ objects: 0, reads: 0, verified: 0 });
  });

  it('stops its final pass between two batches when the run is interrupted', async () => {
    const ids = Array.from({ length: 4 }, (_, i) => `cus_n${i}`);
    const { store, runId, gateway, sent } = await setUp(ids.map((id) => [id, 'customer']));
    const interrupt = new AbortController();
    const interrupting: Pick<StripeGateway, 'readObject'> = {
      async readObject(id, type, purpose) {
        const reading = await gateway.readObject(id, type, purpose);
        interrupt.abort();
        return reading;
      },
    };
    const verifier = new ObjectVerifier({ gateway: interrupting, store, logger: createSilentLogger(), signal: interrupt.signal }, { batchSize: 2 });
    await verifier.finish(runId);
    // The first batch was on its way when the interrupt came; the second never started.
    expect(sent).toHaveLength(2);
  });

  it('reads an object Stripe reports processing again while the run goes on, until a read proves it redacted', async () => {
    const { emulator: em, store, runId, gateway, sent } = await setUp([['cus_a', 'customer']]);
    await redactInStripe(gateway, em, { customers: ['cus_a'] });
    sent.length = 0;
    let processingReads = 0;
    // The emulator's clock passes the hour of settling once the verifier has seen `processing` twice.
    const settling: Pick<StripeGateway, 'readObject'> = {
      async readObject(id, type, purpose) {
        const reading = await gateway.readObject(id, type, purpose);
        if (reading.stated === 'processing' && ++processingReads === 2) em.clock.advance(3600);
        return reading;
      },
    };
    const verifier = new ObjectVerifier({ gateway: settling, store, logger: createSilentLogger() }, { recheckMs: 1 });
    verifier.enqueue(['cus_a']);
    await until(() => store.objectStatus('cus_a') === 'redacted');
    await verifier.finish(runId);
    // Read, read again after 1 ms, again after 2 ms (now settled); nothing left for the final pass.
    expect(sent).toEqual(['verify.customers.retrieve', 'verify.customers.retrieve', 'verify.customers.retrieve']);
    expect(verifier.counts).toEqual({ objects: 1, reads: 3, verified: 1 });
  });

  it('once closed, reads an object it saw processing no more', async () => {
    const { emulator: em, store, gateway, sent } = await setUp([['cus_a', 'customer']]);
    await redactInStripe(gateway, em, { customers: ['cus_a'] });
    sent.length = 0;
    let verifier: ObjectVerifier | undefined;
    let closedAfterFirst: () => void = () => {};
    const closed = new Promise<void>((resolve) => (closedAfterFirst = resolve));
    // The run ends (interrupted) while the first read is on its way back.
    const closing: Pick<StripeGateway, 'readObject'> = {
      async readObject(id, type, purpose) {
        const reading = await gateway.readObject(id, type, purpose);
        verifier?.close();
        closedAfterFirst();
        return reading;
      },
    };
    verifier = new ObjectVerifier({ gateway: closing, store, logger: createSilentLogger() }, { recheckMs: 1 });
    verifier.enqueue(['cus_a']);
    await closed;
    await until(() => store.identifierOutcome(store.idKey('cus_a'))?.objects[0]?.stripe?.stated === 'processing');
    // Timers fire in order: a re-read due 1 ms after the first would have been sent before this 20 ms one ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual(['verify.customers.retrieve']);
  });
});
