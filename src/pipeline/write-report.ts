import { join } from 'node:path';
import { describeNonRequest, type NotARequest } from '../domain/export-footer.js';
import { classifyIdentifier, describeExtraction, type Classified } from '../domain/identifier.js';
import { classifyDeadline, dateOfInstant, daysLate, parseReceivedDate, type CalendarDate, type DateOrder, type DeadlineSpec } from '../domain/deadline.js';
import { describeDueDate, lawfulDueDate } from '../domain/due-date.js';
import type { RecordColumns } from '../input/request-record-columns.js';
import type { RequestFacts } from '../state/state-requests.js';
import { requestFactsOf, type RowDue } from './request-facts.js';
import { decideRowOutcome, type IdentifierOutcome, type RowOutcome } from '../domain/row-outcome.js';
import { DEADLINE_STANDING, ROW_STATUSES, type RowStatus, type RunMode } from '../domain/row-status.js';
import { readRequestRows, type RequestFileInfo } from '../input/request-reader.js';
import type { ReportRowFacts } from '../report/report-html.js';
import { writeResultsFile, type ResultRow } from '../report/result-writer.js';
import type { StateReader } from '../state/state-store.js';

/** What a `pending` row of an interrupted run says. */
export const INTERRUPTED_MESSAGE = 'the run was interrupted before this request was finished; the next run continues it';

/** Identifier outcomes kept for repeated rows. */
const RECENT_OUTCOMES = 5000;

/** Settled-late rows listed in summary.json; more are counted only (results.csv and report.html have them). */
export const SETTLED_LATE_LISTED = 1000;

/** A row closed after its `due_by`, as summary.json lists it. */
export interface SettledLateRow {
  row: number;
  /** The request's own id (the request-id column), when the input has one. */
  requestId: string | null;
  status: RowStatus;
  dueBy: CalendarDate;
  /** The date the state recorded the row settled. */
  settledOn: CalendarDate;
  daysLate: number;
}

/** What report.html shows of a row besides results.csv's cells (report-html.ts). */
export type RowDeadlineFacts = ReportRowFacts;

export interface ReportTotals {
  rows: number;
  /** Rows per status; every status of the contract is present, zeros included. */
  statuses: Record<RowStatus, number>;
  resultsPath: string;
  /**
   * Open requests (row-status.ts {@link DEADLINE_STANDING}: in every mode, a `planned` or `ready`
   * row is open) past their due date, due within 7 days of the report, and without a received
   * date; and requests closed after their due date (`settledLate`).
   */
  deadlines: { overdue: number; dueWithin7Days: number; withoutDate: number; settledLate: number };
  /** The settled-late rows, in input order, at most {@link SETTLED_LATE_LISTED}. */
  settledLate: SettledLateRow[];
}

/**
 * Streams the input a second time and writes `<out>/results.csv`: one row per input row, in input
 * order, each a pure function of its identifier's state (rows repeating an identifier share its fate).
 */
export async function writeReport(
  info: RequestFileInfo,
  options: {
    outDir: string;
    mode: RunMode;
    runId: string;
    /**
     * The run was interrupted (SIGINT/SIGTERM): its `pending` rows say so, and that the next run
     * continues them. Asked at each `pending` row, so a report begun early knows it when it gets there.
     */
    interrupted?: boolean | (() => boolean);
    /**
     * When a row may be written: `undefined` now, or a promise to wait for. A report begun while the
     * run's jobs still run (run-report.ts) waits so for every row its jobs may still change.
     */
    ready?: (row: number, key: string | undefined) => Promise<void> | undefined;
    livemode: boolean;
    deadline: DeadlineSpec;
    dateOrder?: DateOrder;
    /** True when this run started the state: a `not_found` row then says the state has no history of it. */
    stateIsNew?: boolean;
    /** `--holidays`: due dates on them roll to the next working day. @default none */
    holidays?: ReadonlySet<string>;
    /** `--extension`: how far a notified extension moves the due date. @default 2m for month deadlines, 45d otherwise */
    extension?: DeadlineSpec;
    /** The request id, channel and extension columns. @default none */
    recordColumns?: RecordColumns;
    /** Sees what each row tells the register. */
    onRequest?: (facts: RequestFacts) => void;
    /** `--excel`: results.csv with a byte order mark, the input's delimiter and CRLF. */
    excel?: boolean;
    /** Sees every row as it is written (report.html is built from these very rows). */
    onRow?: (row: ResultRow, facts: RowDeadlineFacts) => void;
  },
  store: StateReader,
): Promise<ReportTotals> {
  const statuses = Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])) as Record<RowStatus, number>;
  const deadlines = { overdue: 0, dueWithin7Days: 0, withoutDate: 0, settledLate: 0 };
  const settledLate: SettledLateRow[] = [];
  let rows = 0;
  // The report's clock: read again after a wait, so rows written after the jobs say when that was.
  let now = store.now();
  let today = dateOfInstant(now);
  const interrupted = typeof options.interrupted === 'function' ? options.interrupted : () => options.interrupted === true;

  // Rows repeating an identifier share its outcome: keep the latest few thousand at hand.
  const recent = new Map<string, IdentifierOutcome | undefined>();
  const outcomeOf = (key: string): IdentifierOutcome | undefined => {
    if (recent.has(key)) return recent.get(key);
    const outcome = store.identifierOutcome(key);
    if (recent.size >= RECENT_OUTCOMES) recent.delete(recent.keys().next().value as string);
    recent.set(key, outcome);
    return outcome;
  };

  /**
   * What a row adds to its identifier's outcome: how its address was read, that it repeats an
   * earlier row, and — on a state this run started — that a `not_found` may be a request another
   * state holds the history of.
   */
  const notesOf = (classified: Classified, status: RowStatus, key: string, row: number): string[] => {
    const notes: string[] = [];
    if (classified.kind === 'email' && classified.extractedFrom !== undefined) notes.push(describeExtraction(classified.extractedFrom));
    const first = store.firstRowOf(key, options.runId);
    if (first !== undefined && first < row) notes.push(`duplicate of row ${first}: the same request, reported as that row is`);
    if (status === 'not_found' && options.stateIsNew === true) {
      notes.push('this state is new: it holds no history of this request, so an erasure recorded in another state file does not show here');
    }
    return notes;
  };

  async function* results(): AsyncGenerator<ResultRow> {
    for await (const row of readRequestRows(info)) {
      const classified = classifyIdentifier(row.identifier);
      const key = classified.kind === 'invalid' || row.notARequest !== undefined ? undefined : store.keyOf(classified);
      const wait = options.ready?.(row.row, key);
      if (wait !== undefined) {
        await wait;
        now = store.now();
        today = dateOfInstant(now);
      }
      const outcome =
        row.notARequest !== undefined
          ? skippedOutcome(row.notARequest, now)
          : decideRowOutcome(classified, options.mode, key === undefined ? undefined : outcomeOf(key), now);
      if (key !== undefined) outcome.messages.push(...notesOf(classified, outcome.status, key, row.row));
      if (outcome.status === 'pending' && interrupted()) outcome.messages.push(INTERRUPTED_MESSAGE);
      statuses[outcome.status] += 1;
      rows += 1;
      // A footer has no received date to read: no due_by, and no message about one.
      const due = row.notARequest !== undefined ? NO_DUE_DATE : dueByOf(row.fields, info.receivedColumn, options.recordColumns?.extension ?? null, options);
      const standing = DEADLINE_STANDING[outcome.status];
      const requestId = info.requestIdColumn === null ? null : (row.fields[info.requestIdColumn] ?? '').trim() || null;
      const facts: RowDeadlineFacts = { requestId, received: due.received, settledOn: null, daysLate: null, overdue: false };
      if (standing === 'open') {
        if (due.dueBy === null) deadlines.withoutDate += 1;
        else {
          const at = classifyDeadline(due.dueBy, today);
          if (at === 'overdue') deadlines.overdue += 1;
          else if (at === 'due_soon') deadlines.dueWithin7Days += 1;
          facts.overdue = at === 'overdue';
        }
      } else if (standing === 'closed') {
        // Settled on the day the state recorded the row's last change: the day Stripe confirmed it.
        facts.settledOn = dateOfInstant(outcome.updatedAt);
        if (due.dueBy !== null) {
          facts.daysLate = daysLate(due.dueBy, facts.settledOn);
          if (facts.daysLate > 0) {
            deadlines.settledLate += 1;
            if (settledLate.length < SETTLED_LATE_LISTED) {
              settledLate.push({ row: row.row, requestId, status: outcome.status, dueBy: due.dueBy, settledOn: facts.settledOn, daysLate: facts.daysLate });
            }
          }
        }
      }
      const result: ResultRow = {
        fields: row.fields,
        row: row.row,
        identifierType: row.notARequest !== undefined ? 'unknown' : classified.type,
        status: outcome.status,
        objectIds: outcome.objectIds,
        jobId: outcome.jobIds.join(' ') || null,
        earlierJobIds: outcome.earlierJobIds,
        blockingCodes: outcome.blockingCodes,
        fixes: outcome.fixes,
        messages: [...outcome.messages, ...due.messages],
        commands: outcome.commands,
        dueBy: due.dueBy,
        runId: options.runId,
        livemode: options.livemode,
        updatedAt: outcome.updatedAt,
        verifiedAt: outcome.verifiedAt,
      };
      if (options.onRequest) {
        const identifier = key === undefined ? undefined : outcomeOf(key);
        const request = requestFactsOf(row, classified, outcome, identifier, due, { ...(options.recordColumns ?? NO_RECORD_COLUMNS), requestId: info.requestIdColumn }, store);
        if (request) options.onRequest(request);
      }
      options.onRow?.(result, facts);
      yield result;
    }
  }

  const resultsPath = join(options.outDir, 'results.csv');
  await writeResultsFile(resultsPath, info.header, info.columnCount, results(), options.excel ? { excel: { delimiter: info.delimiter } } : {});
  return { rows, statuses, resultsPath, deadlines, settledLate };
}

/** The row of an export's footer or separator line: no request, nothing to do. */
function skippedOutcome(kind: NotARequest, now: string): RowOutcome {
  return { status: 'skipped', objectIds: [], jobIds: [], earlierJobIds: [], blockingCodes: [], fixes: [], messages: [describeNonRequest(kind)], commands: [], updatedAt: now, verifiedAt: null };
}

const NO_RECORD_COLUMNS: RecordColumns = { requestId: null, channel: null, extension: null };
/** A row's due date and how it was reached; `received` as report.html shows it (the cell, when no date reads from it). */
type DueOfRow = RowDue & { received: string | null; messages: string[] };
const NO_DUE_DATE: DueOfRow = { received: null, receivedDate: null, dueBy: null, extendedOn: null, messages: [] };

/**
 * A row's `due_by` by the law's counting rules (domain/due-date.ts), and the messages it earns: an
 * extension, a roll off a weekend or holiday, or why there is no date (never a crash).
 */
function dueByOf(
  fields: readonly string[],
  receivedColumn: number | null,
  extensionColumn: number | null,
  options: { deadline: DeadlineSpec; dateOrder?: DateOrder; holidays?: ReadonlySet<string>; extension?: DeadlineSpec },
): DueOfRow {
  if (receivedColumn === null) return NO_DUE_DATE;
  const cell = (fields[receivedColumn] ?? '').trim();
  const received = parseReceivedDate(cell, options.dateOrder);
  if ('problem' in received) return { ...NO_DUE_DATE, received: cell === '' ? null : cell, messages: [`${received.problem}: due_by is unknown`] };
  const messages: string[] = [];
  let extendedOn: string | undefined;
  const extensionCell = extensionColumn === null ? '' : (fields[extensionColumn] ?? '').trim();
  if (extensionCell !== '') {
    const parsed = parseReceivedDate(extensionCell, options.dateOrder);
    if ('problem' in parsed) messages.push(`extension date: ${parsed.problem.replace(/^received date /, '')}: no extension applied`);
    else extendedOn = parsed.date;
  }
  const due = lawfulDueDate(received.date, { deadline: options.deadline, holidays: options.holidays ?? new Set(), ...(options.extension ? { extension: options.extension } : {}) }, extendedOn);
  return { received: received.date, receivedDate: received.date, dueBy: due.dueBy, extendedOn: due.extension?.notifiedOn ?? null, messages: [...messages, ...describeDueDate(due)] };
}
