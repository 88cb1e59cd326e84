/**
 * Exit codes of a spawned `stripe-redact run` (docs/contract.md#exit-codes): 0 settled, 1 aborted,
 * 2 usage/configuration/input error with nothing sent, 3 some rows unsettled. For 2, an emulator in
 * this process counts every request it gets, and must get none.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI_TEST_KEY,
  TEST_KEY_ENV,
  describeRun,
  readResults,
  readSummary,
  removeTempDirs,
  runCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
} from '../helpers/cli.js';

let emulator: CliEmulator;
beforeAll(async () => {
  emulator = await startCliEmulator({
    seed: { customers: [{ id: 'cus_exit_a', email: 'a@example.com', name: 'A' }, { id: 'cus_exit_b', email: 'b@example.com', name: 'B' }] },
  });
});
afterEach(() => {
  emulator.faults.reset();
});
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

describe('exit 2: usage, configuration or input error, nothing sent', () => {
  interface UsageCase {
    name: string;
    /** The input file's content; `undefined` for a path that does not exist. */
    input: string | undefined;
    args?: string[];
    env?: Record<string, string | undefined>;
    /** Pass `--api-base` to the counting emulator. @default true */
    apiBase?: boolean;
    /** What stderr must name: the option, the variable or the file. */
    names: (inputPath: string) => (string | RegExp)[];
  }
  const cases: UsageCase[] = [
    { name: 'a missing input file', input: undefined, names: (path) => [path, /cannot read|no such file/i] },
    {
      name: 'a multi-column file with no recognisable header, no identifier and no --column',
      input: 'alice,first\nbob,second\n',
      names: (path) => [path, '--column'],
    },
    {
      name: 'an identifier column chosen without --column that is more than half invalid',
      input: 'email\nnot-an-email\nalso bad\nc@example.com\n',
      names: (path) => [path, '"email" is unusable in 2 of 3 rows (67%)', '--column'],
    },
    {
      name: '--column naming no column of the header',
      input: 'request_id,email\nR1,a@example.com\n',
      args: ['--column', 'mail'],
      names: () => ['--column', 'mail'],
    },
    { name: 'an unclosed quote on the last line', input: 'request_id,email\nR1,a@example.com\nR2,"b@example.com\n', names: (path) => [path] },
    { name: '--mode nonsense', input: 'email\na@example.com\n', args: ['--mode', 'nonsense'], names: () => ['--mode', 'nonsense'] },
    {
      name: '--validation-behavior nonsense',
      input: 'email\na@example.com\n',
      args: ['--validation-behavior', 'sometimes'],
      names: () => ['--validation-behavior'],
    },
    { name: 'an unknown option', input: 'email\na@example.com\n', args: ['--dry-run'], names: () => ['--dry-run'] },
    {
      name: 'no STRIPE_API_KEY and neither --emulator nor --api-base',
      input: 'email\na@example.com\n',
      apiBase: false,
      env: { STRIPE_API_KEY: undefined },
      names: () => ['STRIPE_API_KEY', '--emulator'],
    },
    {
      name: 'a live-mode key without --live',
      input: 'email\na@example.com\n',
      env: { STRIPE_API_KEY: 'sk_live_abc123' },
      names: () => ['--live'],
    },
    {
      name: 'a restricted live-mode key without --live',
      input: 'email\na@example.com\n',
      env: { STRIPE_API_KEY: 'rk_live_abc123' },
      names: () => ['--live'],
    },
  ];

  it.each(cases)('$name', async ({ input, args = [], env = TEST_KEY_ENV, apiBase = true, names }) => {
    const dir = await tempDir();
    const inputPath = input === undefined ? join(dir, 'no-such-requests.csv') : await writeInput(dir, input);
    const out = join(dir, 'out');
    const before = emulator.requests.length;
    const targetArgs = apiBase ? ['--api-base', emulator.url, '--poll-interval-ms', '20'] : [];
    const run = await runCli(['run', inputPath, '--out', out, ...targetArgs, ...args], { env });

    expect(run.code, describeRun(run)).toBe(2);
    for (const name of names(inputPath)) {
      if (typeof name === 'string') expect(run.stderr).toContain(name);
      else expect(run.stderr).toMatch(name);
    }
    expect(emulator.requests.slice(before), 'requests the emulator saw').toEqual([]);
    expect(existsSync(join(out, 'results.csv'))).toBe(false);
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  });
});

describe('exit 1: the run aborted', () => {
  it('when Stripe refuses the API key (401)', async () => {
    emulator.faults.use({ status: 401 });
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\na@example.com\ncus_exit_b\n');
    const run = await runCli(['run', input, ...emulator.runArgs(join(dir, 'out'))], { env: { STRIPE_API_KEY: CLI_TEST_KEY } });
    expect(run.code, describeRun(run)).toBe(1);
    expect(run.stderr).toMatch(/API key/);
    // Never the key itself in what a cron mail would show.
    expect(run.stderr).not.toContain(CLI_TEST_KEY);
    expect(run.stdout).not.toContain(CLI_TEST_KEY);
  });
});

describe('exit 0 and 3', () => {
  it('0 when every row settled; 3 when a row is invalid', async () => {
    const dir = await tempDir();
    const settled = await writeInput(dir, 'email\na@example.com\nnobody@example.com\n', 'settled.csv');
    const run = await runCli(['run', settled, ...emulator.runArgs(join(dir, 'settled'))], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    expect(readSummary(join(dir, 'settled')).statuses).toMatchObject({ redacted: 1, not_found: 1 });

    const unsettled = await writeInput(dir, 'email\nb@example.com\nnot an email\n', 'unsettled.csv');
    const second = await runCli(['run', unsettled, ...emulator.runArgs(join(dir, 'unsettled'))], { env: TEST_KEY_ENV });
    expect(second.code, describeRun(second)).toBe(3);
    expect(readResults(join(dir, 'unsettled')).rows.map((r) => r.status)).toEqual(['redacted', 'invalid']);
  });

  it('the samples on the built-in emulator: 0 with fix, 3 for the problem file', async () => {
    const dir = await tempDir();
    const sample = await runCli(['run', 'samples/requests.csv', '--emulator', '--validation-behavior', 'fix', '--out', join(dir, 'sample')]);
    expect(sample.code, describeRun(sample)).toBe(0);
    const rows = readResults(join(dir, 'sample')).rows;
    expect(rows).toHaveLength(14);
    // The sample's young charge is Stripe's to hold (redaction_pending), which is not in the default --fail-on.
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['redacted', 'redaction_pending', 'already_redacted', 'not_found']));

    // Most of its rows are unusable on purpose: without --column that stops the run (exit 2).
    const problems = await runCli(['run', 'samples/requests-problems.csv', '--emulator', '--column', 'email', '--out', join(dir, 'problems')]);
    expect(problems.code, describeRun(problems)).toBe(3);
    const statuses = readResults(join(dir, 'problems')).rows.map((r) => r.status);
    expect(statuses).toContain('needs_action');
    expect(statuses).toContain('invalid');
    expect(statuses).toContain('redacted');
  });
});
