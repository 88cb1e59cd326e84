import { afterAll, describe, expect, it } from 'vitest';
import { INTERRUPTED_MESSAGE } from '../../src/pipeline/write-report.js';
import {
  TEST_KEY_ENV,
  describeRun,
  listJobs,
  plainCustomers,
  readResults,
  readSummary,
  removeTempDirs,
  runCli,
  spawnCli,
  startCliEmulator,
  tempDir,
  writeInput,
} from '../helpers/cli.js';

afterAll(removeTempDirs);

describe('stripe-redact run, interrupted with SIGTERM', () => {
  it('stops gracefully, still writes the whole report with unfinished rows pending, and the next run finishes', async () => {
    const customers = plainCustomers('stop', 20);
    const emulator = await startCliEmulator({ validationMs: 1500, redactionMs: 300, seed: { customers } });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, ['email', ...customers.map((c) => c.email)].join('\n'));
      const state = `${dir}/state.db`;
      const running = spawnCli(['run', input, ...emulator.runArgs(dir, state)], { env: TEST_KEY_ENV });
      // Interrupt once Stripe holds a job of this run (it then validates for 1.5 s).
      for (let i = 0; i < 400 && (await listJobs(emulator.stripe)).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect((await listJobs(emulator.stripe)).length).toBeGreaterThan(0);
      running.child.kill('SIGTERM');
      const stopped = await running.result;
      // 143 (128 + SIGTERM): the run did not finish, whatever the rows' statuses.
      expect(stopped.code, describeRun(stopped)).toBe(143);
      const first = readResults(dir);
      expect(first.rows).toHaveLength(20);
      expect(first.rows.some((r) => r.status === 'pending')).toBe(true);
      for (const row of first.rows.filter((r) => r.status === 'pending')) expect(row.messages).toContain(INTERRUPTED_MESSAGE);
      expect(readSummary(dir)).toMatchObject({ interrupted: true });

      const jobsBefore = (await listJobs(emulator.stripe)).length;
      const again = await runCli(['run', input, ...emulator.runArgs(dir, state)], { env: TEST_KEY_ENV });
      expect(again.code, describeRun(again)).toBe(0);
      expect(readResults(dir).rows.map((r) => r.status)).toEqual(Array(20).fill('redacted'));
      // The resumed run followed the jobs already created rather than creating them again.
      const jobs = await listJobs(emulator.stripe);
      expect(jobs.length).toBe(Math.max(jobsBefore, 2));
    } finally {
      await emulator.close();
    }
  });
});

describe('stripe-redact run, interrupted with SIGINT (Ctrl-C)', () => {
  it('exits 130 even when --fail-on names no status, with the report written and its unfinished rows pending', async () => {
    const customers = plainCustomers('ctrlc', 5);
    const emulator = await startCliEmulator({ validationMs: 1500, redactionMs: 300, seed: { customers } });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, ['email', ...customers.map((c) => c.email)].join('\n'));
      const running = spawnCli(['run', input, ...emulator.runArgs(dir), '--fail-on', 'none'], { env: TEST_KEY_ENV });
      for (let i = 0; i < 400 && (await listJobs(emulator.stripe)).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect((await listJobs(emulator.stripe)).length).toBeGreaterThan(0);
      running.child.kill('SIGINT');
      const stopped = await running.result;
      expect(stopped.code, describeRun(stopped)).toBe(130);
      const rows = readResults(dir).rows;
      expect(rows.map((r) => r.status)).toEqual(Array(5).fill('pending'));
      for (const row of rows) expect(row.messages).toContain(INTERRUPTED_MESSAGE);
      expect(readSummary(dir)).toMatchObject({ interrupted: true });
    } finally {
      await emulator.close();
    }
  });
});
