/**
 * Who holds a lock, and the other facts the job machine asks for (pipeline/lock-holders.ts,
 * pipeline/job-lookups.ts, pipeline/refused-create.ts), answered in-process from this state's jobs
 * and Stripe's job list on the emulator. The jobs another tool holds — a foreign job, the twin of a
 * create replayed past its idempotency key after a crash — are made directly at the emulator, and
 * this state's own jobs directly in the state, as a crashed or concurrent run would have left them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobValidationError } from '../../src/domain/job.js';
import type { LookUp } from '../../src/domain/job-machine.js';
import type { StoredJob } from '../../src/state/state-store.js';
import { lookUp } from '../../src/pipeline/job-lookups.js';
import { waitsFor } from '../../src/pipeline/lock-holders.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import type { DriveContext } from '../../src/pipeline/drive-context.js';
import type { StateStore } from '../../src/state/state-store.js';
import { driveBench, type DriveBench } from '../helpers/drive.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await startTestEmulator({
    // Jobs over the same identifiers are all created (a lock is refused at validation).
    lockRefusal: 'validation',
    validationMs: 5,
    redactionMs: 5,
    seed: {
      customers: [
        {
          id: 'cus_jane',
          email: 'jane@example.com',
          payment_intents: [
            { id: 'pi_jane_paid', amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' },
            { id: 'pi_jane_open', amount: 100, currency: 'eur' },
          ],
          checkout_sessions: [{ id: 'cs_test_jane', mode: 'payment', status: 'complete', payment_status: 'paid' }],
        },
        { id: 'cus_ann', email: 'ann@example.com', payment_intents: [{ id: 'pi_ann_open', amount: 100, currency: 'eur' }] },
        ...['cus_a', 'cus_b', 'cus_c', 'cus_d'].map((id) => ({ id, email: `${id}@example.com` })),
      ],
    },
  });
});
const benches: DriveBench[] = [];
afterEach(async () => {
  for (const bench of benches.splice(0)) bench.close();
  await emulator.close();
});

/** A state, the run its identifiers were noted in, and a driver's context over them. */
interface TestDrive {
  ctx: DriveContext;
  store: StateStore;
  run: string;
  /** The `customerOf` asks, as `type:id`. */
  asked: string[];
}

/** A state and driver context; `customerOf` asks are recorded as `asked`. */
function drive(): TestDrive {
  const bench = driveBench(emulator, { ids: ['cus_jane', 'cus_ann', 'cus_a', 'cus_b', 'cus_c', 'cus_d'], maxWaitMs: 10_000 });
  benches.push(bench);
  const asked: string[] = [];
  const ctx = bench.context({
    customerOf: (id, type) => {
      asked.push(`${type}:${id}`);
      return bench.gateway.customerOf(id, type);
    },
  });
  return { ctx, store: bench.store, run: bench.runId, asked };
}

/** Counts the pages of Stripe's job list the context reads from now on. */
function countListCalls(d: TestDrive): () => number {
  let calls = 0;
  const list = d.ctx.gateway.listJobsWithObjects.bind(d.ctx.gateway);
  d.ctx.gateway = {
    ...d.ctx.gateway,
    listJobsWithObjects: (params) => {
      calls += 1;
      return list(params);
    },
  };
  return () => calls;
}

/** A job of this state over `ids`, created at Stripe unless `unsent`. */
async function ownJob(d: TestDrive, ids: string[], options: { unsent?: boolean } = {}): Promise<StoredJob> {
  const job = d.store.insertJob(ids, 'error', d.run);
  if (options.unsent) return job;
  const created = await foreignJob(ids);
  d.store.recordJobCreated(job, created, 'validating', 0);
  return job;
}

/** A job Stripe holds over `ids` (each a customer, PaymentIntent or Checkout Session). */
async function foreignJob(ids: string[]): Promise<string> {
  const of = (prefix: string) => ids.filter((id) => id.startsWith(prefix));
  const objects = { customers: of('cus_'), payment_intents: of('pi_'), checkout_sessions: of('cs_') };
  const created = await emulator.stripe.privacy.redactionJobs.create({
    objects: Object.fromEntries(Object.entries(objects).filter(([, list]) => list.length > 0)),
  });
  return created.id;
}

/** A job Stripe held over `ids`, canceled: it holds nothing any more. */
async function canceledJob(ids: string[]): Promise<void> {
  const id = await foreignJob(ids);
  await waitForJobStatus(emulator.stripe, id, ['ready', 'failed']);
  await emulator.stripe.privacy.redactionJobs.cancel(id);
  // `canceling` still holds its objects (a live job): the decoy is one that is over.
  await waitForJobStatus(emulator.stripe, id, ['canceled']);
}

async function ask(what: LookUp, job: StoredJob, d: TestDrive) {
  return lookUp(what, job, d.ctx);
}

const lockedOn = (id: string, objectType: string): JobValidationError => ({ id: 'err', code: 'locked_by_other_job', message: 'locked', erroringObject: { id, objectType } });

describe('the twin of a create replayed past its idempotency key', () => {
  it('is the live job Stripe lists with exactly its identifiers that this state does not know', async () => {
    const d = drive();
    // The create a crashed run sent, whose answer it never recorded: the state's job is unsent.
    const twin = await foreignJob(['cus_a', 'cus_b']);
    // Newer, and each not the twin: one the state knows, one with more identifiers, one with others, one canceled.
    await ownJob(d, ['cus_b', 'cus_a']);
    await foreignJob(['cus_a', 'cus_b', 'cus_c']);
    await foreignJob(['cus_a', 'cus_c']);
    await canceledJob(['cus_a', 'cus_b']);
    const replayed = await ownJob(d, ['cus_a', 'cus_b'], { unsent: true });

    expect(await ask({ kind: 'twin' }, replayed, d)).toEqual({ kind: 'twin', twin: expect.objectContaining({ id: twin }) });
  });

  it('is none when Stripe lists no such job', async () => {
    const d = drive();
    const replayed = await ownJob(d, ['cus_d'], { unsent: true });
    expect(await ask({ kind: 'twin' }, replayed, d)).toEqual({ kind: 'twin', twin: null });
  });
});

describe('a lock held by a job of this state', () => {
  it("is the live job naming the locked object, or the job holding its customer; never the job itself", async () => {
    const d = drive();
    const holder = await ownJob(d, ['pi_jane_paid'], { unsent: true });
    const janes = await ownJob(d, ['cus_jane'], { unsent: true });
    const locked = await ownJob(d, ['cus_c'], { unsent: true });
    const owners = (locked_: Map<string, JobValidationError[]>, job = locked) => ask({ kind: 'lock_owners', locked: locked_ }, job, d);

    // An error naming no object is passed over for the next.
    const noObject: JobValidationError = { id: 'err', code: 'locked_by_other_job', message: 'locked', erroringObject: null };
    expect(await owners(new Map([['cus_c', [noObject, lockedOn('pi_jane_paid', 'payment_intent')]]]))).toEqual({ kind: 'lock_owners', owners: new Map([['cus_c', holder.localId]]) });
    // An object no job of ours holds is passed over for the next error's.
    expect(await owners(new Map([['cus_c', [lockedOn('cus_d', 'customer'), lockedOn('pi_jane_paid', 'payment_intent')]]]))).toEqual({ kind: 'lock_owners', owners: new Map([['cus_c', holder.localId]]) });
    // The open PaymentIntent is in no job of ours: its customer's job holds it (a cascade).
    expect(await owners(new Map([['pi_jane_open', [lockedOn('pi_jane_open', 'payment_intent')]]]))).toEqual({ kind: 'lock_owners', owners: new Map([['pi_jane_open', janes.localId]]) });
    expect(d.asked).toEqual(['payment_intent:pi_jane_open']);
    // The Checkout Session's customer is asked by Stripe's type name for it.
    expect(await owners(new Map([['cs_test_jane', [lockedOn('cs_test_jane', 'checkout.session')]]]))).toEqual({ kind: 'lock_owners', owners: new Map([['cs_test_jane', janes.localId]]) });
    // A customer held by no job of ours is not ours; its customer is never asked.
    d.asked.length = 0;
    expect(await owners(new Map([['cus_d', [lockedOn('cus_d', 'customer')]]]))).toEqual({ kind: 'lock_owners', owners: new Map() });
    expect(d.asked).toEqual([]);
    // Held only by the job that asks: not a holder.
    expect(await owners(new Map([['cus_jane', [lockedOn('cus_jane', 'customer')]]]), janes)).toEqual({ kind: 'lock_owners', owners: new Map() });
  });

  it('is a job of ours that succeeded in this run, but not one that succeeded before it', async () => {
    const d = drive();
    const done = await ownJob(d, ['cus_a'], { unsent: true });
    d.store.recordJobCreated(done, 'prj_done', 'succeeded', 0);
    const asker = await ownJob(d, ['cus_b'], { unsent: true });
    const locks = new Map([['cus_a', [lockedOn('cus_a', 'customer')]]]);
    expect(await ask({ kind: 'lock_owners', locked: locks }, asker, d)).toEqual({ kind: 'lock_owners', owners: new Map() });
    d.ctx.memory.noteSucceeded(done.localId);
    expect(await ask({ kind: 'lock_owners', locked: locks }, asker, d)).toEqual({ kind: 'lock_owners', owners: new Map([['cus_a', done.localId]]) });
  });

  it('a lone identifier of a refused create: the job naming it, or for a customer a job of ours naming one of its objects', async () => {
    const d = drive();
    const asker = await ownJob(d, ['cus_jane', 'pi_jane_paid'], { unsent: true });
    const own = (id: string, job = asker) => ask({ kind: 'own_holder', id }, job, d);
    // No job but the asker names them: the asker's own PaymentIntent is not looked at.
    expect(await own('cus_jane')).toEqual({ kind: 'own_holder', owner: null });
    expect(d.asked).toEqual([]);
    expect(await own('pi_jane_paid')).toEqual({ kind: 'own_holder', owner: null });
    expect(await own('cs_test_jane')).toEqual({ kind: 'own_holder', owner: null });

    // A job of another customer's objects, and one naming a customer, hold nothing of Jane's.
    await ownJob(d, ['pi_ann_open', 'cus_a'], { unsent: true });
    const sessionJob = await ownJob(d, ['cs_test_jane'], { unsent: true });
    d.asked.length = 0;
    expect(await own('cus_jane')).toEqual({ kind: 'own_holder', owner: sessionJob.localId });
    // Only the objects that are not customers are asked whose they are.
    expect(d.asked).toEqual(['payment_intent:pi_ann_open', 'checkout.session:cs_test_jane']);
    // The session's job holds the session itself; a PaymentIntent is held only by a job naming it.
    expect(await own('cs_test_jane')).toEqual({ kind: 'own_holder', owner: sessionJob.localId });
    // Anything but a customer is held only by a job naming it or its customer: no other job is looked through.
    d.asked.length = 0;
    expect(await own('pi_jane_open')).toEqual({ kind: 'own_holder', owner: null });
    expect(d.asked).toEqual(['payment_intent:pi_jane_open']);
    // An identifier of no kind this tool knows is asked of as `unknown`.
    d.asked.length = 0;
    expect(await own('zz_1')).toEqual({ kind: 'own_holder', owner: null });
    expect(d.asked).toEqual(['unknown:zz_1']);
    const direct = await ownJob(d, ['cus_jane'], { unsent: true });
    expect(await own('cus_jane')).toEqual({ kind: 'own_holder', owner: direct.localId });
  });

  it('is named by its Stripe id once Stripe has one', async () => {
    const d = drive();
    const unsent = await ownJob(d, ['cus_a'], { unsent: true });
    expect(waitsFor(unsent.localId, d.ctx)).toEqual({ code: 'waits_for_own_job' });
    d.store.recordJobCreated(unsent, 'prj_named', 'validating', 0);
    expect(waitsFor(unsent.localId, d.ctx)).toEqual({ code: 'waits_for_own_job', job: 'prj_named' });
  });
});

describe("a lock held by another's job", () => {
  it("is ours when a job of this state holds it; else the live job Stripe lists naming it, unless Stripe named one", async () => {
    const d = drive();
    const asker = await ownJob(d, ['cus_c', 'cus_d']);
    await ownJob(d, ['cus_a'], { unsent: true });
    const theirs = await foreignJob(['cus_b']);
    const blocker = (id: string, heldBy?: string) => ({ code: 'locked_by_other_job', message: 'locked', erroringObject: { id, objectType: 'customer' }, underFix: 'untried' as const, ...(heldBy ? { heldBy } : {}) });
    const holders = await ask(
      {
        kind: 'lock_holders',
        locks: [
          { root: 'cus_a', blocker: blocker('cus_a') },
          { root: 'cus_b', blocker: blocker('cus_b') },
          { root: 'cus_b', blocker: blocker('cus_b', 'prj_named_by_stripe') },
          // Listed only in the asker's own job: no other holder known.
          { root: 'cus_c', blocker: blocker('cus_c') },
        ],
      },
      asker,
      d,
    );
    expect(holders).toEqual({ kind: 'lock_holders', holders: [{ own: true }, { own: false, heldBy: theirs }, { own: false }, { own: false }] });
  });

  it("a refused create's lone identifier: the live jobs Stripe lists naming it or its customer, each once", async () => {
    const d = drive();
    const asker = await ownJob(d, ['pi_jane_paid'], { unsent: true });
    const byCustomer = await foreignJob(['cus_jane']);
    const byBoth = await foreignJob(['cus_jane', 'cs_test_jane']);
    const bySession = await foreignJob(['cs_test_jane']);
    await canceledJob(['cs_test_jane']);
    const listed = (id: string) => ask({ kind: 'listed_holders', id }, asker, d);
    expect(await listed('cs_test_jane')).toEqual({ kind: 'listed_holders', jobs: [bySession, byBoth, byCustomer] });
    expect(d.asked).toEqual(['checkout.session:cs_test_jane']);
    // A customer has no customer to ask for.
    expect(await listed('cus_jane')).toEqual({ kind: 'listed_holders', jobs: [byBoth, byCustomer] });
    expect(d.asked).toEqual(['checkout.session:cs_test_jane']);
  });
});

describe('the facts a failed job is triaged by', () => {
  it("each object's customer, the objects a customer's cascade carries, and those Stripe no longer holds", async () => {
    const d = drive();
    const job = await ownJob(d, ['cus_jane'], { unsent: true });
    for (const id of ['pi_jane_open', 'pi_gone', 'xx_nothing']) d.store.noteIdentifier(d.store.idKey(id), 'payment_intent', d.run);
    for (const id of ['pi_jane_open', 'pi_gone', 'xx_nothing']) d.store.recordResolution(d.store.idKey(id), [{ id, type: 'payment_intent' }]);

    expect(
      await ask({ kind: 'owners', objects: [{ id: 'pi_jane_open', objectType: 'payment_intent' }, { id: 'cs_test_jane', objectType: 'checkout.session' }, { id: 'pi_ann_open', objectType: 'payment_intent' }] }, job, d),
    ).toEqual({ kind: 'owners', owners: new Map([['pi_jane_open', 'cus_jane'], ['cs_test_jane', 'cus_jane'], ['pi_ann_open', 'cus_ann']]) });
    expect(await ask({ kind: 'carried', ids: ['pi_jane_open', 'cs_test_jane', 'pi_ann_open', 'pi_gone'], customers: ['cus_jane'] }, job, d)).toEqual({ kind: 'carried', ids: ['pi_jane_open', 'cs_test_jane'] });
    // Read from Stripe: the missing one is settled not_found; one of no known kind is not read.
    expect(await ask({ kind: 'gone', ids: ['pi_jane_open', 'pi_gone', 'xx_nothing'] }, job, d)).toEqual({ kind: 'gone', ids: ['pi_gone'] });
    expect(d.store.objectStatus('pi_gone')).toBe('not_found');
    expect(d.store.objectStatus('pi_jane_open')).toBe('queued');
  });

  it('the validation errors Stripe lists, the blockers and fixes the state recorded, and which owners succeeded in this run', async () => {
    const d = drive();
    const job = await ownJob(d, ['cus_ann']);
    const jobId = d.store.stripeIdOf(job.localId) as string;
    const failed = await waitForJobStatus(emulator.stripe, jobId, 'failed');
    expect(failed.status).toBe('failed');
    const errors = await ask({ kind: 'validation_errors', job: jobId }, job, d);
    expect(errors).toMatchObject({ kind: 'validation_errors', errors: [{ erroringObject: { id: 'pi_ann_open', objectType: 'payment_intent' } }] });

    const blocker = { code: 'invalid_state', message: 'open', erroringObject: { id: 'pi_ann_open', objectType: 'payment_intent' }, underFix: 'untried' as const };
    d.store.setObjectStatus(['cus_ann'], { status: 'in_job', blockers: [blocker] });
    const recorded = lookUp({ kind: 'recorded', ids: ['cus_ann'] }, job, d.ctx);
    expect(recorded).toEqual({ kind: 'recorded', blockers: new Map([['cus_ann', [blocker]]]), fixes: new Map([['cus_ann', []]]) });

    const other = await ownJob(d, ['cus_a'], { unsent: true });
    d.ctx.memory.noteSucceeded(other.localId);
    expect(lookUp({ kind: 'finished_owners', owners: [job.localId, other.localId] }, job, d.ctx)).toEqual({ kind: 'finished_owners', owners: [other.localId] });
  });
});

describe("Stripe's job list, read for a holder", () => {
  it('is read page after page, newest first, past a full page of newer jobs', async () => {
    const d = drive();
    const asker = await ownJob(d, ['cus_d'], { unsent: true });
    const holder = await foreignJob(['cus_a']);
    // A full page (100) of newer jobs over other customers.
    const pagesRead = countListCalls(d);
    expect(await ask({ kind: 'listed_holders', id: 'cus_a' }, asker, d)).toEqual({ kind: 'listed_holders', jobs: [holder] });
    // One page holds them all: Stripe says there is no other, so none is asked for.
    expect(pagesRead()).toBe(1);
    for (let i = 0; i < 100; i += 1) await foreignJob([i % 2 ? 'cus_b' : 'cus_c']);
    expect(await ask({ kind: 'listed_holders', id: 'cus_a' }, asker, d)).toEqual({ kind: 'listed_holders', jobs: [holder] });
    expect(pagesRead()).toBe(1 + 2);
  });
});
