import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { JobWaitTimeout, JobWatcher } from '../../src/pipeline/job-watcher.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
let gateway: StripeGateway;
let sent: string[];

beforeAll(async () => {
  emulator = await startTestEmulator({
    validationMs: 80,
    redactionMs: 5,
    seed: { customers: Array.from({ length: 7 }, (_, i) => ({ id: `cus_w${i}`, email: `w${i}@example.com` })) },
  });
  ({ gateway, sent } = recordingGateway(emulator));
});
afterAll(() => emulator.close());

describe('JobWatcher', () => {
  it('looks at many waiting jobs with one list call instead of one retrieve each', async () => {
    const jobs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => gateway.createJob({ customers: [`cus_w${i}`] }, 'error', `watcher-many-${i}`)),
    );
    // Let them all finish validating first, so one look finds every one settled.
    for (const job of jobs) await waitForJobStatus(emulator.stripe, job.id, 'ready');
    sent.length = 0;
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 20 });
    const settled = await Promise.all(jobs.map((job) => watcher.waitSettled(job.id, job.created)));
    watcher.close();
    expect(settled.map((job) => job.status)).toEqual(Array(6).fill('ready'));
    expect(sent).toEqual(['redaction_jobs.list']);
  });

  it('retrieves a lone job, and gives up on it after maxWaitMs with its last status', async () => {
    emulator.settings.validationMs = 5_000;
    try {
      // A customer no job holds: under --lock-refusal create a held one is refused at create.
      const job = await gateway.createJob({ customers: ['cus_w6'] }, 'error', 'watcher-alone');
      sent.length = 0;
      const watcher = new JobWatcher(gateway, { pollIntervalMs: 20, maxWaitMs: 100 });
      const error = await watcher.waitSettled(job.id, job.created).catch((e: unknown) => e);
      watcher.close();
      expect(error).toBeInstanceOf(JobWaitTimeout);
      expect((error as JobWaitTimeout).lastStatus).toBe('validating');
      expect(new Set(sent)).toEqual(new Set(['redaction_jobs.retrieve']));
    } finally {
      emulator.settings.validationMs = 80;
    }
  });
});
