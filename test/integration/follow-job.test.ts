/**
 * followJob: a job another input's run left live is followed, never acted on — its status as Stripe
 * settles it is recorded, and a success settles its objects for verification.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Blocker } from '../../src/domain/blocker.js';
import { GatewayError } from '../../src/errors.js';
import { followJob } from '../../src/pipeline/follow-job.js';
import { JobWatcher } from '../../src/pipeline/job-watcher.js';
import type { StoredJob } from '../../src/state/state-store.js';
import { driveBench, type DriveBench } from '../helpers/drive.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
let bench: DriveBench;
beforeEach(async () => {
  emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [{ id: 'cus_a', email: 'a@example.com' }, { id: 'cus_b', email: 'b@example.com' }] } });
  bench = driveBench(emulator, { ids: ['cus_a', 'cus_b'] });
});
afterEach(async () => {
  bench.close();
  await emulator.close();
});

const blocker: Blocker = { code: 'invalid_state', message: 'open PaymentIntent', erroringObject: { id: 'pi_1', objectType: 'payment_intent' }, underFix: 'untried' };

/** A job of another input, sent to Stripe and recorded as that run left it. */
async function leftJob(behavior: 'error' | 'fix'): Promise<StoredJob> {
  const job = bench.store.insertJob(['cus_a', 'cus_b'], behavior, 'run_other');
  const created = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_a', 'cus_b'] }, validation_behavior: behavior });
  bench.store.recordJobCreated(job, created.id, 'validating', created.created);
  return job;
}

describe('followJob', () => {
  it('waits while Stripe validates, records the status it settles in, and touches nothing else', async () => {
    const job = await leftJob('error');
    expect(await followJob(job, bench.context())).toBe('ready');
    const [history] = bench.store.jobsOfIdentifier(bench.store.idKey('cus_a'));
    expect(history?.status).toBe('ready');
    expect(bench.object('cus_a')?.status).toBe('in_job');
    expect(bench.memory.succeeded(job.localId)).toBe(false);
    expect(bench.sent.filter((label) => label !== 'redaction_jobs.retrieve')).toEqual([]);
  });

  it('a fix job that succeeded: its objects wait for proof under it, the blockers it fixed become fixes, the run remembers it', async () => {
    const job = await leftJob('fix');
    bench.store.setObjectStatus(['cus_a'], { status: 'in_job', jobLocalId: job.localId, blockers: [blocker] });
    await waitForJobStatus(emulator.stripe, job.stripeId as string, 'ready');
    await emulator.stripe.privacy.redactionJobs.run(job.stripeId as string);
    expect(await followJob(job, bench.context())).toBe('succeeded');
    expect(bench.object('cus_a')).toMatchObject({ status: 'redaction_pending', jobId: job.stripeId, blockers: [], fixes: [blocker], errorCodes: [], reasons: [] });
    expect(bench.object('cus_b')).toMatchObject({ status: 'redaction_pending', jobId: job.stripeId });
    expect(bench.memory.succeeded(job.localId)).toBe(true);
    expect(bench.logs).toContainEqual({ level: 'info', message: 'job succeeded', fields: { job: job.stripeId, objects: 2 } });
  });

  it('an error-behaviour job that succeeded records no fixes', async () => {
    const job = await leftJob('error');
    bench.store.setObjectStatus(['cus_a'], { status: 'in_job', jobLocalId: job.localId, blockers: [blocker] });
    await waitForJobStatus(emulator.stripe, job.stripeId as string, 'ready');
    await emulator.stripe.privacy.redactionJobs.run(job.stripeId as string);
    expect(await followJob(job, bench.context())).toBe('succeeded');
    expect(bench.object('cus_a')).toMatchObject({ status: 'redaction_pending', fixes: [] });
  });

  it('a wait given up, or an interrupt, leaves the job as it was left', async () => {
    const job = await leftJob('error');
    // Stripe still validates when the watcher gives up.
    const stillValidating = { ...bench.gateway, retrieveJob: async (id: string) => ({ ...(await bench.gateway.retrieveJob(id)), status: 'validating' as const }) };
    const impatient = new JobWatcher(stillValidating, { pollIntervalMs: 5, maxWaitMs: 0 });
    try {
      expect(await followJob(job, bench.context({ watcher: impatient }))).toBe('validating');
    } finally {
      impatient.close();
    }
    const interrupt = new AbortController();
    interrupt.abort();
    const closed = new JobWatcher(bench.gateway, { pollIntervalMs: 5 });
    closed.close();
    expect(await followJob(job, bench.context({ watcher: closed, signal: interrupt.signal }))).toBe('validating');
    expect(bench.logs).toEqual([]);
    expect(bench.store.jobsOfIdentifier(bench.store.idKey('cus_a'))[0]?.status).toBe('validating');
  });

  it('any other error is a warning naming the job, and the job stays as it was left', async () => {
    const job = await leftJob('error');
    const gone = { ...job, stripeId: 'prj_unknown' };
    expect(await followJob(gone, bench.context())).toBe('validating');
    expect(bench.logs).toEqual([{ level: 'warn', message: 'could not follow a job of another input', fields: { job: 'prj_unknown', error: expect.stringContaining('prj_unknown') } }]);
    const odd = { ...bench.watcher, waitSettled: () => Promise.reject('socket hang up') } as unknown as JobWatcher;
    expect(await followJob(job, bench.context({ watcher: odd }))).toBe('validating');
    expect(bench.logs[1]?.fields).toEqual({ job: job.stripeId, error: 'socket hang up' });
  });

  it('a fatal error stops the run', async () => {
    const job = await leftJob('error');
    emulator.faults.use({ method: 'GET', path: /^\/v1\/privacy\/redaction_jobs/, status: 401 });
    await expect(followJob(job, bench.context())).rejects.toThrow(expect.objectContaining({ constructor: GatewayError, kind: 'auth' }));
  });
});
