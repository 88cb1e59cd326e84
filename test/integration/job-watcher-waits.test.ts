import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { JobWatcher } from '../../src/pipeline/job-watcher.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({
    validationMs: 30,
    redactionMs: 5,
    seed: { customers: Array.from({ length: 8 }, (_, i) => ({ id: `cus_v${i}`, email: `v${i}@example.com` })) },
  });
});
afterAll(() => emulator.close());

describe('JobWatcher waits', () => {
  it('refuses a poll interval below 1 ms, naming the option', () => {
    const { gateway } = recordingGateway(emulator);
    expect(() => new JobWatcher(gateway, { pollIntervalMs: 0 })).toThrow(/`pollIntervalMs`/);
    expect(() => new JobWatcher(gateway, { pollIntervalMs: Number.NaN })).toThrow(/`pollIntervalMs`/);
    expect(() => new JobWatcher(gateway, { pollIntervalMs: 1 }).close()).not.toThrow();
  });

  it('answers every wait on the same job once it settles, after following it through validating', async () => {
    const { gateway, sent } = recordingGateway(emulator);
    const job = await gateway.createJob({ customers: ['cus_v0'] }, 'error', 'waits-same-job');
    expect(job.status).not.toBe('ready');
    sent.length = 0;
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5 });
    const [a, b] = await Promise.all([watcher.waitSettled(job.id, job.created), watcher.waitSettled(job.id, job.created)]);
    watcher.close();
    expect([a.status, b.status]).toEqual(['ready', 'ready']);
    // Below the list threshold, each look is one retrieve for the job, however many wait on it.
    expect(new Set(sent)).toEqual(new Set(['redaction_jobs.retrieve']));
  });

  it('passes on the error of a retrieve to the waits on that job only', async () => {
    const { gateway } = recordingGateway(emulator);
    const job = await gateway.createJob({ customers: ['cus_v1'] }, 'error', 'waits-error');
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5 });
    const [missing, found] = await Promise.allSettled([watcher.waitSettled('prj_nosuchjob', job.created), watcher.waitSettled(job.id, job.created)]);
    watcher.close();
    expect(missing.status).toBe('rejected');
    expect((missing as PromiseRejectedResult).reason).toBeInstanceOf(GatewayError);
    expect((missing as PromiseRejectedResult).reason).toMatchObject({ kind: 'not_found' });
    expect(found).toMatchObject({ status: 'fulfilled', value: { id: job.id, status: 'ready' } });
  });

  it('pages the job list when many jobs wait, and retrieves only those the pages did not reach', async () => {
    const { gateway, sent } = recordingGateway(emulator);
    const jobs = [];
    for (let i = 4; i < 8; i++) jobs.push(await gateway.createJob({ customers: [`cus_v${i}`] }, 'error', `waits-list-${i}`));
    for (const job of jobs) await waitForJobStatus(emulator.stripe, job.id, 'ready');
    sent.length = 0;
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5, listThreshold: 2 });
    const settled = await Promise.all([...jobs.map((job) => watcher.waitSettled(job.id, job.created)), watcher.waitSettled('prj_unlisted', 0).catch((e: unknown) => e)]);
    watcher.close();
    expect(settled.slice(0, 4).map((job) => (job as { status: string }).status)).toEqual(['ready', 'ready', 'ready', 'ready']);
    expect(settled[4]).toMatchObject({ kind: 'not_found' });
    // One page held the four jobs; the id it could not show was retrieved on its own.
    expect(sent.filter((op) => op === 'redaction_jobs.list')).toHaveLength(1);
    expect(sent.filter((op) => op === 'redaction_jobs.retrieve')).toHaveLength(1);
  });

  it('refuses new waits once closed, and ends the waits still open', async () => {
    const { gateway } = recordingGateway(emulator);
    emulator.settings.validationMs = 5_000;
    try {
      const job = await gateway.createJob({ customers: ['cus_v2'] }, 'error', 'waits-closed');
      const watcher = new JobWatcher(gateway, { pollIntervalMs: 5 });
      const open = watcher.waitSettled(job.id, job.created);
      watcher.close();
      await expect(open).rejects.toThrow('JobWatcher closed');
      await expect(watcher.waitSettled(job.id, job.created)).rejects.toThrow('JobWatcher is closed');
    } finally {
      emulator.settings.validationMs = 30;
    }
  });
});
