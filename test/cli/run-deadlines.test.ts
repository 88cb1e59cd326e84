/**
 * Deadlines through the spawned CLI: the received date read from a known header or
 * `--received-column`, in the formats spreadsheets write; `--deadline` gives `due_by`; summary.json
 * and the end summary count the open requests that are overdue or due within 7 days, in every mode,
 * and the rows settled after their due date.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY_ENV, describeRun, readResults, readSummary, removeTempDirs, runCli, startCliEmulator, tempDir, writeInput, type CliEmulator } from '../helpers/cli.js';

let emulator: CliEmulator;
beforeAll(async () => {
  emulator = await startCliEmulator({
    seed: { customers: [{ id: 'cus_due_a', email: 'a@example.com' }, { id: 'cus_due_b', email: 'b@example.com' }, { id: 'cus_due_c', email: 'c@example.com' }, { id: 'cus_due_d', email: 'd@example.com' }, { id: 'cus_due_e', email: 'e@example.com' }] },
  });
});
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

/** The UTC calendar date `days` from today, as `YYYY-MM-DD`. */
function daysFromToday(days: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days)).toISOString().slice(0, 10);
}
const dotted = (iso: string) => iso.split('-').reverse().join('.');

describe('deadlines', () => {
  it('gives due_by from dates in several formats with the default of one calendar month', async () => {
    const dir = await tempDir();
    const input = await writeInput(
      dir,
      [
        'email,Requested_At',
        'a@example.com,2026-01-31',
        'b@example.com,2026-11-03T10:00:00Z',
        'nobody@example.com,03.11.2026',
        'nobody2@example.com,2026/12/15',
        'nobody3@example.com,03/11/2026',
        'nobody4@example.com,next tuesday',
        'nobody5@example.com,',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    const { rows } = readResults(out);
    expect(rows.map((r) => [r.status, r.due_by])).toEqual([
      ['redacted', '2026-02-28'],
      ['redacted', '2026-12-03'],
      ['not_found', '2026-12-03'],
      ['not_found', '2027-01-15'],
      ['not_found', ''],
      ['not_found', ''],
      ['not_found', ''],
    ]);
    expect(rows[4]?.messages).toMatch(/received date '03\/11\/2026' is ambiguous .*--date-order dmy\|mdy: due_by is unknown/);
    expect(rows[5]?.messages).toMatch(/received date 'next tuesday' is not a date this reads/);
    expect(rows[6]?.messages).toMatch(/no received date: due_by is unknown/);
    // Settled rows are never overdue, whatever their dates.
    expect(readSummary(out)).toMatchObject({ deadline: '1m', deadlines: { overdue: 0, dueWithin7Days: 0, withoutDate: 0 } });

    const dmy = join(dir, 'dmy');
    const again = await runCli(['run', input, ...emulator.runArgs(dmy), '--date-order', 'dmy'], { env: TEST_KEY_ENV });
    expect(again.code, describeRun(again)).toBe(0);
    expect(readResults(dmy).rows[4]?.due_by).toBe('2026-12-03');
  });

  it('with --deadline 45d and --received-column counts unsettled rows overdue, due soon and without a date', async () => {
    const dir = await tempDir();
    const input = await writeInput(
      dir,
      [
        'ticket,email,opened',
        `T1,not-an-email,${daysFromToday(-90)}`,
        `T2,also bad,${dotted(daysFromToday(-40))}`,
        `T3,still bad,${daysFromToday(0)}T08:00:00Z`,
        'T4,bad again,someday',
        `T5,c@example.com,${daysFromToday(-90)}`,
        `T6,bad too,${daysFromToday(-50)}`,
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out), '--column', 'email', '--deadline', '45d', '--received-column', 'opened'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(3);
    const { rows } = readResults(out);
    expect(rows.map((r) => [r.ticket, r.status, r.due_by])).toEqual([
      ['T1', 'invalid', daysFromToday(-45)],
      ['T2', 'invalid', daysFromToday(5)],
      ['T3', 'invalid', daysFromToday(45)],
      ['T4', 'invalid', ''],
      ['T5', 'redacted', daysFromToday(-45)],
      ['T6', 'invalid', daysFromToday(-5)],
    ]);
    expect(readSummary(out)).toMatchObject({ deadline: '45d', deadlines: { overdue: 2, dueWithin7Days: 1, withoutDate: 1 } });
    expect(run.stderr).toMatch(/deadlines: 2 overdue, 1 due within 7 days \(unsettled rows, deadline 45d\)/);
  });

  it('counts overdue requests in plan and validate runs, and lists those a redact run settled late, by how many days', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state.db');
    const input = await writeInput(dir, ['request_id,email,received_at', `R1,d@example.com,${daysFromToday(-40)}`, `R2,e@example.com,${daysFromToday(-3)}`].join('\n'));
    for (const mode of ['plan', 'validate']) {
      const out = join(dir, mode);
      const run = await runCli(['run', input, ...emulator.runArgs(out, state), '--mode', mode, '--deadline', '30d'], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(0);
      expect(readSummary(out), mode).toMatchObject({ deadlines: { overdue: 1, dueWithin7Days: 0, withoutDate: 0, settledLate: 0 } });
      expect(run.stderr, mode).toMatch(/deadlines: 1 overdue \(unsettled rows, deadline 30d\)/);
      const { document } = new JSDOM(readFileSync(join(out, 'report.html'), 'utf8')).window;
      expect(document.querySelector('#overdue h3')?.textContent, mode).toBe('Overdue: not settled by their due date (1)');
      expect(document.querySelector('#overdue td.request-id')?.textContent, mode).toBe('R1');
    }
    const out = join(dir, 'redact');
    const run = await runCli(['run', input, ...emulator.runArgs(out, state), '--deadline', '30d'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    expect(readSummary(out)).toMatchObject({
      deadlines: { overdue: 0, settledLate: 1 },
      settledLate: [{ row: 1, requestId: 'R1', status: 'redacted', dueBy: daysFromToday(-10), settledOn: daysFromToday(0), daysLate: 10 }],
    });
    expect(run.stderr).toMatch(/settled late: 1 \(after their due date, deadline 30d\): row 1 \(R1\) 10 days/);
    const { document } = new JSDOM(readFileSync(join(out, 'report.html'), 'utf8')).window;
    expect(document.querySelector('p.summary')?.textContent).toBe('Of 2 requests, 2 are erased; 1 was erased late.');
    expect([...document.querySelectorAll('#settled-late tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))).toEqual([
      ['1', 'R1', 'd@example.com', 'erased redacted', daysFromToday(-40), daysFromToday(-10), daysFromToday(0), '10'],
    ]);
  });

  it('refuses a bad --deadline and a --received-column naming no column, before sending anything', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email,opened\na@example.com,2026-11-03\n');
    const bad = await runCli(['run', input, ...emulator.runArgs(join(dir, 'bad')), '--deadline', '1 month'], { env: TEST_KEY_ENV });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--deadline: expected a count and a unit/);
    const missing = await runCli(['run', input, ...emulator.runArgs(join(dir, 'missing')), '--received-column', 'received'], { env: TEST_KEY_ENV });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--received-column 'received' names no column/);
  });
});
