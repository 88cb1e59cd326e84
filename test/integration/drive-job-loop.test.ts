/**
 * driveJob's loop in-process: one job driven against the emulator through the project's gateway,
 * the real state and watcher. What a user sees of each path: the state's rows for the job and its
 * objects, the jobs it hands back to the run, the log lines, and what the run remembers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { driveJob, isFatalGatewayError } from '../../src/pipeline/drive-job.js';
import { driveBench, type DriveBench } from '../helpers/drive.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator;
let bench: DriveBench | undefined;
// A fresh emulator each test: a job redacts its customers for good.
beforeEach(async () => {
  emulator = await startTestEmulator({
    validationMs: 5,
    redactionMs: 5,
    seed: {
      customers: [
        { id: 'cus_a', email: 'a@example.com' },
        { id: 'cus_b', email: 'b@example.com' },
        {
          id: 'cus_open',
          email: 'open@example.com',
          payment_intents: [
            { id: 'pi_open', amount: 100, currency: 'eur' },
            { id: 'pi_paid', amount: 500, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' },
          ],
        },
      ],
    },
  });
});
afterEach(async () => {
  bench?.close();
  bench = undefined;
  await emulator.close();
});

describe('driveJob', () => {
  it('a new job: created, logged, redacted; the run remembers it succeeded and hands its objects to verification', async () => {
    bench = driveBench(emulator, { ids: ['cus_a'] });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    await driveJob(job, bench.context());
    const [history] = bench.store.jobsOfIdentifier(bench.store.idKey('cus_a'));
    expect(history?.status).toBe('succeeded');
    // One behaviour, the create's: each status seen is recorded, an unchanged behaviour is not.
    expect(history?.behaviors.map((b) => b.behavior)).toEqual(['error']);
    expect(bench.object('cus_a')).toMatchObject({ status: 'redaction_pending', jobId: history?.stripeId });
    expect(bench.logs.filter((l) => l.level === 'info')).toEqual([
      { level: 'info', message: 'job created', fields: { job: history?.stripeId, objects: 1 } },
      { level: 'info', message: 'job succeeded', fields: { job: history?.stripeId, objects: 1 } },
    ]);
    expect(bench.verified).toEqual([['cus_a']]);
    expect(bench.memory.succeeded(job.localId)).toBe(true);
    expect(bench.spawned).toEqual([]);
  });

  it('Stripe no longer knows the job: it is recorded abandoned and its objects go into a new job', async () => {
    bench = driveBench(emulator, { ids: ['cus_b'] });
    const job = bench.store.insertJob(['cus_b'], 'error', bench.runId);
    bench.store.recordJobCreated(job, 'prj_wiped', 'validating', 1);
    await driveJob(job, bench.context());
    const [history] = bench.store.jobsOfIdentifier(bench.store.idKey('cus_b'));
    expect(history?.status).toBe('abandoned');
    expect(history?.events.at(-1)?.reason).toEqual({ code: 'unknown_to_stripe' });
    expect(bench.spawned).toEqual([['cus_b']]);
    expect(bench.logs).toContainEqual({ level: 'warn', message: 'job unknown to Stripe; its objects go into a new job', fields: { job: 'prj_wiped' } });
  });

  it('a call that fails for good fails the rows with Stripe’s code and message, naming the job', async () => {
    bench = driveBench(emulator, { ids: ['cus_a'] });
    emulator.faults.use({ method: 'POST', path: /\/run$/, status: 500, code: 'api_error', message: 'Stripe broke', times: 1 });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    await driveJob(job, bench.context());
    const stripeId = bench.store.stripeIdOf(job.localId);
    expect(bench.object('cus_a')).toMatchObject({
      status: 'failed',
      errorCodes: ['api_error'],
      reasons: [{ code: 'job_error', job: stripeId, message: 'Stripe broke', stripeCode: 'api_error' }],
    });
    expect(bench.logs).toContainEqual({ level: 'warn', message: 'job failed', fields: { job: stripeId, error: 'Stripe broke' } });
  });

  it('a failure with no Stripe code (a thrown string) fails the rows with its text and no code', async () => {
    bench = driveBench(emulator, { ids: ['cus_a'] });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    const gateway = { ...bench.gateway, createJob: () => Promise.reject('socket hang up') };
    await driveJob(job, bench.context({ gateway }));
    expect(bench.object('cus_a')).toMatchObject({ status: 'failed', errorCodes: [], reasons: [{ code: 'job_error', job: null, message: 'socket hang up' }] });
    expect(bench.logs).toContainEqual({ level: 'warn', message: 'job failed', fields: { job: `local-${job.localId}`, error: 'socket hang up' } });
  });

  it('a fatal error is rethrown as it came, and the rows are left as they were', async () => {
    bench = driveBench(emulator, { ids: ['cus_a'] });
    emulator.faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', status: 403, message: 'no permission' });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    await expect(driveJob(job, bench.context())).rejects.toThrow(expect.objectContaining({ constructor: GatewayError, kind: 'permission' }));
    expect(bench.object('cus_a')?.status).toBe('in_job');
    expect(bench.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('an interrupt during a wait leaves the job live and its objects in it: nothing failed, nothing released', async () => {
    bench = driveBench(emulator, { ids: ['cus_a', 'cus_b'] });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    bench.store.setObjectStatus(['cus_b'], { status: 'deferred', jobLocalId: job.localId, deferredOn: job.localId });
    const interrupt = new AbortController();
    const { watcher, gateway: real } = bench;
    // The run's interrupt closes the watcher: every wait ends at once.
    const gateway = {
      ...real,
      createJob: async (...args: Parameters<typeof real.createJob>) => {
        const view = await real.createJob(...args);
        interrupt.abort();
        setImmediate(() => watcher.close());
        return view;
      },
    };
    await driveJob(job, bench.context({ gateway, signal: interrupt.signal }));
    expect(bench.object('cus_a')?.status).toBe('in_job');
    expect(bench.object('cus_b')?.status).toBe('deferred');
    expect(bench.store.liveJobs().map((j) => j.objectIds)).toEqual([['cus_a']]);
    expect(bench.spawned).toEqual([]);
  });

  it('interrupted as the job ends: the objects waiting for it stay deferred for the next run', async () => {
    bench = driveBench(emulator, { ids: ['cus_a', 'cus_b'] });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    bench.store.setObjectStatus(['cus_b'], { status: 'deferred', jobLocalId: job.localId, deferredOn: job.localId });
    const interrupt = new AbortController();
    // The interrupt comes as the job succeeded, while its objects are handed to verification.
    await driveJob(job, bench.context({ signal: interrupt.signal, verify: () => interrupt.abort() }));
    expect(bench.object('cus_a')?.status).toBe('redaction_pending');
    expect(bench.object('cus_b')?.status).toBe('deferred');
    expect(bench.spawned).toEqual([]);
  });

  it('the job ends: objects waiting for it that its cascade did not take go on in a job of their own', async () => {
    bench = driveBench(emulator, { ids: ['cus_a', 'cus_b'] });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    bench.store.setObjectStatus(['cus_b'], { status: 'deferred', jobLocalId: job.localId, deferredOn: job.localId });
    await driveJob(job, bench.context());
    expect(bench.spawned).toEqual([['cus_b']]);
  });

  it('an error releasing the waiters stops the run with it: the job’s rows are not turned into failures', async () => {
    bench = driveBench(emulator, { ids: ['cus_a', 'cus_b'] });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    bench.store.setObjectStatus(['cus_b'], { status: 'deferred', jobLocalId: job.localId, deferredOn: job.localId });
    const broken = new Error('state is read-only');
    const spawn = () => {
      throw broken;
    };
    await expect(driveJob(job, bench.context({ spawn }))).rejects.toBe(broken);
    expect(bench.object('cus_a')?.status).toBe('redaction_pending');
    expect(bench.logs.filter((l) => l.message === 'job failed')).toEqual([]);
  });

  it('a wait given up leaves the job live and its rows in it, with how long it waited and what Stripe last said', async () => {
    const slow = await startTestEmulator({ validationMs: 60_000, redactionMs: 5, seed: { customers: [{ id: 'cus_a', email: 'a@example.com' }] } });
    try {
      bench = driveBench(slow, { ids: ['cus_a'], maxWaitMs: 1 });
      const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
      await driveJob(job, bench.context());
      const stripeId = bench.store.stripeIdOf(job.localId);
      const object = bench.object('cus_a');
      expect(object?.status).toBe('in_job');
      expect(object?.reasons).toEqual([{ code: 'wait_timed_out', job: stripeId, lastStatus: 'validating', waitedMs: expect.any(Number) }]);
      expect((object?.reasons[0] as { waitedMs: number }).waitedMs).toBeGreaterThanOrEqual(1);
      expect(bench.logs).toContainEqual({ level: 'warn', message: 'gave up waiting for a job; the next run follows it', fields: { job: stripeId, status: 'validating' } });
      expect(bench.store.liveJobs().map((j) => j.stripeId)).toEqual([stripeId]);
    } finally {
      bench?.close();
      bench = undefined;
      await slow.close();
    }
  });

  it('a fix run creates its job under error, and a switch to fix that Stripe confirmed is in the state even when the validation after it fails', async () => {
    bench = driveBench(emulator, { ids: ['cus_open'], behavior: 'fix' });
    emulator.faults.use({ method: 'POST', path: /\/validate$/, status: 500, code: 'api_error', message: 'validation down', times: 1 });
    const job = bench.store.insertJob(['cus_open'], 'error', bench.runId);
    const real = bench.gateway;
    const createdUnder: string[] = [];
    const gateway = { ...real, createJob: (...args: Parameters<typeof real.createJob>) => (createdUnder.push(args[1]), real.createJob(...args)) };
    await driveJob(job, bench.context({ gateway }));
    // Under error first: its validation lists what the fix will change, which the report must say.
    expect(createdUnder).toEqual(['error']);
    const [history] = bench.store.jobsOfIdentifier(bench.store.idKey('cus_open'));
    expect(history?.behaviors.map((b) => b.behavior)).toEqual(['error', 'fix']);
    expect(bench.object('cus_open')).toMatchObject({ status: 'failed', errorCodes: ['api_error'] });
    // The evidence of what the fix will change was written before the switch.
    expect(bench.object('cus_open')?.blockers.map((b) => b.code)).toEqual(['invalid_state']);
  });
});

describe('driveJob, more paths', () => {
  it('validate mode: a job that validates clean makes its rows ready, clears blockers an earlier run recorded, and is canceled', async () => {
    bench = driveBench(emulator, { ids: ['cus_a'], mode: 'validate' });
    const stale = { code: 'invalid_state', message: 'open PaymentIntent', erroringObject: null, underFix: 'untried' as const };
    bench.store.setObjectStatus(['cus_a'], { status: 'queued', blockers: [stale] });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    await driveJob(job, bench.context());
    expect(bench.object('cus_a')).toMatchObject({ status: 'ready', blockers: [] });
    expect(bench.store.jobsOfIdentifier(bench.store.idKey('cus_a'))[0]?.status).toBe('canceled');
  });

  it('a job Stripe holds under fix that the state has as error (the update’s answer was lost): the state learns fix, and the job is not run without --validation-behavior fix', async () => {
    bench = driveBench(emulator, { ids: ['cus_a'] });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    const created = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_a'] }, validation_behavior: 'fix' });
    bench.store.recordJobCreated(job, created.id, 'validating', created.created);
    await driveJob(job, bench.context());
    const [history] = bench.store.jobsOfIdentifier(bench.store.idKey('cus_a'));
    expect(history?.behaviors.map((b) => b.behavior)).toEqual(['error', 'fix']);
    expect(history?.status).toBe('canceled');
    expect(bench.spawned).toEqual([['cus_a']]);
    expect(bench.sent).not.toContain('redaction_jobs.run');
  });

  it('a run that verifies later (no verify step): a job that succeeded still settles its rows for proof', async () => {
    bench = driveBench(emulator, { ids: ['cus_a'] });
    const job = bench.store.insertJob(['cus_a'], 'error', bench.runId);
    const { verify: _absent, ...withoutVerify } = bench.context();
    await driveJob(job, withoutVerify);
    expect(bench.object('cus_a')?.status).toBe('redaction_pending');
  });

  it('a create refused with a code other than a lock or a missing object fails the rows with it, and nothing is looked up', async () => {
    bench = driveBench(emulator, { ids: ['cus_a', 'cus_b'] });
    emulator.faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', status: 400, code: 'parameter_unknown', message: 'Received unknown parameter', times: 1 });
    const job = bench.store.insertJob(['cus_a', 'cus_b'], 'error', bench.runId);
    await driveJob(job, bench.context());
    for (const id of ['cus_a', 'cus_b']) expect(bench.object(id)).toMatchObject({ status: 'failed', errorCodes: ['parameter_unknown'] });
    expect(bench.sent).toEqual(['redaction_jobs.create']);
    expect(bench.spawned).toEqual([]);
  });

  it('a clean PaymentIntent a blocked customer’s cascade carries waits for that customer’s new job', async () => {
    bench = driveBench(emulator, { ids: ['cus_open', 'pi_paid'] });
    const job = bench.store.insertJob(['cus_open', 'pi_paid'], 'error', bench.runId);
    await driveJob(job, bench.context());
    expect(bench.spawned).toEqual([['cus_open']]);
    const holder = bench.store.liveJobs().find((j) => j.objectIds.includes('cus_open'));
    expect(bench.object('pi_paid')).toMatchObject({ status: 'deferred', reasons: [{ code: 'waits_for_own_job' }] });
    expect(bench.store.objectsDeferredOn(holder?.localId as number)).toEqual(['pi_paid']);
  });

  it('the run stopping as the customer’s new job would be queued: the carried PaymentIntent is handed over on its own', async () => {
    bench = driveBench(emulator, { ids: ['cus_open', 'pi_paid'] });
    const job = bench.store.insertJob(['cus_open', 'pi_paid'], 'error', bench.runId);
    const asked: string[][] = [];
    await driveJob(job, bench.context({ spawn: (ids) => void asked.push(ids) }));
    expect(asked).toEqual([['cus_open'], ['pi_paid']]);
    expect(bench.object('pi_paid')?.status).not.toBe('deferred');
  });
});

describe('driveJob, a create refused resource_missing naming a slot', () => {
  it('reads only the identifier in the slot Stripe named: it is not_found, the job abandoned, the others in a new job', async () => {
    const strict = await startTestEmulator({ validationMs: 5, redactionMs: 5, unknownIds: 'refuse', seed: { customers: [{ id: 'cus_a', email: 'a@example.com' }] } });
    try {
      bench = driveBench(strict, { ids: ['cus_a', 'cus_nowhere'] });
      const job = bench.store.insertJob(['cus_a', 'cus_nowhere'], 'error', bench.runId);
      await driveJob(job, bench.context());
      expect(bench.object('cus_nowhere')?.status).toBe('not_found');
      expect(bench.sent.filter((label) => label === 'customer.retrieve')).toHaveLength(1);
      expect(bench.spawned).toEqual([['cus_a']]);
      const [history] = bench.store.jobsOfIdentifier(bench.store.idKey('cus_a'));
      expect(history?.status).toBe('abandoned');
    } finally {
      bench?.close();
      bench = undefined;
      await strict.close();
    }
  });
});

describe('isFatalGatewayError', () => {
  const error = (kind: ConstructorParameters<typeof GatewayError>[1]['kind']) => new GatewayError(kind, { kind, retryable: false });
  it('stops the run on a bad key, a missing permission or an account without redaction jobs, and on nothing else', () => {
    expect(['auth', 'permission', 'unavailable'].every((kind) => isFatalGatewayError(error(kind as 'auth')))).toBe(true);
    for (const kind of ['rate_limited', 'invalid_request', 'not_found', 'conflict', 'api', 'connection'] as const) expect(isFatalGatewayError(error(kind))).toBe(false);
    expect(isFatalGatewayError(new Error('auth'))).toBe(false);
  });
});
