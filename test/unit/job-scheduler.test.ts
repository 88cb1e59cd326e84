/**
 * The run's job queue and its one stop signal, without a run: a fake ledger records what would be
 * written into the state, and drivers are promises the test settles.
 */
import { describe, expect, it } from 'vitest';
import type { RedactionJobView } from '../../src/domain/job.js';
import type { StoredJob } from '../../src/state/state-store.js';
import { JobScheduler, type JobRunners } from '../../src/pipeline/job-scheduler.js';

function ledger() {
  const written: { objectIds: string[]; behavior: string; runId: string }[] = [];
  const created: { localId: number; stripeId: string; status: string; created?: number }[] = [];
  return {
    written,
    created,
    store: {
      insertJob(objectIds: readonly string[], behavior: 'error' | 'fix', runId: string): StoredJob {
        written.push({ objectIds: [...objectIds], behavior, runId });
        return { localId: written.length, stripeId: null, status: 'unsent', validationBehavior: behavior, objectIds: [...objectIds] };
      },
      recordJobCreated(job: StoredJob, stripeId: string, status: string, at?: number) {
        created.push({ localId: job.localId, stripeId, status, ...(at !== undefined ? { created: at } : {}) });
      },
    },
  };
}

/** Drivers the test ends one by one. */
function runners() {
  const driving: { job: StoredJob; end: (error?: unknown) => void }[] = [];
  const following: { job: StoredJob; end: (status: string) => void }[] = [];
  const impl: JobRunners = {
    drive: (job) => new Promise<void>((resolve, reject) => driving.push({ job, end: (error) => (error === undefined ? resolve() : reject(error)) })),
    follow: (job) => new Promise<string>((resolve) => following.push({ job, end: resolve })),
  };
  return { impl, driving, following };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('JobScheduler', () => {
  it('writes a job for each submit and drives it, at most `concurrency` at once, counting them', async () => {
    const { store, written } = ledger();
    const { impl, driving } = runners();
    let done = 0;
    const scheduler = new JobScheduler({ store, runId: 'run_1', concurrency: 2, onJobDone: () => (done += 1) });
    scheduler.use(impl);
    expect(scheduler.submit(['cus_a'])).toBe(1);
    expect(scheduler.submit(['cus_b'])).toBe(2);
    expect(scheduler.submit(['cus_c'])).toBe(3);
    expect(scheduler.submit([])).toBeUndefined();
    expect(written).toEqual([
      { objectIds: ['cus_a'], behavior: 'error', runId: 'run_1' },
      { objectIds: ['cus_b'], behavior: 'error', runId: 'run_1' },
      { objectIds: ['cus_c'], behavior: 'error', runId: 'run_1' },
    ]);
    await tick();
    expect(driving.map((d) => d.job.objectIds)).toEqual([['cus_a'], ['cus_b']]);
    expect(scheduler.jobsStarted).toBe(3);
    driving[0]?.end();
    await tick();
    expect(driving.map((d) => d.job.objectIds)).toEqual([['cus_a'], ['cus_b'], ['cus_c']]);
    expect([scheduler.jobsDone, done]).toEqual([1, 1]);
    driving[1]?.end();
    driving[2]?.end();
    await scheduler.onIdle();
    expect([scheduler.jobsDone, done, scheduler.stopped]).toEqual([3, 3, false]);
    expect(() => scheduler.throwIfFatal()).not.toThrow();
  });

  it('adopts a twin as this state’s own: written with its behaviour, recorded created, driven', async () => {
    const { store, written, created } = ledger();
    const { impl, driving } = runners();
    const scheduler = new JobScheduler({ store, runId: 'run_1', concurrency: 1 });
    scheduler.use(impl);
    const twin: RedactionJobView = { id: 'prj_twin', status: 'ready', validationBehavior: 'fix', created: 42, livemode: false };
    scheduler.adopt(twin, ['cus_a', 'cus_b']);
    expect(written).toEqual([{ objectIds: ['cus_a', 'cus_b'], behavior: 'fix', runId: 'run_1' }]);
    expect(created).toEqual([{ localId: 1, stripeId: 'prj_twin', status: 'ready', created: 42 }]);
    await tick();
    expect(driving).toHaveLength(1);
  });

  it('follows jobs of other inputs, counting them by the status each was left in', async () => {
    const { store } = ledger();
    const { impl, following } = runners();
    const scheduler = new JobScheduler({ store, runId: 'run_1', concurrency: 5 });
    scheduler.use(impl);
    const job = (localId: number): StoredJob => ({ localId, stripeId: `prj_${localId}`, status: 'validating', validationBehavior: 'error', objectIds: [] });
    for (const id of [1, 2, 3]) scheduler.follow(job(id));
    await tick();
    following[0]?.end('succeeded');
    following[1]?.end('succeeded');
    following[2]?.end('failed');
    await scheduler.onIdle();
    expect(scheduler.followed).toEqual({ jobs: 3, byStatus: { succeeded: 2, failed: 1 } });
  });

  it('a fatal error stops everything at once: the signal aborts, nothing queued starts, nothing new is written, the first error is kept', async () => {
    const { store, written } = ledger();
    const { impl, driving } = runners();
    const scheduler = new JobScheduler({ store, runId: 'run_1', concurrency: 1 });
    scheduler.use(impl);
    scheduler.submit(['cus_a']);
    scheduler.submit(['cus_queued']);
    await tick();
    const fatal = new Error('revoked key');
    driving[0]?.end(fatal);
    await tick();
    expect(scheduler.stopped).toBe(true);
    expect(scheduler.signal.aborted).toBe(true);
    expect(scheduler.fatal).toBe(fatal);
    // A dying run writes no new job (the gap the issue names: waiters released after the error).
    expect(scheduler.submit(['cus_late'])).toBeUndefined();
    scheduler.adopt({ id: 'prj_t', status: 'ready', validationBehavior: 'error', created: 1, livemode: false }, ['cus_twin']);
    expect(written.map((w) => w.objectIds)).toEqual([['cus_a'], ['cus_queued']]);
    await scheduler.onIdle();
    expect(driving).toHaveLength(1);
    // A job handed over after the stop (a resumed one, a followed one) is never started.
    const late = (localId: number): StoredJob => ({ localId, stripeId: `prj_${localId}`, status: 'failed', validationBehavior: 'error', objectIds: ['cus_x'] });
    scheduler.drive(late(9));
    scheduler.follow(late(10));
    await scheduler.onIdle();
    expect(driving).toHaveLength(1);
    expect(scheduler.followed.byStatus).toEqual({});
    scheduler.fail(new Error('second'));
    expect(() => scheduler.throwIfFatal()).toThrow(fatal);
  });

  it('the interrupt stops it the same way, with no fatal error', async () => {
    const { store, written } = ledger();
    const { impl, driving } = runners();
    const interrupt = new AbortController();
    const scheduler = new JobScheduler({ store, runId: 'run_1', concurrency: 1, interrupt: interrupt.signal });
    scheduler.use(impl);
    scheduler.submit(['cus_a']);
    scheduler.submit(['cus_queued']);
    await tick();
    interrupt.abort();
    expect(scheduler.stopped).toBe(true);
    expect(scheduler.submit(['cus_late'])).toBeUndefined();
    driving[0]?.end();
    await scheduler.onIdle();
    expect(driving).toHaveLength(1);
    expect(written).toHaveLength(2);
    expect(() => scheduler.throwIfFatal()).not.toThrow();
    // A scheduler made after the interrupt starts stopped.
    const late = new JobScheduler({ store, runId: 'run_2', concurrency: 1, interrupt: interrupt.signal });
    expect(late.stopped).toBe(true);
  });

  it('back-pressure resolves once fewer than the given number of jobs wait for a slot', async () => {
    const { store } = ledger();
    const { impl, driving } = runners();
    const scheduler = new JobScheduler({ store, runId: 'run_1', concurrency: 1 });
    scheduler.use(impl);
    for (const id of ['a', 'b', 'c']) scheduler.submit([`cus_${id}`]);
    await tick();
    let room = false;
    void scheduler.waitForRoom(2).then(() => (room = true));
    await tick();
    expect(room).toBe(false);
    driving[0]?.end();
    await tick();
    expect(room).toBe(true);
  });

  it('a stop lets a reader waiting for room go at once, while a started job still runs', async () => {
    const { store } = ledger();
    const { impl, driving } = runners();
    const scheduler = new JobScheduler({ store, runId: 'run_1', concurrency: 1 });
    scheduler.use(impl);
    for (const id of ['a', 'b', 'c']) scheduler.submit([`cus_${id}`]);
    await tick();
    let room = false;
    void scheduler.waitForRoom(1).then(() => (room = true));
    await tick();
    expect(room).toBe(false);
    scheduler.fail(new Error('revoked key'));
    await tick();
    expect(room).toBe(true);
    expect(driving).toHaveLength(1);
    driving[0]?.end();
    await scheduler.onIdle();
    expect(driving).toHaveLength(1);
  });

  it('a driver that throws is still counted done (progress), and its error stops the run', async () => {
    const { store } = ledger();
    const { impl, driving } = runners();
    // No progress listener: a job ending must not need one.
    const scheduler = new JobScheduler({ store, runId: 'run_1', concurrency: 2 });
    scheduler.use(impl);
    scheduler.submit(['cus_a']);
    scheduler.submit(['cus_b']);
    await tick();
    driving[0]?.end();
    await tick();
    expect([scheduler.jobsDone, scheduler.stopped]).toEqual([1, false]);
    const broken = new Error('state is read-only');
    driving[1]?.end(broken);
    await scheduler.onIdle();
    expect([scheduler.jobsDone, scheduler.stopped, scheduler.fatal]).toEqual([2, true, broken]);
  });

  it('a follower that throws stops the run with its error', async () => {
    const { store } = ledger();
    const broken = new Error('revoked key');
    const scheduler = new JobScheduler({ store, runId: 'run_1', concurrency: 1 });
    scheduler.use({ drive: async () => undefined, follow: async () => Promise.reject(broken) });
    scheduler.follow({ localId: 1, stripeId: 'prj_1', status: 'validating', validationBehavior: 'error', objectIds: [] });
    await scheduler.onIdle();
    expect(scheduler.stopped).toBe(true);
    expect(() => scheduler.throwIfFatal()).toThrow(broken);
    expect(scheduler.followed).toEqual({ jobs: 1, byStatus: {} });
  });

  it('refuses to drive before it knows how', () => {
    const { store } = ledger();
    expect(() => new JobScheduler({ store, runId: 'run_1', concurrency: 1 }).submit(['cus_a'])).toThrow('use() was not called');
  });
});
