import { join } from 'node:path';
import { describeNonRequest, type NotARequest } from '../domain/export-footer.js';
import { classifyIdentifier, describeExtraction, type Classified } from '../domain/identifier.js';
import { classifyDeadline, dateOfInstant, parseReceivedDate, type DateOrder, type DeadlineSpec } from '../domain/deadline.js';
import { describeDueDate, lawfulDueDate } from '../domain/due-date.js';
import type { RecordColumns } from '../io/request-record-columns.js';
import type { RequestFacts } from '../io/state-requests.js';
import { requestFactsOf, type RowDue } from './request-facts.js';
import { decideRowOutcome, type IdentifierOutcome, type RowOutcome } from '../domain/row-outcome.js';
import { isSettled, ROW_STATUSES, type RowStatus, type RunMode } from '../domain/row-status.js';
import { readRequestRows, type RequestFileInfo } from '../io/request-reader.js';
import { writeResultsFile, type ResultRow } from '../io/result-writer.js';
import type { StateReader } from '../io/state-store.js';

/** Identifier outcomes kept for repeated rows. */
const RECENT_OUTCOMES = 5000;

export interface ReportTotals {
  rows: number;
  /** Rows per status; every status of the contract is present, zeros included. */
  statuses: Record<RowStatus, number>;
  resultsPath: string;
  /**
   * Unsettled rows (design.md "Exit codes": not redacted, already_redacted, not_found, ready or
   * planned) past their due date, due within 7 days of the report, and without a received date.
   */
  deadlines: { overdue: number; dueWithin7Days: number; withoutDate: number };
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
    /** Sees every row as it is written (report.html is built from these very rows). */
    onRow?: (row: ResultRow) => void;
  },
  store: StateReader,
): Promise<ReportTotals> {
  const statuses = Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])) as Record<RowStatus, number>;
  const deadlines = { overdue: 0, dueWithin7Days: 0, withoutDate: 0 };
  let rows = 0;
  const now = store.now();
  const today = dateOfInstant(now);

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
      const outcome =
        row.notARequest !== undefined
          ? skippedOutcome(row.notARequest, now)
          : decideRowOutcome(classified, options.mode, key === undefined ? undefined : outcomeOf(key), now);
      if (key !== undefined) outcome.messages.push(...notesOf(classified, outcome.status, key, row.row));
      statuses[outcome.status] += 1;
      rows += 1;
      // A footer has no received date to read: no due_by, and no message about one.
      const due = row.notARequest !== undefined ? NO_DUE_DATE : dueByOf(row.fields, info.receivedColumn, options.recordColumns?.extension ?? null, options);
      if (!isSettled(outcome.status)) {
        if (due.dueBy === null) deadlines.withoutDate += 1;
        else {
          const standing = classifyDeadline(due.dueBy, today);
          if (standing === 'overdue') deadlines.overdue += 1;
          else if (standing === 'due_soon') deadlines.dueWithin7Days += 1;
        }
      }
      const result: ResultRow = {
        fields: row.fields,
        row: row.row,
        identifierType: row.notARequest !== undefined ? 'unknown' : classified.type,
        status: outcome.status,
        objectIds: outcome.objectIds,
        jobId: outcome.jobIds.length > 0 ? outcome.jobIds.join(' ') : null,
        earlierJobIds: outcome.earlierJobIds,
        blockingCodes: outcome.blockingCodes,
        fixes: outcome.fixes,
        messages: [...outcome.messages, ...due.messages],
        dueBy: due.dueBy,
        runId: options.runId,
        livemode: options.livemode,
        updatedAt: outcome.updatedAt,
      };
      if (options.onRequest) {
        const identifier = key === undefined ? undefined : outcomeOf(key);
        const facts = requestFactsOf(row, classified, outcome, identifier, due, options.recordColumns ?? NO_RECORD_COLUMNS, store);
        if (facts) options.onRequest(facts);
      }
      options.onRow?.(result);
      yield result;
    }
  }

  const resultsPath = join(options.outDir, 'results.csv');
  await writeResultsFile(resultsPath, info.header, info.columnCount, results());
  return { rows, statuses, resultsPath, deadlines };
}

/** The row of an export's footer or separator line: no request, nothing to do. */
function skippedOutcome(kind: NotARequest, now: string): RowOutcome {
  return { status: 'skipped', objectIds: [], jobIds: [], earlierJobIds: [], blockingCodes: [], fixes: [], messages: [describeNonRequest(kind)], updatedAt: now };
}

const NO_RECORD_COLUMNS: RecordColumns = { requestId: null, channel: null, extension: null };
const NO_DUE_DATE: RowDue & { messages: string[] } = { received: null, dueBy: null, extendedOn: null, messages: [] };

/**
 * A row's `due_by` by the law's counting rules (domain/due-date.ts), and the messages it earns: an
 * extension, a roll off a weekend or holiday, or why there is no date (never a crash).
 */
function dueByOf(
  fields: readonly string[],
  receivedColumn: number | null,
  extensionColumn: number | null,
  options: { deadline: DeadlineSpec; dateOrder?: DateOrder; holidays?: ReadonlySet<string>; extension?: DeadlineSpec },
): RowDue & { messages: string[] } {
  if (receivedColumn === null) return NO_DUE_DATE;
  const received = parseReceivedDate(fields[receivedColumn] ?? '', options.dateOrder);
  if ('problem' in received) return { received: null, dueBy: null, extendedOn: null, messages: [`${received.problem}: due_by is unknown`] };
  const messages: string[] = [];
  let extendedOn: string | undefined;
  const extensionCell = extensionColumn === null ? '' : (fields[extensionColumn] ?? '').trim();
  if (extensionCell !== '') {
    const parsed = parseReceivedDate(extensionCell, options.dateOrder);
    if ('problem' in parsed) messages.push(`extension date: ${parsed.problem.replace(/^received date /, '')}: no extension applied`);
    else extendedOn = parsed.date;
  }
  const due = lawfulDueDate(received.date, { deadline: options.deadline, holidays: options.holidays ?? new Set(), ...(options.extension ? { extension: options.extension } : {}) }, extendedOn);
  return { received: received.date, dueBy: due.dueBy, extendedOn: due.extension?.notifiedOn ?? null, messages: [...messages, ...describeDueDate(due)] };
}
