/**
 * JobWatcher over more jobs than one page of Stripe's job list (100): it pages on towards the
 * jobs it waits for, and stops once a page reaches jobs older than the oldest of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import type { RedactionJobView } from '../../src/domain/job.js';
import { JobWaitTimeout, JobWatcher } from '../../src/pipeline/job-watcher.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator;
let gateway: StripeGateway;
let sent: string[];
/** The 104 jobs created first, oldest first, all in earlier seconds than {@link newer}. */
let older: RedactionJobView[];
/** Four jobs created after them. */
let newer: RedactionJobView[];

beforeAll(async () => {
  emulator = await startTestEmulator({
    validationMs: 5,
    redactionMs: 5,
    seed: { customers: Array.from({ length: 108 }, (_, i) => ({ id: `cus_pg${i}`, email: `pg${i}@example.com` })) },
  });
  ({ gateway, sent } = recordingGateway(emulator));
  older = [];
  for (let i = 0; i < 104; i++) older.push(await gateway.createJob({ customers: [`cus_pg${i}`] }, 'error', `pages-old-${i}`));
  // `created` is in whole seconds: the newer jobs start in a later second than every older one.
  const lastOld = Math.max(...older.map((job) => job.created));
  while (Math.floor(Date.now() / 1000) <= lastOld) await new Promise((resolve) => setTimeout(resolve, 20));
  newer = [];
  for (let i = 104; i < 108; i++) newer.push(await gateway.createJob({ customers: [`cus_pg${i}`] }, 'error', `pages-new-${i}`));
  for (const job of [...older, ...newer]) await waitForJobStatus(emulator.stripe, job.id, 'ready');
}, 60_000);
afterAll(() => emulator.close());

describe('JobWatcher paging', () => {
  it('pages on to the second page for the oldest jobs, without retrieving them one by one', async () => {
    sent.length = 0;
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5 });
    // Four waits allow two pages; the newest page holds the four newer jobs and 96 older ones.
    const oldest = older.slice(0, 4);
    const settled = await Promise.all(oldest.map((job) => watcher.waitSettled(job.id, job.created)));
    watcher.close();
    expect(settled.map((job) => [job.id, job.status])).toEqual(oldest.map((job) => [job.id, 'ready']));
    expect(sent).toEqual(['redaction_jobs.list', 'redaction_jobs.list']);
  });

  it('stops paging at jobs older than every job it waits for, and retrieves what it did not see', async () => {
    sent.length = 0;
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5 });
    // An id Stripe does not know, said to be as new as the newer jobs: past the first page's older
    // jobs it cannot be on a later page, so it is retrieved rather than paged for.
    const created = Math.min(...newer.map((job) => job.created));
    const [settled, unknown] = await Promise.all([
      Promise.all(newer.map((job) => watcher.waitSettled(job.id, job.created))),
      watcher.waitSettled('prj_notalistedjob', created).catch((error: unknown) => error),
    ]);
    watcher.close();
    expect(settled.map((job) => job.status)).toEqual(['ready', 'ready', 'ready', 'ready']);
    expect(unknown).toMatchObject({ kind: 'not_found' });
    expect(sent).toEqual(['redaction_jobs.list', 'redaction_jobs.retrieve']);
  });

  it('spends no more list pages than the retrieves they replace', async () => {
    sent.length = 0;
    // Two waits allow one page, which does not reach the two oldest jobs: they are retrieved.
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5, listThreshold: 2 });
    const settled = await Promise.all(older.slice(0, 2).map((job) => watcher.waitSettled(job.id, job.created)));
    watcher.close();
    expect(settled.map((job) => job.status)).toEqual(['ready', 'ready']);
    expect(sent).toEqual(['redaction_jobs.list', 'redaction_jobs.retrieve', 'redaction_jobs.retrieve']);
  });

  it('spends one list page on three waits, half of them rounded down, and retrieves what it did not reach', async () => {
    sent.length = 0;
    // The three oldest jobs are on the second page; three waits allow one page only.
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5 });
    const settled = await Promise.all(older.slice(0, 3).map((job) => watcher.waitSettled(job.id, job.created)));
    watcher.close();
    expect(settled.map((job) => job.status)).toEqual(['ready', 'ready', 'ready']);
    expect(sent).toEqual(['redaction_jobs.list', 'redaction_jobs.retrieve', 'redaction_jobs.retrieve', 'redaction_jobs.retrieve']);
  });

  it('stops paging once the page showed every job it waits for', async () => {
    sent.length = 0;
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5 });
    // The first page holds the four newer jobs and the older ones down to older[8], its last: five
    // waits allow two pages, but all five are seen on the first.
    const onFirstPage = [...newer, older[8] as RedactionJobView];
    await Promise.all(onFirstPage.map((job) => watcher.waitSettled(job.id, job.created)));
    watcher.close();
    expect(sent).toEqual(['redaction_jobs.list']);
  });

  it('lists from three waiting jobs on by default, and retrieves below that', async () => {
    sent.length = 0;
    const three = new JobWatcher(gateway, { pollIntervalMs: 5 });
    await Promise.all(newer.slice(0, 3).map((job) => three.waitSettled(job.id, job.created)));
    three.close();
    expect(sent).toEqual(['redaction_jobs.list']);

    sent.length = 0;
    const two = new JobWatcher(gateway, { pollIntervalMs: 5 });
    await Promise.all(newer.slice(0, 2).map((job) => two.waitSettled(job.id, job.created)));
    two.close();
    expect(sent).toEqual(['redaction_jobs.retrieve', 'redaction_jobs.retrieve']);
  });

  it('ends every wait with the error of a list call that failed', async () => {
    emulator.faults.use({ method: 'GET', path: '/v1/privacy/redaction_jobs', status: 500, times: 1 });
    try {
      const watcher = new JobWatcher(gateway, { pollIntervalMs: 5 });
      const outcomes = await Promise.allSettled(newer.map((job) => watcher.waitSettled(job.id, job.created)));
      watcher.close();
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
      for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toMatchObject({ kind: 'api' });
    } finally {
      emulator.faults.reset();
    }
  });
});

describe('JobWaitTimeout', () => {
  it('says how long the job was waited for, in seconds, and its last status or that it was still working', () => {
    expect(new JobWaitTimeout('prj_1', 'validating', 1_800_400).message).toBe('job prj_1 is still validating after 1800 s');
    expect(new JobWaitTimeout('prj_2', undefined, 2_600).message).toBe('job prj_2 is still working after 3 s');
  });
});
