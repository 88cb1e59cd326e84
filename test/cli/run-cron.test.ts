/**
 * Cron-quiet by default off a terminal (issue #8): stderr carries warnings, errors and the end
 * summary only, `<out>/stripe-redact.log` keeps everything; `--quiet` leaves only errors;
 * `--fail-on` chooses the statuses of exit code 3.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_KEY_ENV,
  describeRun,
  plainCustomers,
  readResults,
  removeTempDirs,
  runCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
} from '../helpers/cli.js';

let emulator: CliEmulator;
beforeAll(async () => {
  emulator = await startCliEmulator({ seed: { customers: [...plainCustomers('cron', 12), ...plainCustomers('quiet', 1), ...plainCustomers('failon', 1)] } });
});
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

const logMessages = (dir: string): { level: string; message: string }[] =>
  readFileSync(join(dir, 'stripe-redact.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: string; message: string });

describe('stripe-redact run under cron (stderr not a terminal)', () => {
  it('writes only the end summary to stderr when nothing needs a person; the log file has every entry', async () => {
    const dir = await tempDir();
    const emails = plainCustomers('cron', 12).map((c) => c.email);
    const input = await writeInput(dir, ['email', ...emails, 'nobody@example.com'].join('\n'));
    const run = await runCli(['run', input, ...emulator.runArgs(dir)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines, run.stderr).toHaveLength(6);
    expect(lines[0]).toMatch(/^stripe-redact redact run run_\S+: 13 rows — redacted 12, not_found 1$/);
    expect(lines[1]).toMatch(/^ {2}jobs: 2 driven; API calls: \d+$/);
    expect(lines[2]).toMatch(/^ {2}state: \S+state\.db \(acct_\w+, test mode(; new: no history of earlier runs)?\)$/);
    expect(lines[3]).toBe(`  results: ${join(dir, 'results.csv')}`);
    expect(lines[4]).toBe(`  report: ${join(dir, 'report.html')}`);
    expect(lines[5]).toBe(`  summary: ${join(dir, 'summary.json')}`);
    expect(run.stdout).toBe('');
    // The file keeps what the console left out, down to every API response.
    const levels = new Set(logMessages(dir).map((e) => `${e.level} ${e.message}`));
    for (const entry of ['info run started', 'info job created', 'debug stripe response', 'info run finished']) expect(levels).toContain(entry);
  });

  it('--quiet writes nothing at all when the run succeeds; --log-level info brings the info lines back', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\nquiet.0@example.com\n');
    const quiet = await runCli(['run', input, ...emulator.runArgs(join(dir, 'quiet')), '--quiet'], { env: TEST_KEY_ENV });
    expect(quiet.code, describeRun(quiet)).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(readResults(join(dir, 'quiet')).rows[0]).toMatchObject({ status: 'redacted' });

    const info = await runCli(['run', input, ...emulator.runArgs(join(dir, 'info')), '--log-level', 'info'], { env: TEST_KEY_ENV });
    expect(info.code, describeRun(info)).toBe(0);
    const json = info.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { message: string }).message);
    expect(json).toEqual(expect.arrayContaining(['run started', 'run finished']));
  });

  it('a row that needs a person: exit 3 tells cron, and the summary names its status', async () => {
    const dir = await tempDir();
    const blocked = await startCliEmulator({ seed: { customers: [{ id: 'cus_cron_blocked', email: 'blocked@example.com', payment_intents: [{ amount: 100, currency: 'eur' }] }] } });
    try {
      const input = await writeInput(dir, 'email\nblocked@example.com\n');
      const run = await runCli(['run', input, ...blocked.runArgs(dir)], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(3);
      expect(run.stderr).toMatch(/^stripe-redact redact run run_\S+: 1 row — needs_action 1$/m);
    } finally {
      await blocked.close();
    }
  });

  it('--fail-on decides which statuses make exit 3: an invalid row fails by default, not with --fail-on needs_action,failed', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\nfailon.0@example.com\nnot an email\n');
    // plan mode first, so that the customer is still there for the redact run.
    const strict = await runCli(['run', input, ...emulator.runArgs(join(dir, 'strict')), '--mode', 'plan'], { env: TEST_KEY_ENV });
    expect(strict.code, describeRun(strict)).toBe(3);
    const lenient = await runCli(['run', input, ...emulator.runArgs(join(dir, 'lenient')), '--fail-on', 'needs_action,failed'], { env: TEST_KEY_ENV });
    expect(lenient.code, describeRun(lenient)).toBe(0);
    expect(readResults(join(dir, 'lenient')).rows.map((r) => r.status)).toEqual(['redacted', 'invalid']);
    // A settled status may be chosen too: the customer is gone now, so not_found.
    const planned = await runCli(['run', input, ...emulator.runArgs(join(dir, 'planned')), '--mode', 'plan', '--fail-on', 'not_found'], { env: TEST_KEY_ENV });
    expect(planned.code, describeRun(planned)).toBe(3);
  });
});
