/**
 * How `stripe-redact run` packs identifiers into jobs and how runs over one state relate: counted
 * through the real SDK's job list on an emulator in this process.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../src/emulator/index.js';
import {
  TEST_KEY_ENV,
  jobsOfRow,
  describeRun,
  isCustomerRedacted,
  jobIdentifiers,
  listJobs,
  plainCustomers,
  readResults,
  readSummary,
  removeTempDirs,
  runCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
} from '../helpers/cli.js';

const emulators: CliEmulator[] = [];
async function emulatorFor(seed: SeedDocument): Promise<CliEmulator> {
  const emulator = await startCliEmulator({ seed });
  emulators.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});
afterAll(removeTempDirs);

const JOB_CREATE = { method: 'POST', path: '/v1/privacy/redaction_jobs' } as const;
const jobCreates = (emulator: CliEmulator) => emulator.requests.filter((r) => r.method === JOB_CREATE.method && r.path === JOB_CREATE.path);

describe('packing', () => {
  it('puts 25 customers requested by id into exactly 3 jobs of at most 10', async () => {
    const customers = plainCustomers('pack', 25);
    const emulator = await emulatorFor({ customers });
    const dir = await tempDir();
    const input = await writeInput(dir, ['customer_id', ...customers.map((c) => c.id), ''].join('\n'));
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);

    const jobs = await listJobs(emulator.stripe);
    expect(jobs).toHaveLength(3);
    expect(jobCreates(emulator)).toHaveLength(3);
    for (const job of jobs) {
      expect(job.status).toBe('succeeded');
      expect(jobIdentifiers(job).length).toBeLessThanOrEqual(10);
    }
    // Every customer in exactly one job.
    expect(jobs.flatMap(jobIdentifiers).sort()).toEqual(customers.map((c) => c.id as string).sort());

    const { rows } = readResults(out);
    expect(rows.map((r) => r.status)).toEqual(Array(25).fill('redacted'));
    for (const row of rows) {
      const holder = jobs.find((job) => jobIdentifiers(job).includes(row.customer_id as string));
      expect(jobsOfRow(row)).toEqual([holder?.id]);
    }
    expect(readSummary(out).statuses.redacted).toBe(25);
  });

  it('sends an identifier repeated on many rows in one job only', async () => {
    const emulator = await emulatorFor({ customers: plainCustomers('dup', 3) });
    const dir = await tempDir();
    const input = await writeInput(
      dir,
      'request_id,email\nR1,dup.0@example.com\nR2,cus_dup_1\nR3,dup.0@example.com\nR4,DUP.0@example.com\nR5,cus_dup_1\nR6,dup.2@example.com\n',
    );
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);

    const jobs = await listJobs(emulator.stripe);
    const all = jobs.flatMap(jobIdentifiers);
    expect(all.sort()).toEqual(['cus_dup_0', 'cus_dup_1', 'cus_dup_2']);
    const { rows } = readResults(out);
    expect(rows.map((r) => [r.request_id, r.status, r.object_ids])).toEqual([
      ['R1', 'redacted', 'cus_dup_0'],
      ['R2', 'redacted', 'cus_dup_1'],
      ['R3', 'redacted', 'cus_dup_0'],
      ['R4', 'redacted', 'cus_dup_0'],
      ['R5', 'redacted', 'cus_dup_1'],
      ['R6', 'redacted', 'cus_dup_2'],
    ]);
    for (const [a, b] of [
      [0, 2],
      [0, 3],
      [1, 4],
    ] as const) {
      expect(rows[b]?.job_id).toBe(rows[a]?.job_id);
      // The repeat names the row it repeats, and otherwise says what that row says.
      expect(rows[b]?.messages).toBe([rows[a]?.messages, `duplicate of row ${a + 1}: the same request, reported as that row is`].filter(Boolean).join('\n'));
      expect(rows[b]?.updated_at).toBe(rows[a]?.updated_at);
    }
  });
});

describe('runs over one state', () => {
  it('a second run creates no job and reports the rows redacted with the original job ids', async () => {
    const customers = plainCustomers('again', 12);
    const emulator = await emulatorFor({ customers });
    const dir = await tempDir();
    const input = await writeInput(dir, ['email', ...customers.map((c) => c.email as string), 'nobody@example.com', ''].join('\n'));
    const state = join(dir, 'state.db');
    const first = await runCli(['run', input, ...emulator.runArgs(join(dir, 'first'), state)], { env: TEST_KEY_ENV });
    expect(first.code, describeRun(first)).toBe(0);
    const firstRows = readResults(join(dir, 'first')).rows;
    const jobsBefore = await listJobs(emulator.stripe);
    expect(jobsBefore.length).toBeGreaterThan(0);
    const createsBefore = jobCreates(emulator).length;

    const second = await runCli(['run', input, ...emulator.runArgs(join(dir, 'second'), state)], { env: TEST_KEY_ENV });
    expect(second.code, describeRun(second)).toBe(0);
    const jobsAfter = await listJobs(emulator.stripe);
    expect(jobsAfter.map((j) => j.id)).toEqual(jobsBefore.map((j) => j.id));
    expect(jobCreates(emulator)).toHaveLength(createsBefore);

    const secondRows = readResults(join(dir, 'second')).rows;
    expect(secondRows).toHaveLength(firstRows.length);
    for (const [i, row] of secondRows.entries()) {
      const before = firstRows[i]!;
      expect(row.status).toBe(before.status);
      expect(row.object_ids).toBe(before.object_ids);
      expect(row.job_id).toBe(before.job_id);
    }
    expect(secondRows.filter((r) => r.status === 'redacted')).toHaveLength(12);
    expect(secondRows.at(-1)?.status).toBe('not_found');
    expect(readSummary(join(dir, 'second')).jobs.driven).toBe(0);
  });

  it('a redact run after a validate run on the same state redacts what validate found ready', async () => {
    const emulator = await emulatorFor({ customers: plainCustomers('preview', 3) });
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\npreview.0@example.com\ncus_preview_1\npreview.2@example.com\n');
    const state = join(dir, 'state.db');
    const validate = await runCli(['run', input, ...emulator.runArgs(join(dir, 'validate'), state), '--mode', 'validate'], { env: TEST_KEY_ENV });
    expect(validate.code, describeRun(validate)).toBe(0);
    expect(readResults(join(dir, 'validate')).rows.map((r) => r.status)).toEqual(['ready', 'ready', 'ready']);

    const redact = await runCli(['run', input, ...emulator.runArgs(join(dir, 'redact'), state)], { env: TEST_KEY_ENV });
    expect(redact.code, describeRun(redact)).toBe(0);
    expect(readResults(join(dir, 'redact')).rows.map((r) => r.status)).toEqual(['redacted', 'redacted', 'redacted']);
    for (const id of ['cus_preview_0', 'cus_preview_1', 'cus_preview_2']) expect(isCustomerRedacted(emulator, id), id).toBe(true);
    const succeeded = (await listJobs(emulator.stripe)).filter((j) => j.status === 'succeeded');
    expect(succeeded.flatMap(jobIdentifiers).sort()).toEqual(['cus_preview_0', 'cus_preview_1', 'cus_preview_2']);
  });

  it('a redact run after a plan run on the same state redacts what plan found', async () => {
    const emulator = await emulatorFor({ customers: plainCustomers('planned', 2) });
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\nplanned.0@example.com\ncus_planned_1\n');
    const state = join(dir, 'state.db');
    const plan = await runCli(['run', input, ...emulator.runArgs(join(dir, 'plan'), state), '--mode', 'plan'], { env: TEST_KEY_ENV });
    expect(plan.code, describeRun(plan)).toBe(0);
    expect(readResults(join(dir, 'plan')).rows.map((r) => r.status)).toEqual(['planned', 'planned']);

    const redact = await runCli(['run', input, ...emulator.runArgs(join(dir, 'redact'), state)], { env: TEST_KEY_ENV });
    expect(redact.code, describeRun(redact)).toBe(0);
    expect(readResults(join(dir, 'redact')).rows.map((r) => r.status)).toEqual(['redacted', 'redacted']);
    expect(isCustomerRedacted(emulator, 'cus_planned_0')).toBe(true);
    expect(isCustomerRedacted(emulator, 'cus_planned_1')).toBe(true);
  });
});
