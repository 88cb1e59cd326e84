/**
 * The shape of `<out>/results.csv` and `<out>/summary.json` as a spawned `stripe-redact run` writes
 * them (docs/contract.md#result-csv): the input's columns first and unchanged, the result columns after,
 * one row per input row in input order, formulas neutralised.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RESULT_COLUMNS,
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
    seed: {
      customers: [
        { id: 'cus_fmt_a', email: 'a@example.com', name: 'A' },
        { id: 'cus_fmt_b', email: 'b@example.com', name: 'B' },
        { id: 'cus_fmt_c', email: 'c@example.com', name: 'C' },
        { id: 'cus_fmt_d', email: 'd@example.com', name: 'D' },
        { id: 'cus_fmt_e', email: 'e@example.com', name: 'E' },
        { id: 'cus_fmt_f', email: 'f@example.com', name: 'F' },
      ],
    },
  });
});
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('results.csv', () => {
  it('keeps every input column unchanged and in order, then the result columns, one row per input row', async () => {
    const dir = await tempDir();
    const input = await writeInput(
      dir,
      [
        'request_id,notes,email,received_at',
        'R1,"plain, with a comma",a@example.com,2026-01-01',
        'R2,"line one',
        'line two, ""quoted""",cus_fmt_b,2026-01-02',
        '',
        'R3,,nobody@example.com,2026-01-03',
        ',,,',
        'R4,last one,c@example.com,2026-01-04',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);

    const { columns, records, rows } = readResults(out);
    expect(columns).toEqual(['request_id', 'notes', 'email', 'received_at', ...RESULT_COLUMNS]);
    expect(records.map((r) => r.slice(0, 4))).toEqual([
      ['R1', 'plain, with a comma', 'a@example.com', '2026-01-01'],
      ['R2', 'line one\nline two, "quoted"', 'cus_fmt_b', '2026-01-02'],
      ['R3', '', 'nobody@example.com', '2026-01-03'],
      ['R4', 'last one', 'c@example.com', '2026-01-04'],
    ]);
    // Blank records are skipped but counted: `row` is the data record's place in the file.
    expect(rows.map((r) => r.row)).toEqual(['1', '2', '4', '6']);
    expect(rows.map((r) => [r.identifier_type, r.status])).toEqual([
      ['email', 'redacted'],
      ['customer', 'redacted'],
      ['email', 'not_found'],
      ['email', 'redacted'],
    ]);
    for (const row of rows) expect(row.updated_at).toMatch(ISO);

    const summary = readSummary(out);
    expect(summary.rows).toBe(4);
    expect(summary).toMatchObject({ mode: 'redact', statuses: { redacted: 3, not_found: 1 } });
    expect(summary.runId).toEqual(expect.any(String));
    expect(summary.startedAt).toMatch(ISO);
    expect(summary.endedAt).toMatch(ISO);
    expect(summary.apiCalls.total).toBeGreaterThan(0);
  });

  it('reads a ;-delimited CRLF input and writes its columns unchanged', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'ticket;email;note\r\nT-1;d@example.com;first, with comma\r\nT-2;nobody.else@example.com;"semi; colon"\r\n');
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);

    const { columns, records, rows } = readResults(out);
    expect(columns).toEqual(['ticket', 'email', 'note', ...RESULT_COLUMNS]);
    expect(records.map((r) => r.slice(0, 3))).toEqual([
      ['T-1', 'd@example.com', 'first, with comma'],
      ['T-2', 'nobody.else@example.com', 'semi; colon'],
    ]);
    expect(rows.map((r) => [r.row, r.status, r.object_ids])).toEqual([
      ['1', 'redacted', 'cus_fmt_d'],
      ['2', 'not_found', ''],
    ]);
  });

  it('neutralises cells a spreadsheet would run as a formula', async () => {
    const dir = await tempDir();
    const input = await writeInput(
      dir,
      ['request_id,email,note', 'F1,=1+1,equals', 'F2,+441234,plus', 'F3,@SUM(A1),at', 'F4,e@example.com,=HYPERLINK("http://evil.example")', 'F5,-2+3,minus', ''].join('\n'),
    );
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out), '--mode', 'plan', '--column', 'email'], { env: TEST_KEY_ENV });
    // F1, F2, F3 and F5 hold no identifier: invalid, exit 3 (named with --column: four of five unusable rows do not stop the run).
    expect(run.code, describeRun(run)).toBe(3);

    const { records, rows } = readResults(out);
    expect(records.map((r) => r.slice(0, 3))).toEqual([
      ['F1', "'=1+1", 'equals'],
      ['F2', "'+441234", 'plus'],
      ['F3', "'@SUM(A1)", 'at'],
      ['F4', 'e@example.com', `'=HYPERLINK("http://evil.example")`],
      ['F5', "'-2+3", 'minus'],
    ]);
    expect(rows.map((r) => r.status)).toEqual(['invalid', 'invalid', 'invalid', 'planned', 'invalid']);
    // No cell of the report, result columns included, starts a formula.
    for (const record of records) for (const cell of record) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('names the columns of a header-less one-column input and numbers its rows', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'cus_fmt_f\n\ncus_fmt_missing00\n');
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out), '--mode', 'plan'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);

    const { columns, rows } = readResults(out);
    expect(columns).toEqual(['column_1', ...RESULT_COLUMNS]);
    expect(rows.map((r) => [r.column_1, r.row, r.identifier_type, r.status])).toEqual([
      ['cus_fmt_f', '1', 'customer', 'planned'],
      ['cus_fmt_missing00', '3', 'customer', 'not_found'],
    ]);
  });
});
