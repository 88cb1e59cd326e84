/**
 * Input bytes are never guessed (issue #6, "Bytes silently mangled"): a spawned `stripe-redact run`
 * against an emulator in this process, with a Latin-1 export, Excel's UTF-16 "Unicode text", a
 * workbook renamed .csv, and `-` for standard input.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_KEY_ENV,
  describeRun,
  isCustomerRedacted,
  listJobs,
  plainCustomers,
  pollUntil,
  readResults,
  readSummary,
  removeTempDirs,
  runCli,
  spawnCli,
  startCliEmulator,
  tempDir,
  type CliEmulator,
} from '../helpers/cli.js';
import { buildXlsx } from '../helpers/zip.js';

let emulator: CliEmulator;
beforeAll(async () => {
  emulator = await startCliEmulator({
    seed: {
      customers: [
        { id: 'cus_bytes_jorg', email: 'jörg@example.com', name: 'Jörg' },
        { id: 'cus_bytes_zoe', email: 'zoë@example.com', name: 'Zoë' },
        { id: 'cus_bytes_ana', email: 'ana@example.com', name: 'Ana' },
        { id: 'cus_bytes_stdin', email: 'piped@example.com', name: 'Piped' },
        { id: 'cus_bytes_jose', email: 'josé@example.com', name: 'José' },
      ],
    },
  });
});
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

async function writeBytes(dir: string, content: Buffer, name = 'requests.csv'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** Runs the CLI and returns the result with how many requests the emulator saw meanwhile. */
async function runCounting(args: string[], options: Parameters<typeof runCli>[1] = {}) {
  const before = emulator.requests.length;
  const run = await runCli(args, { env: TEST_KEY_ENV, ...options });
  return { run, requestsSent: emulator.requests.length - before };
}

const LATIN1 = Buffer.from('request_id,email\nR1,ana@example.com\nR2,j\xf6rg@example.com\n', 'latin1');

describe('stripe-redact run: input bytes', () => {
  it('stops a Latin-1 export read as UTF-8 with exit 2 before anything is sent, naming the line and --encoding', async () => {
    const dir = await tempDir();
    const input = await writeBytes(dir, LATIN1);
    const { run, requestsSent } = await runCounting(['run', input, ...emulator.runArgs(dir)]);
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toContain(`${input}: line 3, column 5 (byte offset 40): byte 0xF6 is not valid UTF-8 (in Windows-1252 that byte is 'ö')`);
    expect(run.stderr).toContain('--encoding windows-1252');
    expect(requestsSent).toBe(0);
    expect(readdirSync(dir)).not.toContain('results.csv');
    expect(isCustomerRedacted(emulator, 'cus_bytes_jorg')).toBe(false);
  });

  it('redacts jörg from the same file with --encoding latin1, and reports the email as the file meant it', async () => {
    const dir = await tempDir();
    const input = await writeBytes(dir, LATIN1);
    const { run } = await runCounting(['run', input, '--encoding', 'latin1', ...emulator.runArgs(dir)]);
    expect(run.code, describeRun(run)).toBe(0);
    const { rows } = readResults(dir);
    expect(rows.map((row) => [row.email, row.status])).toEqual([
      ['ana@example.com', 'redacted'],
      ['jörg@example.com', 'redacted'],
    ]);
    expect(isCustomerRedacted(emulator, 'cus_bytes_jorg')).toBe(true);
    expect(readSummary(dir).inputSha256).toBe(createHash('sha256').update(LATIN1).digest('hex'));
  });

  it("redacts from Excel's \"Unicode text\" export: UTF-16LE with a BOM, tab-separated, CRLF", async () => {
    const dir = await tempDir();
    const text = 'request_id\temail\r\nR1\tzoë@example.com\r\n';
    const input = await writeBytes(dir, Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text, 'utf16le')]), 'requests.txt');
    const { run } = await runCounting(['run', input, ...emulator.runArgs(dir)]);
    expect(run.code, describeRun(run)).toBe(0);
    const { columns, rows } = readResults(dir);
    expect(columns.slice(0, 2)).toEqual(['request_id', 'email']);
    expect(rows).toMatchObject([{ request_id: 'R1', email: 'zoë@example.com', status: 'redacted' }]);
    expect(isCustomerRedacted(emulator, 'cus_bytes_zoe')).toBe(true);
  });

  it('refuses a BOM that contradicts --encoding with exit 2, naming both', async () => {
    const dir = await tempDir();
    const input = await writeBytes(dir, Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from('email\nana@example.com\n')]));
    const { run, requestsSent } = await runCounting(['run', input, '--encoding', 'windows-1252', ...emulator.runArgs(dir)]);
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toMatch(/--encoding windows-1252 says Windows-1252, but the file starts with a UTF-8 byte order mark/);
    expect(requestsSent).toBe(0);
  });

  it('refuses an unknown --encoding as a usage error naming the option', async () => {
    const dir = await tempDir();
    const input = await writeBytes(dir, Buffer.from('email\nana@example.com\n'));
    const { run, requestsSent } = await runCounting(['run', input, '--encoding', 'ebcdic', ...emulator.runArgs(dir)]);
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toContain("--encoding must be one of utf-8, windows-1252, latin1, utf-16le; got 'ebcdic'");
    expect(requestsSent).toBe(0);
  });

  it('refuses an xlsx workbook renamed .csv with exit 2, naming it a workbook', async () => {
    const dir = await tempDir();
    const input = await writeBytes(dir, buildXlsx());
    const { run, requestsSent } = await runCounting(['run', input, ...emulator.runArgs(dir)]);
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toContain(`${input}: this is not a CSV file: it looks like an Excel workbook (xlsx); open it in its program and save or export it as "CSV UTF-8"`);
    expect(requestsSent).toBe(0);
    expect(readdirSync(dir)).not.toContain('results.csv');
  });
});

describe('stripe-redact run -: standard input', () => {
  it('reads the requests from standard input, names it in the summary, hashes it, and leaves no copy behind', async () => {
    const dir = await tempDir();
    const spoolParent = await tempDir('stripe-redact-tmp-');
    const bytes = Buffer.from('email,note\npiped@example.com,"two\nlines"\nnobody@example.com,\n');
    const { run } = await runCounting(['run', '-', ...emulator.runArgs(dir)], { stdin: bytes, env: { ...TEST_KEY_ENV, TMPDIR: spoolParent } });
    expect(run.code, describeRun(run)).toBe(0);
    expect(readResults(dir).rows.map((row) => [row.row, row.email, row.status])).toEqual([
      ['1', 'piped@example.com', 'redacted'],
      ['2', 'nobody@example.com', 'not_found'],
    ]);
    expect(isCustomerRedacted(emulator, 'cus_bytes_stdin')).toBe(true);
    const summary = readSummary(dir);
    expect(summary.input).toBe('standard input');
    expect(summary.inputSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(readdirSync(spoolParent)).toEqual([]);
  });

  it('applies --encoding to standard input', async () => {
    const dir = await tempDir();
    const { run } = await runCounting(['run', '-', '--encoding', 'windows-1252', ...emulator.runArgs(dir)], {
      stdin: Buffer.from('email\njos\xe9@example.com\n', 'latin1'),
    });
    expect(run.code, describeRun(run)).toBe(0);
    expect(readResults(dir).rows).toMatchObject([{ email: 'josé@example.com', status: 'redacted' }]);
  });

  it('refuses a workbook piped in, naming standard input, and still removes the copy', async () => {
    const dir = await tempDir();
    const spoolParent = await tempDir('stripe-redact-tmp-');
    const { run, requestsSent } = await runCounting(['run', '-', ...emulator.runArgs(dir)], { stdin: buildXlsx(), env: { ...TEST_KEY_ENV, TMPDIR: spoolParent } });
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toContain('standard input: this is not a CSV file: it looks like an Excel workbook (xlsx)');
    expect(requestsSent).toBe(0);
    expect(readdirSync(spoolParent)).toEqual([]);
  });

  it('removes the copy of standard input when SIGTERM interrupts the run', async () => {
    const customers = plainCustomers('sigterm', 12);
    const slow = await startCliEmulator({ validationMs: 5000, seed: { customers } });
    try {
      const dir = await tempDir();
      const spoolParent = await tempDir('stripe-redact-tmp-');
      const running = spawnCli(['run', '-', ...slow.runArgs(dir)], {
        stdin: ['email', ...customers.map((c) => c.email)].join('\n'),
        env: { ...TEST_KEY_ENV, TMPDIR: spoolParent },
      });
      await pollUntil('a job of the run', async () => (await listJobs(slow.stripe)).length > 0);
      expect(readdirSync(spoolParent)).toHaveLength(1);
      running.child.kill('SIGTERM');
      const stopped = await running.result;
      // 143: interrupted by SIGTERM (docs/contract.md#exit-codes).
      expect(stopped.code, describeRun(stopped)).toBe(143);
      expect(readSummary(dir)).toMatchObject({ interrupted: true, input: 'standard input' });
      expect(readdirSync(spoolParent)).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it('removes the copy when SIGTERM arrives while standard input is still being read, and ends as SIGTERM would', async () => {
    const dir = await tempDir();
    const spoolParent = await tempDir('stripe-redact-tmp-');
    const stdin = new PassThrough();
    stdin.write('email\npiped@example.com\n');
    const running = spawnCli(['run', '-', ...emulator.runArgs(dir)], { stdin, env: { ...TEST_KEY_ENV, TMPDIR: spoolParent } });
    // The copy's file exists once its directory is made and the signal handlers are set: from then
    // on a SIGTERM must remove it (before, nothing exists to remove).
    await pollUntil('the copy of standard input', () => {
      const [made] = readdirSync(spoolParent);
      return made !== undefined && existsSync(join(spoolParent, made, 'requests.csv'));
    });
    running.child.kill('SIGTERM');
    const stopped = await running.result;
    expect(stopped.signal, describeRun(stopped)).toBe('SIGTERM');
    expect(readdirSync(spoolParent)).toEqual([]);
    stdin.destroy();
  });

  it('reports empty standard input as an input error', async () => {
    const dir = await tempDir();
    const { run, requestsSent } = await runCounting(['run', '-', ...emulator.runArgs(dir)], { stdin: '' });
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toContain('standard input: the file holds no records');
    expect(requestsSent).toBe(0);
  });
});
