/**
 * releaseWaiters: when a job of this state ends, the objects deferred on it go on — settled when
 * the job succeeded and its cascade took them (as Stripe states it), else in new jobs of at most
 * ten identifiers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releaseWaiters } from '../../src/pipeline/release-waiters.js';
import { driveBench, type DriveBench } from '../helpers/drive.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
let bench: DriveBench;
/** Customers nobody has redacted: Stripe holds none of them redacted. */
const others = Array.from({ length: 11 }, (_, i) => `cus_w${i}`);
beforeEach(async () => {
  emulator = await startTestEmulator({
    validationMs: 5,
    redactionMs: 5,
    seed: {
      customers: [
        { id: 'cus_p', email: 'p@example.com', payment_intents: [{ id: 'pi_p', amount: 500, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' }] },
        ...others.map((id) => ({ id, email: `${id}@example.com` })),
      ],
    },
  });
  bench = driveBench(emulator, { ids: ['cus_p', 'pi_p', ...others] });
});
afterEach(async () => {
  bench.close();
  await emulator.close();
});

/** A job of this state holding cus_p, redacted by Stripe; pi_p and the others wait for it. */
async function ownerRedacted(): Promise<number> {
  const owner = bench.store.insertJob(['cus_p'], 'error', bench.runId);
  const created = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_p'] } });
  bench.store.recordJobCreated(owner, created.id, 'validating', created.created);
  await waitForJobStatus(emulator.stripe, created.id, 'ready');
  await emulator.stripe.privacy.redactionJobs.run(created.id);
  await waitForJobStatus(emulator.stripe, created.id, 'succeeded');
  bench.store.recordJobStatus(owner, 'succeeded');
  bench.store.setObjectStatus(['pi_p', ...others], { status: 'deferred', jobLocalId: owner.localId, deferredOn: owner.localId });
  return owner.localId;
}

describe('releaseWaiters', () => {
  it('after the owner succeeded: what its cascade redacted is settled under it, the rest go into jobs of ten', async () => {
    const owner = await ownerRedacted();
    await releaseWaiters(owner, true, bench.context());
    expect(bench.object('pi_p')).toMatchObject({ status: 'redacted', jobId: bench.store.stripeIdOf(owner) });
    expect(bench.spawned).toEqual([others.slice(0, 10), others.slice(10)]);
    // Each waiter was read once for Stripe's word.
    expect(bench.sent.filter((label) => label.startsWith('verify.'))).toHaveLength(12);
  });

  it('after the owner ended without success: every waiter goes into a new job, and nothing is read', async () => {
    const owner = await ownerRedacted();
    bench.sent.length = 0;
    await releaseWaiters(owner, false, bench.context());
    expect(bench.spawned).toEqual([['pi_p', ...others.slice(0, 9)], others.slice(9)]);
    expect(bench.sent).toEqual([]);
    expect(bench.object('pi_p')?.status).toBe('in_job');
  });

  it('with nothing waiting, nothing is queued', async () => {
    const owner = bench.store.insertJob(['cus_p'], 'error', bench.runId);
    await releaseWaiters(owner.localId, true, bench.context());
    expect(bench.spawned).toEqual([]);
  });
});
