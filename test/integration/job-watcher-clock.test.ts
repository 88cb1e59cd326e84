/**
 * JobWatcher's timer and clock, through the real SDK against the emulator: vitest's fake timers
 * stand in for the watcher's `setTimeout` and `Date` (the emulator keeps the real clock it was
 * started with), so a test moves time itself — when the watcher looks, that it never looks with
 * nothing to look at, and how long a wait lasted when it gives up. No real time is waited for.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RedactionJobView } from '../../src/domain/job.js';
import { GatewayError } from '../../src/errors.js';
import { JobWaitTimeout, JobWatcher } from '../../src/pipeline/job-watcher.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
let gateway: StripeGateway;
let sent: string[];
/** Two jobs that finished validating. */
let ready: RedactionJobView[];
/** A job Stripe keeps validating for a minute. */
let stuck: RedactionJobView;

beforeAll(async () => {
  emulator = await startTestEmulator({
    validationMs: 5,
    redactionMs: 5,
    seed: { customers: Array.from({ length: 3 }, (_, i) => ({ id: `cus_clock${i}`, email: `clock${i}@example.com` })) },
  });
  ({ gateway, sent } = recordingGateway(emulator));
  ready = [];
  for (let i = 0; i < 2; i++) ready.push(await gateway.createJob({ customers: [`cus_clock${i}`] }, 'error', `clock-ready-${i}`));
  for (const job of ready) await waitForJobStatus(emulator.stripe, job.id, 'ready');
  emulator.settings.validationMs = 60_000;
  stuck = await gateway.createJob({ customers: ['cus_clock2'] }, 'error', 'clock-stuck');
});
afterAll(() => emulator.close());

beforeEach(() => {
  sent.length = 0;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Until the watcher's look under way has ended: it set its next timer, or every wait in `waits` ended. */
async function lookEnded(waits: Promise<unknown>[]): Promise<void> {
  let ended = false;
  void Promise.allSettled(waits).then(() => (ended = true));
  while (!ended && vi.getTimerCount() === 0) await new Promise((resolve) => setImmediate(resolve));
}

describe('JobWatcher on a fake clock', () => {
  it('looks once the poll interval has passed, and holds no timer once no wait is left', async () => {
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 50 });
    expect(vi.getTimerCount()).toBe(0);
    const waits = ready.map((job) => watcher.waitSettled(job.id, job.created));
    // Two waits, one look.
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(49);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const settled = await Promise.all(waits);
    expect(settled.map((job) => job.status)).toEqual(['ready', 'ready']);
    expect(sent).toEqual(['redaction_jobs.retrieve', 'redaction_jobs.retrieve']);
    // Nothing waits: no timer keeps the process alive, though the watcher is still open.
    expect(vi.getTimerCount()).toBe(0);
    watcher.close();
  });

  it('once closed, holds no timer for the look it would have made', async () => {
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 50 });
    const wait = watcher.waitSettled(stuck.id, stuck.created);
    expect(vi.getTimerCount()).toBe(1);
    watcher.close();
    await expect(wait).rejects.toThrow('JobWatcher closed');
    expect(vi.getTimerCount()).toBe(0);
    expect(sent).toEqual([]);
  });

  it('starts no second look while one is under way: a wait that comes meanwhile is looked at by the next', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow: StripeGateway = {
      ...gateway,
      retrieveJob: async (id) => {
        if (id === ready[0]?.id) await held;
        return gateway.retrieveJob(id);
      },
    };
    const [first, second] = ready as [RedactionJobView, RedactionJobView];
    const watcher = new JobWatcher(slow, { pollIntervalMs: 5 });
    const firstWait = watcher.waitSettled(first.id, first.created);
    await vi.advanceTimersByTimeAsync(5);
    // The look at the first job is under way; the second wait sets no timer of its own.
    const secondWait = watcher.waitSettled(second.id, second.created);
    expect(vi.getTimerCount()).toBe(0);
    release();
    expect((await firstWait).status).toBe('ready');
    await lookEnded([secondWait]);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(5);
    expect((await secondWait).status).toBe('ready');
    expect(sent).toEqual(['redaction_jobs.retrieve', 'redaction_jobs.retrieve']);
    expect(vi.getTimerCount()).toBe(0);
    watcher.close();
  });

  it('gives up on a job maxWaitMs after its first wait began, ending every wait on it with how long it waited', async () => {
    const t0 = Date.now();
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5, maxWaitMs: 100 });
    const outcomes: unknown[] = [];
    const first = watcher.waitSettled(stuck.id, stuck.created).catch((error: unknown) => void outcomes.push(error));
    vi.setSystemTime(t0 + 80);
    const second = watcher.waitSettled(stuck.id, stuck.created).catch((error: unknown) => void outcomes.push(error));
    // At 85 ms the first wait is not yet 100 ms old: the look finds the job validating and waits on.
    await vi.advanceTimersByTimeAsync(5);
    await lookEnded([first, second]);
    expect(outcomes).toEqual([]);
    expect(sent).toEqual(['redaction_jobs.retrieve']);
    // At exactly 100 ms it is: both waits end, though the second began only 20 ms before.
    await vi.advanceTimersByTimeAsync(15);
    await Promise.all([first, second]);
    expect(outcomes).toHaveLength(2);
    for (const error of outcomes) {
      expect(error).toBeInstanceOf(JobWaitTimeout);
      expect(error).toMatchObject({ name: 'JobWaitTimeout', jobId: stuck.id, lastStatus: 'validating', waitedMs: 100 });
      expect((error as Error).message).toBe(`job ${stuck.id} is still validating after 0 s`);
    }
    expect(vi.getTimerCount()).toBe(0);
    watcher.close();
  });
});

describe('JobWatcher errors', () => {
  it('ends a wait with a GatewayError, not a bare value, when a look fails with something that is not an Error', async () => {
    vi.useRealTimers();
    const broken: StripeGateway = { ...gateway, retrieveJob: () => Promise.reject('socket hang up') };
    const watcher = new JobWatcher(broken, { pollIntervalMs: 5 });
    const error = await watcher.waitSettled(stuck.id, stuck.created).catch((e: unknown) => e);
    watcher.close();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ message: 'socket hang up', kind: 'api', retryable: false });
  });
});
