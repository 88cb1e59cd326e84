/**
 * The report step of the in-process pipeline (write-report.ts): each row's `due_by` and date
 * problem, the deadline counts over unsettled rows, the row total, and a row carried by two jobs.
 * The CLI tests check the same through a spawned process; these run under `npm run mutate` too.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { inspectRequestFile } from '../../src/input/request-reader.js';
import { writeReport } from '../../src/pipeline/write-report.js';
import { classifyDeadline } from '../../src/domain/deadline.js';
import { rollToWorkingDay } from '../../src/domain/due-date.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace } from '../helpers/pipeline.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function allJobs(e: TestEmulator) {
  const jobs = [];
  for await (const job of e.stripe.privacy.redactionJobs.list({ limit: 100, expand: ['data.objects'] })) jobs.push(job);
  return jobs;
}

/** The UTC calendar date `days` from today, as `YYYY-MM-DD`. */
function daysFromToday(days: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days)).toISOString().slice(0, 10);
}

describe('runPipeline report, deadlines', () => {
  it('counts unsettled rows overdue, due within 7 days and without a date; settled rows never', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [{ id: 'cus_old', email: 'old@example.com' }] } });
    const csv = [
      'ticket,email,opened',
      `T1,not-an-email,${daysFromToday(-90)}`, // invalid, due 45 days ago: overdue
      `T2,also bad,${daysFromToday(-40)}`, // invalid, due in 5 days: due soon
      `T3,still bad,${daysFromToday(-38)}`, // invalid, due in 7 days: due soon (the last day of the window)
      `T4,bad again,${daysFromToday(0)}`, // invalid, due in 45 days: in time
      'T5,bad too,someday', // invalid, no date
      `T6,old@example.com,${daysFromToday(-90)}`, // redacted today, 45 days after its due date: settled late
      'T7,old@example.com,', // redacted, no date: settled, never counted
    ].join('\n');
    const { rows, summary } = await pipelineWorkspace(emulator).run(csv, { column: 'email', receivedColumn: 'opened', deadline: { amount: 45, unit: 'd' } });
    // A due date on a Saturday or Sunday rolls to the Monday (domain/due-date.ts), so which rows are
    // due soon depends on today's weekday: counted from the rolled dates.
    const due = (days: number) => rollToWorkingDay(daysFromToday(days), new Set()).date;
    expect(rows.map((r) => [r.ticket, r.status, r.due_by])).toEqual([
      ['T1', 'invalid', due(-45)],
      ['T2', 'invalid', due(5)],
      ['T3', 'invalid', due(7)],
      ['T4', 'invalid', due(45)],
      ['T5', 'invalid', ''],
      ['T6', 'redacted', due(-45)],
      ['T7', 'redacted', ''],
    ]);
    const standings = [due(-45), due(5), due(7), due(45)].map((d) => classifyDeadline(d, daysFromToday(0)));
    expect(standings[0]).toBe('overdue');
    expect(summary.deadlines).toEqual({
      overdue: 1,
      dueWithin7Days: standings.filter((s) => s === 'due_soon').length,
      withoutDate: 1,
      settledLate: 1,
    });
    const lateBy = Math.round((Date.parse(daysFromToday(0)) - Date.parse(due(-45))) / 86_400_000);
    expect(summary.settledLate).toEqual([{ row: 6, requestId: 'T6', status: 'redacted', dueBy: due(-45), settledOn: daysFromToday(0), daysLate: lateBy }]);
    expect(summary.rows).toBe(7);
    expect(summary.statuses).toMatchObject({ invalid: 5, redacted: 2 });
  });

  it('counts overdue requests in plan and validate runs too: a preview erased nothing', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [{ id: 'cus_late', email: 'late@example.com' }, { id: 'cus_soon', email: 'soon@example.com' }] } });
    const csv = ['email,received_at', `late@example.com,${daysFromToday(-60)}`, `soon@example.com,${daysFromToday(-27)}`, `nobody@example.com,${daysFromToday(-60)}`].join('\n');
    for (const mode of ['plan', 'validate'] as const) {
      const { rows, summary } = await pipelineWorkspace(emulator).run(csv, { mode });
      expect(rows.map((r) => r.status)).toEqual([mode === 'plan' ? 'planned' : 'ready', mode === 'plan' ? 'planned' : 'ready', 'not_found']);
      // Not found closes the request: the state found nothing today, 29 days after its due date.
      expect(summary.deadlines, mode).toMatchObject({ overdue: 1, dueWithin7Days: 1, withoutDate: 0, settledLate: 1 });
    }
  });

  it("words a date it cannot read as the row's own message, after what became of the identifier", async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5 });
    const csv = ['email,received_at', 'nobody@example.com,03/11/2026', 'nobody2@example.com,', 'nobody3@example.com,2026-11-03', 'nobody4@example.com'].join('\n');
    const { rows } = await pipelineWorkspace(emulator).run(csv, { mode: 'plan' });
    expect(rows.map((r) => [r.status, r.due_by])).toEqual([
      ['not_found', ''],
      ['not_found', ''],
      ['not_found', '2026-12-03'],
      ['not_found', ''],
    ]);
    // One message a line: the identifier's first, the date's last.
    const lines = rows.map((r) => (r.messages ?? '').split('\n'));
    expect(lines[0]?.at(0)).toMatch(/^no Stripe customer has this email/);
    expect(lines[0]?.at(-1)).toMatch(/^received date '03\/11\/2026' is ambiguous .*: due_by is unknown$/);
    expect(lines[1]?.at(0)).toMatch(/^no Stripe customer has this email/);
    expect(lines[1]?.at(-1)).toBe('no received date: due_by is unknown');
    expect(rows[2]?.messages).not.toMatch(/due_by/);
    // A short row has no received cell at all.
    expect(lines[3]?.at(-1)).toBe('no received date: due_by is unknown');

    // The same day-first date reads once the order is given.
    const dmy = await pipelineWorkspace(emulator).run(csv, { mode: 'plan', dateOrder: 'dmy' });
    expect(dmy.rows[0]?.due_by).toBe('2026-12-03');
    expect(dmy.rows[0]?.messages).not.toMatch(/due_by/);
  });

  it('without a received-date column, gives no row a due_by or a date message and counts every unsettled row without a date', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [{ id: 'cus_here', email: 'here@example.com' }] } });
    const { rows, summary } = await pipelineWorkspace(emulator).run('email,note\nnot-an-email,x\nhere@example.com,y\nbad again,z\n', { column: 'email' });
    expect(rows.map((r) => [r.status, r.due_by])).toEqual([
      ['invalid', ''],
      ['redacted', ''],
      ['invalid', ''],
    ]);
    for (const row of rows) expect(row.messages).not.toMatch(/due_by|received date/);
    expect(summary.deadlines).toEqual({ overdue: 0, dueWithin7Days: 0, withoutDate: 2, settledLate: 0 });
    expect(summary.settledLate).toEqual([]);
    expect(summary.rows).toBe(3);
  });
});

describe('runPipeline report, a row carried by two jobs', () => {
  it("names in job_id the job of each of the row's customers, space-separated", async () => {
    const paid = () => ({ amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' });
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      maxJobObjects: 3,
      seed: {
        customers: [
          // One person, two customers: the big one's cascade is split off into a job of its own.
          { id: 'cus_big', email: 'two@example.com', payment_intents: Array.from({ length: 4 }, paid) },
          { id: 'cus_small', email: 'two@example.com' },
        ],
      },
    });
    const { rows } = await pipelineWorkspace(emulator).run('email\ntwo@example.com\n');
    expect(rows[0]).toMatchObject({ status: 'needs_action', object_ids: 'cus_big cus_small', blocking_codes: 'too_many_objects' });
    const jobs = await allJobs(emulator);
    const holding = (customer: string, status: string) => jobs.filter((j) => j.status === status && j.objects?.customers?.includes(customer)).map((j) => j.id);
    const [big] = holding('cus_big', 'failed');
    const [small] = holding('cus_small', 'succeeded');
    expect(rows[0]?.job_id?.split(' ').sort()).toEqual([big, small].sort());
  });
});

describe('writeReport', () => {
  it('writes results.csv for a caller that does not look at each row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stripe-redact-report-'));
    const input = join(dir, 'requests.csv');
    writeFileSync(input, 'email\nnot-an-email\nnobody@example.com\n');
    const info = await inspectRequestFile(input, {});
    const store = openStateStore({ path: join(dir, 'state.db') });
    try {
      const runId = store.startRun('plan', input);
      const totals = await writeReport(info, { outDir: dir, mode: 'plan', runId, livemode: false, deadline: { amount: 1, unit: 'm' } }, store);
      const rows = parse(readFileSync(totals.resultsPath), { columns: true }) as Record<string, string>[];
      // Nothing was looked up: the email is still to do, the invalid one never will be.
      expect(rows.map((r) => [r.email, r.status, r.run_id])).toEqual([
        ['not-an-email', 'invalid', runId],
        ['nobody@example.com', 'pending', runId],
      ]);
      expect(totals.rows).toBe(2);
    } finally {
      store.close();
    }
  });
});
