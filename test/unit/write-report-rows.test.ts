/**
 * The report pass row by row (write-report.ts), over a real state store whose identifier outcomes a
 * test sets: what each row's deadline facts, notes and register line say, when it re-reads the
 * clock, which rows an interrupted run marks, and how many settled-late rows summary.json lists.
 * No server: the outcomes stand for what earlier runs recorded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyIdentifier } from '../../src/domain/identifier.js';
import type { ObjectStatus } from '../../src/domain/object-status.js';
import { wordReason } from '../../src/domain/reason.js';
import type { IdentifierOutcome } from '../../src/domain/row-outcome.js';
import type { RunMode } from '../../src/domain/row-status.js';
import { checkInput } from '../../src/pipeline/check-input.js';
import { INTERRUPTED_MESSAGE, SETTLED_LATE_LISTED, writeReport, type ReportTotals, type RowDeadlineFacts } from '../../src/pipeline/write-report.js';
import type { ResultRow } from '../../src/report/result-writer.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { RequestFacts } from '../../src/state/state-requests.js';
import type { StateReader } from '../../src/state/state-store.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The report's clock: Wednesday 2 December 2026, noon UTC. */
const NOON = '2026-12-02T12:00:00.000Z';
const NOT_FOUND_WORDS = wordReason({ code: 'no_customer' });
const NOT_LOOKED_UP_WORDS = wordReason({ code: 'not_looked_up' });

/** What the state recorded for an identifier whose one customer stands at `status` since `updatedAt`. */
function found(status: ObjectStatus, updatedAt: string, ...ids: string[]): IdentifierOutcome {
  const objects = (ids.length > 0 ? ids : ['cus_x']).map((id) => ({ id, status, jobId: 'rj_1', jobIds: ['rj_1'], errorCodes: [], reasons: [], blockers: [], fixes: [], updatedAt }));
  return { resolved: true, objects, reasons: [], updatedAt };
}
const nobody = (updatedAt: string): IdentifierOutcome => ({ resolved: true, objects: [], reasons: [], updatedAt });

type WriteOptions = Parameters<typeof writeReport>[1];

interface Reported {
  rows: { result: ResultRow; facts: RowDeadlineFacts }[];
  requests: RequestFacts[];
  totals: ReportTotals;
  /** Keys the report asked the state outcomes of, in order. */
  reads: unknown[];
  /** Keys the report asked the first row of. */
  firstRowAsks: unknown[];
  /** (row, key) the report asked `ready` for. */
  asked: [number, string | undefined][];
  keyOf: (identifier: string) => string;
  resultsCsv: string;
}

/**
 * Writes `csv` as requests.csv, reads it as a run does (check-input.ts), and reports it over an
 * in-memory state whose outcomes are `outcomes` (by identifier) and whose first rows are `firstRows`.
 */
async function report(
  csv: string,
  setup: {
    mode?: RunMode;
    outcomes?: Record<string, IdentifierOutcome>;
    firstRows?: Record<string, number>;
    columns?: { receivedColumn?: string; requestIdColumn?: string; extensionColumn?: string };
    options?: Partial<WriteOptions>;
    /** Called once the report began (its first clock read done), before any row is read. */
    begun?: (clock: { set(iso: string): void }) => void;
  } = {},
): Promise<Reported> {
  dir = mkdtempSync(join(tmpdir(), 'write-report-rows-'));
  const inputPath = join(dir, 'requests.csv');
  writeFileSync(inputPath, csv);
  const { columns = {} } = setup;
  const checked = await checkInput({
    inputPath,
    ...(columns.receivedColumn !== undefined ? { receivedColumn: columns.receivedColumn } : {}),
    ...(columns.requestIdColumn !== undefined ? { requestIdColumn: columns.requestIdColumn } : {}),
    ...(columns.extensionColumn !== undefined ? { recordColumns: { extensionColumn: columns.extensionColumn } } : {}),
  });
  let now = new Date(NOON);
  const store = openStateStore({ path: ':memory:', clock: () => now });
  try {
    const mode = setup.mode ?? 'redact';
    const runId = store.startRun(mode, inputPath);
    const keyOf = (identifier: string) => {
      const classified = classifyIdentifier(identifier);
      if (classified.kind === 'invalid') throw new Error(`not an identifier: ${identifier}`);
      return store.keyOf(classified);
    };
    for (const [identifier, row] of Object.entries(setup.firstRows ?? {})) store.noteIdentifier(keyOf(identifier), 'customer', runId, { row });
    const byKey = new Map(Object.entries(setup.outcomes ?? {}).map(([identifier, outcome]) => [keyOf(identifier), outcome]));
    const reads: unknown[] = [];
    const firstRowAsks: unknown[] = [];
    const reader: StateReader = Object.create(store, {
      identifierOutcome: { value: (key: string) => (reads.push(key), byKey.get(key) ?? store.identifierOutcome(key)) },
      firstRowOf: { value: (key: string, run: string) => (firstRowAsks.push(key), store.firstRowOf(key, run)) },
    }) as StateReader;
    const rows: Reported['rows'] = [];
    const requests: RequestFacts[] = [];
    const asked: Reported['asked'] = [];
    const { ready } = setup.options ?? {};
    const pending = writeReport(
      checked.info,
      {
        outDir: dir,
        mode,
        runId,
        livemode: false,
        deadline: { amount: 1, unit: 'm' },
        recordColumns: checked.recordColumns,
        onRequest: (facts) => requests.push(facts),
        onRow: (result, facts) => rows.push({ result, facts }),
        ...setup.options,
        ready: (row, key) => {
          asked.push([row, key]);
          return ready?.(row, key);
        },
      },
      reader,
    );
    setup.begun?.({ set: (iso) => (now = new Date(iso)) });
    const totals = await pending;
    return { rows, requests, totals, reads, firstRowAsks, asked, keyOf, resultsCsv: readFileSync(totals.resultsPath, 'utf8') };
  } finally {
    store.close();
  }
}

describe("writeReport, each row's deadline", () => {
  // Due dates under one month, every one a working day: received Mon 5 Oct → due Thu 5 Nov (overdue
  // at noon on 2 Dec); received Wed 4 Nov → due Fri 4 Dec (due within 7 days).
  const csv = [
    'id,received,ref,extended,channel',
    'cus_overdue,2026-10-05, R-1 ,,email',
    'cus_soon,2026-11-04,R-2,,',
    'cus_undated,,R-3,,',
    'cus_late,2026-10-05,R-4,,',
    'cus_ontime,2026-10-05,,,',
    'cus_closed_undated, not a date ,,,',
    'cus_short,2026-10-05',
    'Total records: 7,,,,',
    '',
  ].join('\n');
  const outcomes = {
    cus_overdue: found('needs_action', '2026-11-20T10:00:00.000Z'),
    cus_soon: found('needs_action', '2026-11-20T10:00:00.000Z'),
    cus_undated: found('needs_action', '2026-11-20T10:00:00.000Z'),
    cus_late: found('redacted', '2026-11-10T09:00:00.000Z'),
    cus_ontime: found('redacted', '2026-11-05T23:00:00.000Z'),
    cus_closed_undated: found('redacted', '2026-11-06T09:00:00.000Z'),
    cus_short: found('needs_action', '2026-11-20T10:00:00.000Z'),
  };
  const columns = { receivedColumn: 'received', requestIdColumn: 'ref', extensionColumn: 'extended' };

  it('counts open rows overdue, due soon or undated, and closed rows settled late, and gives report.html each fact', async () => {
    const { rows, totals } = await report(csv, { outcomes, columns });
    expect(rows.map((r) => [r.result.status, r.result.dueBy])).toEqual([
      ['needs_action', '2026-11-05'],
      ['needs_action', '2026-12-04'],
      ['needs_action', null],
      ['redacted', '2026-11-05'],
      ['redacted', '2026-11-05'],
      ['redacted', null],
      ['needs_action', '2026-11-05'],
      ['skipped', null],
    ]);
    expect(rows.map((r) => r.facts)).toEqual([
      { requestId: 'R-1', received: '2026-10-05', settledOn: null, daysLate: null, overdue: true },
      { requestId: 'R-2', received: '2026-11-04', settledOn: null, daysLate: null, overdue: false },
      { requestId: 'R-3', received: null, settledOn: null, daysLate: null, overdue: false },
      { requestId: 'R-4', received: '2026-10-05', settledOn: '2026-11-10', daysLate: 5, overdue: false },
      { requestId: null, received: '2026-10-05', settledOn: '2026-11-05', daysLate: 0, overdue: false },
      // The cell as written (trimmed) when no date reads from it.
      { requestId: null, received: 'not a date', settledOn: '2026-11-06', daysLate: null, overdue: false },
      // A row shorter than the header: no request id, no extension, its date read all the same.
      { requestId: null, received: '2026-10-05', settledOn: null, daysLate: null, overdue: true },
      { requestId: null, received: null, settledOn: null, daysLate: null, overdue: false },
    ]);
    expect(totals.deadlines).toEqual({ overdue: 2, dueWithin7Days: 1, withoutDate: 1, settledLate: 1 });
    expect(totals.settledLate).toEqual([{ row: 4, requestId: 'R-4', status: 'redacted', dueBy: '2026-11-05', settledOn: '2026-11-10', daysLate: 5 }]);
    expect(totals.rows).toBe(8);
    expect(totals.statuses).toMatchObject({ needs_action: 4, redacted: 3, skipped: 1, pending: 0 });
  });

  it('says why a row has no due date, and says nothing of dates on a footer, which is no request and nothing more', async () => {
    const { rows, requests } = await report(csv, { outcomes, columns });
    const messagesOf = (n: number) => rows.find((r) => r.result.row === n)?.result.messages;
    expect(messagesOf(3)).toContain('no received date: due_by is unknown');
    expect(messagesOf(6)).toContain("received date 'not a date' is not a date this reads (YYYY-MM-DD, an ISO date-time, DD.MM.YYYY): due_by is unknown");
    expect(messagesOf(1)?.filter((m) => /due_by|extension/.test(m))).toEqual([]);
    expect(messagesOf(7)?.filter((m) => /due_by|extension/.test(m))).toEqual([]);
    const footer = rows.at(-1)!.result;
    expect(footer).toMatchObject({
      row: 8,
      identifierType: 'unknown',
      status: 'skipped',
      objectIds: [],
      jobId: null,
      earlierJobIds: [],
      blockingCodes: [],
      fixes: [],
      messages: ["not a request: an export's footer"],
      commands: [],
      dueBy: null,
      updatedAt: NOON,
      verifiedAt: null,
    });
    // The register hears of every request, not of the footer; its manner from the channel column.
    expect(requests.map((r) => r.requestId)).toEqual(['R-1', 'R-2', 'R-3', 'R-4', null, null, null]);
    expect(requests[0]).toMatchObject({ manner: 'email', received: '2026-10-05', dueBy: '2026-11-05', extendedOn: null, outcome: 'pending' });
  });

  it('lists the first 1,000 settled-late rows in input order and counts the rest', async () => {
    const lines = ['id,received', ...Array.from({ length: SETTLED_LATE_LISTED + 1 }, () => 'cus_late,2026-10-05'), ''];
    const { totals } = await report(lines.join('\n'), { outcomes: { cus_late: found('redacted', '2026-11-10T09:00:00.000Z') }, columns: { receivedColumn: 'received' } });
    expect(totals.deadlines.settledLate).toBe(SETTLED_LATE_LISTED + 1);
    expect(totals.settledLate).toHaveLength(SETTLED_LATE_LISTED);
    expect(totals.settledLate.at(-1)?.row).toBe(SETTLED_LATE_LISTED);
  });

  it("moves a due date by a row's notified extension, says when an extension date does not read, and tells the register", async () => {
    const lines = ['id,received,extended', 'cus_a,2026-11-02,2026-11-20', 'cus_b,2026-11-02, 2026-11-20 ', 'cus_c,2026-11-02,soon', 'cus_d,2026-11-02,02/11/2026', 'cus_e,2026-11-02,   ', ''];
    const { rows, requests } = await report(lines.join('\n'), { columns: { receivedColumn: 'received', extensionColumn: 'extended' }, options: { extension: { amount: 10, unit: 'd' } } });
    expect(rows.map((r) => r.result.dueBy)).toEqual(['2026-12-14', '2026-12-14', '2026-12-02', '2026-12-02', '2026-12-02']);
    expect(requests.map((r) => r.extendedOn)).toEqual(['2026-11-20', '2026-11-20', null, null, null]);
    const dueMessages = rows.map((r) => r.result.messages.filter((m) => m !== NOT_LOOKED_UP_WORDS));
    // A blank extension cell is no extension, and nothing to say.
    expect(dueMessages[4]).toEqual([]);
    expect(dueMessages[2]).toEqual(["extension date: 'soon' is not a date this reads (YYYY-MM-DD, an ISO date-time, DD.MM.YYYY): no extension applied"]);
    expect(dueMessages[3]).toEqual([
      "extension date: '02/11/2026' is ambiguous (day-first or month-first?); write it as YYYY-MM-DD or pass --date-order dmy|mdy: no extension applied",
    ]);
    // Read in the order the run was given: 2 November, day first.
    const dmy = await report(lines.join('\n'), { columns: { receivedColumn: 'received', extensionColumn: 'extended' }, options: { dateOrder: 'dmy', holidays: new Set(['2026-12-14']) } });
    expect(dmy.requests.map((r) => r.extendedOn)).toEqual(['2026-11-20', '2026-11-20', null, '2026-11-02', null]);
    // The default extension of two months from 2 Dec is 2 Feb; the holiday on the 14th is no matter here.
    expect(dmy.rows.map((r) => r.result.dueBy)).toEqual(['2027-02-02', '2027-02-02', '2026-12-02', '2027-02-02', '2026-12-02']);
  });

  it('rolls a due date off a holiday it is given', async () => {
    const { rows } = await report('id,received\ncus_a,2026-11-02\n', { columns: { receivedColumn: 'received' }, options: { holidays: new Set(['2026-12-02']) } });
    expect(rows[0]?.result.dueBy).toBe('2026-12-03');
    expect(rows[0]?.result.messages).toContain('due date moved from 2026-12-02 to the next working day 2026-12-03 (2026-12-02 a holiday)');
  });
});

describe("writeReport, each row's notes", () => {
  it("notes an address read out of 'Name <address>', a repeat of an earlier row, and nothing on a plain row", async () => {
    const csv = 'id\nAda Lovelace <ada@example.com>\ncus_plain\nada@example.com\ncus_plain\n';
    const { rows, firstRowAsks, keyOf } = await report(csv, {
      outcomes: { 'ada@example.com': found('redacted', NOON), cus_plain: found('redacted', NOON) },
      firstRows: { 'ada@example.com': 1, cus_plain: 2 },
    });
    expect(rows.map((r) => r.result.messages)).toEqual([
      ["the address was read out of 'Name <address>'"],
      [],
      ['duplicate of row 1: the same request, reported as that row is'],
      ['duplicate of row 2: the same request, reported as that row is'],
    ]);
    expect(firstRowAsks).toEqual([keyOf('ada@example.com'), keyOf('cus_plain'), keyOf('ada@example.com'), keyOf('cus_plain')]);
  });

  it('on a state this run started, tells a not_found row that the state holds no history of it, and no other row', async () => {
    const csv = 'id\ncus_nobody\ncus_done\n';
    const outcomes = { cus_nobody: nobody(NOON), cus_done: found('redacted', NOON) };
    const fresh = await report(csv, { outcomes, options: { stateIsNew: true } });
    const newStateNote = 'this state is new: it holds no history of this request, so an erasure recorded in another state file does not show here';
    expect(fresh.rows.map((r) => r.result.messages)).toEqual([[NOT_FOUND_WORDS, newStateNote], []]);
    const kept = await report(csv, { outcomes, options: { stateIsNew: false } });
    expect(kept.rows.map((r) => r.result.messages)).toEqual([[NOT_FOUND_WORDS], []]);
  });

  it('asks the state nothing for a row without an identifier or a footer: no key, no outcome, no first row', async () => {
    const csv = 'id,note\ncus_a,x\nnot-an-id,y\ncus_a,z\nExported by the CRM on 2026-12-01,\n';
    const { asked, reads, firstRowAsks, keyOf, rows } = await report(csv);
    expect(asked).toEqual([
      [1, keyOf('cus_a')],
      [2, undefined],
      [3, keyOf('cus_a')],
      [4, undefined],
    ]);
    expect(reads).toEqual([keyOf('cus_a')]);
    expect(firstRowAsks).toEqual([keyOf('cus_a'), keyOf('cus_a')]);
    expect(rows.map((r) => [r.result.status, r.result.identifierType])).toEqual([
      ['pending', 'customer'],
      ['invalid', 'unknown'],
      ['pending', 'customer'],
      ['skipped', 'unknown'],
    ]);
  });

  it("gives the register each request's outcome from all its objects: one redacted and one held is partially erased", async () => {
    const both: IdentifierOutcome = {
      ...found('redacted', NOON, 'cus_one'),
      objects: [...found('redacted', NOON, 'cus_one').objects, ...found('needs_action', NOON, 'cus_two').objects],
    };
    const { requests, rows } = await report('id\nshared@example.com\nbad\n', { outcomes: { 'shared@example.com': both } });
    expect(rows[0]?.result.status).toBe('needs_action');
    expect(requests.map((r) => r.outcome)).toEqual(['partially_erased', 'not_erased']);
  });
});

describe('writeReport, an interrupted run', () => {
  const csv = 'id\ncus_open\ncus_done\ncus_open2\n';
  const outcomes = { cus_done: found('redacted', NOON) };

  it('marks the pending rows of an interrupted run, and none of another', async () => {
    const messages = async (interrupted: boolean | undefined) =>
      (await report(csv, { outcomes, options: interrupted === undefined ? {} : { interrupted } })).rows.map((r) => r.result.messages);
    expect(await messages(true)).toEqual([[NOT_LOOKED_UP_WORDS, INTERRUPTED_MESSAGE], [], [NOT_LOOKED_UP_WORDS, INTERRUPTED_MESSAGE]]);
    expect(await messages(false)).toEqual([[NOT_LOOKED_UP_WORDS], [], [NOT_LOOKED_UP_WORDS]]);
    expect(await messages(undefined)).toEqual([[NOT_LOOKED_UP_WORDS], [], [NOT_LOOKED_UP_WORDS]]);
  });

  it('asks at each pending row, so a report begun early marks the rows it reaches after the interrupt', async () => {
    let interrupt = false;
    const { rows } = await report(csv, {
      outcomes,
      options: {
        interrupted: () => interrupt,
        ready: (row) => {
          if (row === 3) interrupt = true;
          return undefined;
        },
      },
    });
    expect(rows.map((r) => r.result.messages.includes(INTERRUPTED_MESSAGE))).toEqual([false, false, true]);
  });
});

describe("writeReport, the report's clock", () => {
  it('reads the clock again only after waiting for a row: rows written after the jobs say when that was', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let setClock: (iso: string) => void = () => undefined;
    const { rows } = await report('id\nExported by the CRM on 2026-12-01\ncus_waited\ncus_after\n', {
      options: {
        ready: (row) => {
          if (row !== 2) return undefined;
          setClock('2026-12-02T15:00:00.000Z');
          setTimeout(release, 0);
          return gate;
        },
      },
      begun: (clock) => {
        setClock = clock.set;
        // Moves on once the report read its clock: a row not waited for still says the start.
        clock.set('2026-12-02T13:00:00.000Z');
      },
    });
    expect(rows.map((r) => [r.result.status, r.result.updatedAt])).toEqual([
      ['skipped', NOON],
      ['pending', '2026-12-02T15:00:00.000Z'],
      ['pending', '2026-12-02T15:00:00.000Z'],
    ]);
  });
});

describe('writeReport, results.csv', () => {
  it('writes one record per input row under the input header and the result columns, each naming the run', async () => {
    const { resultsCsv, rows } = await report('id\ncus_a\nnot-an-id\n', { outcomes: { cus_a: found('redacted', NOON) }, options: { runId: 'run_x', livemode: true } });
    const records = parse(resultsCsv, { columns: true }) as Record<string, string>[];
    expect(records.map((r) => [r.id, r.row, r.identifier_type, r.status, r.object_ids, r.job_id, r.run_id, r.livemode, r.updated_at])).toEqual([
      ['cus_a', '1', 'customer', 'redacted', 'cus_x', 'rj_1', 'run_x', 'true', NOON],
      ['not-an-id', '2', 'unknown', 'invalid', '', '', 'run_x', 'true', NOON],
    ]);
    expect(rows.map((r) => r.result.runId)).toEqual(['run_x', 'run_x']);
  });

  it('with excel, writes a byte order mark, the input delimiter and CRLF', async () => {
    const { resultsCsv } = await report('id;note\ncus_a;x\n', { options: { excel: true } });
    expect(resultsCsv.startsWith('\uFEFFid;note;row;')).toBe(true);
    expect(resultsCsv.split('\r\n')).toHaveLength(3);
  });
});
