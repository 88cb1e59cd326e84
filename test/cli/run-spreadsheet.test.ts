/**
 * results.csv in a spreadsheet and report.html for a person (issue 15, items 9 and 10), through the
 * spawned CLI: `--excel` bytes (a UTF-8 byte order mark, the input's delimiter, CRLF), an input
 * column named like an output column in another case renamed, and the request's own id — from a
 * known header or `--request-id-column` — in report.html and summary.json's settled-late rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { JSDOM } from 'jsdom';
import { afterAll, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../src/emulator/index.js';
import { TEST_KEY_ENV, describeRun, readSummary, removeTempDirs, runCli, startCliEmulator, tempDir, writeInput } from '../helpers/cli.js';

afterAll(removeTempDirs);

const SEED: SeedDocument = {
  customers: [
    { id: 'cus_xl_jorg', email: 'jörg@example.com', name: 'Jörg' },
    { id: 'cus_xl_ana', email: 'ana@example.com', name: 'Ana' },
  ],
};

/** 2026-01-05: due 2026-02-05, long past on any day these tests run. */
const LONG_AGO = '05.01.2026';

describe('--excel', () => {
  it("writes a byte order mark, the input's ; delimiter and CRLF, and renames an input Status column", async () => {
    const emulator = await startCliEmulator({ seed: SEED });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, `Ticket;E-Mail;Status;Eingang\nZD-1;jörg@example.com;open;${LONG_AGO}\nZD-2;ana@example.com;open;\n`);
      const out = join(dir, 'out');
      const run = await runCli(['run', input, ...emulator.runArgs(out), '--column', 'E-Mail', '--received-column', 'Eingang', '--excel'], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(0);

      const bytes = readFileSync(join(out, 'results.csv'));
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.subarray(3).toString('utf8');
      const lines = text.split('\r\n');
      expect(lines.at(-1)).toBe('');
      expect(lines).toHaveLength(4);
      expect(text.replace(/\r\n/g, '')).not.toMatch(/\n/);
      expect(lines[0]?.split(';').slice(0, 7)).toEqual(['Ticket', 'E-Mail', 'Status (input)', 'Eingang', 'row', 'identifier_type', 'status']);
      // The name is UTF-8 bytes, as the byte order mark says.
      expect(bytes.includes(Buffer.from('jörg@example.com', 'utf8'))).toBe(true);
      const rows = parse(bytes, { bom: true, delimiter: ';', columns: true }) as Record<string, string>[];
      expect(rows.map((r) => [r.Ticket, r['Status (input)'], r.status])).toEqual([
        ['ZD-1', 'open', 'redacted'],
        ['ZD-2', 'open', 'redacted'],
      ]);
    } finally {
      await emulator.close();
    }
  });

  it('is off by default: plain UTF-8, commas and LF, whatever the input', async () => {
    const emulator = await startCliEmulator({ seed: SEED });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, 'email;status\r\nana@example.com;x\r\n');
      const out = join(dir, 'out');
      const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(0);
      const text = readFileSync(join(out, 'results.csv'), 'utf8');
      expect(text.charCodeAt(0)).toBe('e'.charCodeAt(0));
      expect(text).not.toMatch(/\r/);
      expect(text.split('\n')[0]?.split(',').slice(0, 3)).toEqual(['email', 'status (input)', 'row']);
    } finally {
      await emulator.close();
    }
  });
});

describe("the request's own id", () => {
  it('is found under a known header in any case, shown in report.html, and named in the settled-late rows', async () => {
    const emulator = await startCliEmulator({ seed: SEED });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, `DSR ID,email,received_at\nDSR-1006,ana@example.com,${LONG_AGO}\n`);
      const out = join(dir, 'out');
      const run = await runCli(['run', input, ...emulator.runArgs(out), '--log-level', 'info'], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(0);
      const summary = readSummary(out) as unknown as { deadlines: { settledLate: number }; settledLate: { row: number; requestId: string; daysLate: number }[] };
      expect(summary.deadlines.settledLate).toBe(1);
      expect(summary.settledLate).toEqual([expect.objectContaining({ row: 1, requestId: 'DSR-1006', status: 'redacted', dueBy: '2026-02-05' })]);
      expect(summary.settledLate[0]?.daysLate).toBeGreaterThan(0);
      expect(run.stderr).toMatch(/settled late: 1 \(after their due date, deadline 1m\): row 1 \(DSR-1006\) \d+ days/);

      const { document } = new JSDOM(readFileSync(join(out, 'report.html'), 'utf8')).window;
      expect(document.querySelector('p.summary')?.textContent).toBe('Of 1 request, 1 is erased; 1 was erased late.');
      expect(document.querySelector('#settled-late td.request-id')?.textContent).toBe('DSR-1006');
      expect(document.querySelector('section td.request-id')?.textContent).toBe('DSR-1006');
      expect(document.querySelector('section td.received')?.textContent).toBe('2026-01-05');
    } finally {
      await emulator.close();
    }
  });

  it('is the column --request-id-column names, and a name that matches none is exit 2 naming it', async () => {
    const emulator = await startCliEmulator({ seed: SEED });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, 'Case Number,ticket,email\nC-77,T-1,ana@example.com\n');
      const out = join(dir, 'out');
      const run = await runCli(['run', input, ...emulator.runArgs(out), '--request-id-column', 'case number'], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(0);
      const { document } = new JSDOM(readFileSync(join(out, 'report.html'), 'utf8')).window;
      expect(document.querySelector('section td.request-id')?.textContent).toBe('C-77');

      const wrong = await runCli(['run', input, ...emulator.runArgs(join(dir, 'wrong')), '--request-id-column', 'dsr'], { env: TEST_KEY_ENV });
      expect(wrong.code, describeRun(wrong)).toBe(2);
      expect(wrong.stderr).toMatch(/--request-id-column 'dsr' names no column; the header is "Case Number", "ticket", "email"/);
    } finally {
      await emulator.close();
    }
  });
});
