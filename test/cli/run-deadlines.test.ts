/**
 * Deadlines through the spawned CLI: the received date read from a known header or
 * `--received-column`, in the formats spreadsheets write; `--deadline` gives `due_by`; summary.json
 * and the end summary count the open requests that are overdue or due within 7 days, in every mode,
 * and the rows settled after their due date.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyDeadline } from '../../src/domain/deadline.js';
import { rollToWorkingDay } from '../../src/domain/due-date.js';
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
/** A due date `days` from today as the law counts it: off a Saturday or Sunday to the Monday. */
const dueIn = (days: number) => rollToWorkingDay(daysFromToday(days), new Set()).date;

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
      // 31 January: no 31 February, so its last day, a Saturday: the next working day.
      ['redacted', '2026-03-02'],
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
      ['T1', 'invalid', dueIn(-45)],
      ['T2', 'invalid', dueIn(5)],
      ['T3', 'invalid', dueIn(45)],
      ['T4', 'invalid', ''],
      ['T5', 'redacted', dueIn(-45)],
      ['T6', 'invalid', dueIn(-5)],
    ]);
    // Rolled off a weekend, T6 (due 5 days ago) may fall due yesterday or even today: counted as rolled.
    const overdue = [dueIn(-45), dueIn(-5)].filter((d) => classifyDeadline(d, daysFromToday(0)) === 'overdue').length;
    const soon = [dueIn(5), dueIn(-5)].filter((d) => classifyDeadline(d, daysFromToday(0)) === 'due_soon').length;
    expect(readSummary(out)).toMatchObject({ deadline: '45d', deadlines: { overdue, dueWithin7Days: soon, withoutDate: 1 } });
    expect(run.stderr).toMatch(new RegExp(`deadlines: ${overdue} overdue, ${soon} due within 7 days \\(unsettled rows, deadline 45d\\)`));
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

  it('rolls due dates off --holidays, extends them by --extension-column, and says why in the row', async () => {
    const dir = await tempDir();
    const holidays = join(dir, 'holidays.txt');
    await writeFile(holidays, '# UK bank holidays\n2026-05-25\n2026-12-25\n2026-12-28\n');
    const input = await writeInput(
      dir,
      [
        'request_id,email,received_at,extension_sent',
        'R1,nobody1@example.com,2026-04-25,', // due Monday 25 May, a holiday: Tuesday 26 May
        'R2,nobody2@example.com,2026-01-31,2026-02-10', // extended: 28 Feb + 2 months = 28 April
        'R3,nobody3@example.com,2026-11-25,', // Friday 25 Dec, weekend, Monday 28 Dec: Tuesday 29 Dec
        'R4,nobody4@example.com,2026-03-02,2026-04-10', // extension sent after the period: not applied
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out), '--mode', 'plan', '--holidays', holidays, '--extension-column', 'extension_sent'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    const { rows } = readResults(out);
    expect(rows.map((r) => [r.request_id, r.due_by])).toEqual([
      ['R1', '2026-05-26'],
      ['R2', '2026-04-28'],
      ['R3', '2026-12-29'],
      ['R4', '2026-04-02'],
    ]);
    expect(rows[0]?.messages).toMatch(/due date moved from 2026-05-25 to the next working day 2026-05-26 \(2026-05-25 a holiday\)/);
    expect(rows[1]?.messages).toMatch(/due date extended by 2m \(extension notified 2026-02-10\); first period ended 2026-02-28/);
    expect(rows[3]?.messages).toMatch(/extension notified 2026-04-10, after the first period ended: not applied/);

    const shorter = join(dir, 'shorter');
    const again = await runCli(['run', input, ...emulator.runArgs(shorter), '--mode', 'plan', '--extension-column', '4', '--extension', '1m'], { env: TEST_KEY_ENV });
    expect(again.code, describeRun(again)).toBe(0);
    expect(readResults(shorter).rows[1]?.due_by).toBe('2026-03-30');
  });

  it('refuses a bad --holidays file, --extension and --extension-column, naming each, before sending anything', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email,opened\na@example.com,2026-11-03\n');
    const holidays = join(dir, 'holidays.txt');
    await writeFile(holidays, '2026-12-25\n26/12/2026\n');
    const bad = await runCli(['run', input, ...emulator.runArgs(join(dir, 'bad')), '--holidays', holidays, '--extension', 'two months'], { env: TEST_KEY_ENV });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--holidays .*holidays\.txt: line 2: '26\/12\/2026' is not a date YYYY-MM-DD/);
    expect(bad.stderr).toMatch(/--extension: expected a count and a unit/);
    const missing = await runCli(['run', input, ...emulator.runArgs(join(dir, 'missing')), '--holidays', join(dir, 'nope.txt')], { env: TEST_KEY_ENV });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--holidays .*nope\.txt: cannot read it \(ENOENT\)/);
    const column = await runCli(['run', input, ...emulator.runArgs(join(dir, 'column')), '--extension-column', 'extended'], { env: TEST_KEY_ENV });
    expect(column.code).toBe(2);
    expect(column.stderr).toMatch(/--extension-column 'extended' names no column/);
  });
});
