/**
 * The rows of report.html as they stream past ({@link ReportCollector} is fed each `ResultRow`
 * written to results.csv): every count, but full rows only up to a cap per section, so a
 * million-row run stays small in memory.
 */
import { classifyDeadline, dateOfInstant, daysLate } from '../domain/deadline.js';
import { DEADLINE_STANDING, ROW_STATUSES, type RowStatus } from '../domain/row-status.js';
import type { ResultRow } from './result-writer.js';
import { STATUS_WORDS } from './status-words.js';

/** Rows kept in full per section; the rest are counted and left to results.csv. @default 1000 */
export const DEFAULT_SECTION_CAP = 1000;

/** What the page shows of a row besides results.csv's cells (write-report.ts works them out). */
export interface ReportRowFacts {
  /** The request-id column's cell, when the input has such a column. */
  requestId: string | null;
  /** The received date as read (`YYYY-MM-DD`), else the cell as written, else null. */
  received: string | null;
  /** The date the state recorded the row settled, for a row that closes its request; else null. */
  settledOn: string | null;
  /** Days after `due_by` it was settled (0 or less: in time); null without both dates. */
  daysLate: number | null;
  /** An open request past its `due_by` on the report's day. */
  overdue: boolean;
}

/** A row as the HTML shows it. */
export interface ReportRow {
  row: number;
  /** The request's own id (request-id column), if the input has one. */
  requestId: string | null;
  identifier: string;
  status: string;
  objectIds: string[];
  jobId: string | null;
  received: string | null;
  dueBy: string | null;
  settledOn: string | null;
  /** Days after `dueBy` the row was settled; positive only when late. */
  daysLate: number | null;
  fixes: string[];
  messages: string[];
  /** The operator's flags, apart from the words. */
  commands: string[];
}

/** A section's rows, at most the cap, and how many more there were. */
export interface ReportSection {
  rows: ReportRow[];
  more: number;
}

/** The sections of the report, in the order they are shown. */
export const SECTIONS = ['overdue', 'needs_action', 'failed', 'invalid', 'pending', 'redaction_pending', 'fixes', 'rest'] as const;
export type SectionName = (typeof SECTIONS)[number];

/** Whether a run of this mode changed nothing in Stripe. */
export function isPreview(mode: string): boolean {
  return mode === 'plan' || mode === 'validate';
}

/**
 * Collects the rows of one report as they stream past: counts per status (every status, zeros
 * included), overdue and settled-late counts, and up to `cap` rows per section. A row goes to its
 * first matching section: overdue (an open request past its due date), its status if it needs a
 * person, fixes (settled with fixes), else the rest. Rows settled after their due date are, besides,
 * listed apart ({@link settledLateRows}), up to `cap` of them.
 */
export class ReportCollector {
  readonly counts: Record<RowStatus, number> = Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])) as Record<RowStatus, number>;
  readonly sections: Record<SectionName, ReportSection> = Object.fromEntries(SECTIONS.map((s) => [s, { rows: [], more: 0 }])) as unknown as Record<
    SectionName,
    ReportSection
  >;
  rows = 0;
  /** Open requests past their due date. */
  overdue = 0;
  /** Requests closed after their due date. */
  settledLate = 0;
  /** Of those, the ones erased (the statuses the opening sentence counts as erased). */
  erasedLate = 0;
  /** The settled-late rows, up to the cap, and how many more. */
  readonly settledLateRows: ReportSection = { rows: [], more: 0 };
  readonly #identifierColumn: number;
  readonly #today: string;
  readonly #cap: number;
  readonly #preview: boolean;

  /**
   * @param identifierColumn 0-based column of the identifier in each row's input fields.
   * @param today `YYYY-MM-DD`: an open row whose `due_by` is before it is overdue.
   * @param mode The run's mode: a preview's fixes section lists what a redact run would apply, so
   *   a row erased by an earlier run, whose fixes were applied then, is not among them.
   */
  constructor(identifierColumn: number, today: string, cap = DEFAULT_SECTION_CAP, mode = 'redact') {
    this.#identifierColumn = identifierColumn;
    this.#today = today;
    this.#cap = cap;
    this.#preview = isPreview(mode);
  }

  /** `facts`: what write-report knows of the row's deadline; without them, derived from the row alone. */
  add(result: ResultRow, facts: ReportRowFacts = this.#factsOf(result)): void {
    this.rows += 1;
    const status = result.status as RowStatus;
    if (status in this.counts) this.counts[status] += 1;
    const late = facts.daysLate !== null && facts.daysLate > 0;
    if (facts.overdue) this.overdue += 1;
    if (late) this.settledLate += 1;
    if (late && STATUS_WORDS[status]?.tally === 'erased') this.erasedLate += 1;
    const shown: ReportRow = {
      row: result.row,
      requestId: facts.requestId,
      identifier: result.fields[this.#identifierColumn] ?? '',
      status: result.status,
      objectIds: result.objectIds,
      jobId: result.jobId,
      received: facts.received,
      dueBy: result.dueBy,
      settledOn: facts.settledOn,
      daysLate: facts.daysLate,
      fixes: result.fixes,
      messages: result.messages,
      commands: result.commands ?? [],
    };
    if (late) this.#keep(this.settledLateRows, shown);
    this.#keep(this.sections[this.#sectionOf(status, result, facts.overdue)], shown);
  }

  #keep(kept: ReportSection, row: ReportRow): void {
    if (kept.rows.length >= this.#cap) kept.more += 1;
    else kept.rows.push(row);
  }

  #factsOf(result: ResultRow): ReportRowFacts {
    const standing = DEADLINE_STANDING[result.status as RowStatus];
    const settledOn = standing === 'closed' ? dateOfInstant(result.updatedAt) : null;
    return {
      requestId: null,
      received: null,
      settledOn,
      daysLate: settledOn !== null && result.dueBy !== null ? daysLate(result.dueBy, settledOn) : null,
      overdue: standing === 'open' && result.dueBy !== null && classifyDeadline(result.dueBy, this.#today) === 'overdue',
    };
  }

  #sectionOf(status: RowStatus, result: ResultRow, overdue: boolean): SectionName {
    if (overdue) return 'overdue';
    switch (status) {
      case 'needs_action':
      case 'failed':
      case 'invalid':
      case 'pending':
      case 'redaction_pending':
        return status;
      default:
        // Fixes applied (an erased row) in a redact run; fixes that would apply in a preview.
        return result.fixes.length > 0 && (status === 'redacted') !== this.#preview ? 'fixes' : 'rest';
    }
  }
}
