/**
 * `<out>/report.html`: the run's report for a person (design.md "Result CSV": "the same run for a
 * person"). Self-contained — inline CSS, an inline SVG chart, no script, no external asset, no
 * network — and printable. Built from the very rows written to results.csv ({@link ReportCollector}
 * is fed each `ResultRow`), so its numbers are results.csv's. Rows stream past it: it keeps every
 * count, but full rows only up to a cap per section, so a million-row run stays small in memory.
 *
 * Every value from the input or from Stripe goes through {@link escapeHtml}: identifiers are hostile.
 */
import { classifyDeadline, dateOfInstant, daysLate } from '../domain/deadline.js';
import { DEADLINE_STANDING, ROW_STATUSES, type RowStatus } from '../domain/row-status.js';
import type { ResultRow } from './result-writer.js';
import { writeTextFileAtomic } from './result-writer.js';

/** Rows kept in full per section; the rest are counted and left to results.csv. @default 1000 */
export const DEFAULT_SECTION_CAP = 1000;

/** What the report's header says about the run. */
export interface ReportHeader {
  /** `acct_…`; null when unknown. */
  account: string | null;
  livemode: boolean;
  mode: string;
  runId: string;
  startedAt: string;
  endedAt: string;
  /** The input's name. */
  input: string;
  inputSha256: string;
  resultsSha256: string;
  /** The run was interrupted: unfinished rows are pending. */
  interrupted: boolean;
  /** Sections rendered elsewhere (after-erasure-html.ts), shown after the rows. */
  extraSections?: string;
  /** Which column the identifiers were read from, and why (`"Requester email": 46 of 46 sampled values …`). */
  identifierColumn?: string;
  /** The `--deadline` in force (`1m`, `45d`). */
  deadline?: string;
}

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

/** How the opening sentence counts a status: each tally is one phrase of it. */
type Tally = 'erased' | 'held' | 'no_data' | 'would_erase' | 'found' | 'person' | 'unusable' | 'in_progress' | 'not_request';

/**
 * Every status in plain words: a short label for the rows, a sentence for the legend, and the
 * tally of the opening sentence. One line per status (design.md "Result CSV" status table).
 */
export const STATUS_WORDS: Record<RowStatus, { label: string; legend: string; tally: Tally }> = {
  redacted: { label: 'erased', legend: 'Erased: Stripe shows every object of the request redacted, after a job of this tool succeeded.', tally: 'erased' },
  redaction_pending: { label: 'erased, held by Stripe', legend: 'Erased, held by Stripe: the job succeeded, but Stripe does not yet show every object redacted (held until eligible, e.g. payments younger than 90 days, or still processing); the next run reads Stripe again.', tally: 'held' },
  already_redacted: { label: 'already erased', legend: 'Already erased: Stripe showed the data redacted or deleted before this tool acted.', tally: 'erased' },
  skipped: { label: 'not a request', legend: 'Not a request: a line of the export that holds no request (a footer or a separator); nothing to do.', tally: 'not_request' },
  not_found: { label: 'no data in Stripe', legend: 'No data in Stripe: no Stripe object matches the email or id, so there is nothing to erase.', tally: 'no_data' },
  invalid: { label: 'unusable', legend: 'Unusable: the row holds no usable email or Stripe id; a person must read it.', tally: 'unusable' },
  needs_action: { label: 'needs a person', legend: 'Needs a person: Stripe would not erase it yet; the row says what blocks it and what to do.', tally: 'person' },
  ready: { label: 'would be erased', legend: 'Would be erased (preview): Stripe validated it; a redact run would erase it. Nothing was erased.', tally: 'would_erase' },
  planned: { label: 'found, not sent', legend: 'Found, not sent (preview): looked up in Stripe only; nothing was sent or erased.', tally: 'found' },
  pending: { label: 'in progress', legend: 'In progress: still being worked on when the run ended; the next run continues it.', tally: 'in_progress' },
  failed: { label: 'failed', legend: 'Failed: an error no retry resolved; the row says why, and the next run tries again.', tally: 'person' },
};

/** The opening sentence's phrases, in the order it says them: singular, plural. */
const TALLIES: Record<Tally, [string, string]> = {
  erased: ['is erased', 'are erased'],
  held: ['is erased but held by Stripe until eligible', 'are erased but held by Stripe until eligible'],
  would_erase: ['would be erased by a redact run', 'would be erased by a redact run'],
  found: ['was found in Stripe, to be erased by a redact run', 'were found in Stripe, to be erased by a redact run'],
  no_data: ['had no data in Stripe', 'had no data in Stripe'],
  person: ['needs a person', 'need a person'],
  unusable: ['is unusable', 'are unusable'],
  in_progress: ['is still in progress', 'are still in progress'],
  not_request: ['line was not a request', 'lines were not requests'],
};

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

/** Sections that need a person, shown first under one heading. */
const NEEDING: readonly SectionName[] = ['overdue', 'needs_action', 'failed', 'invalid', 'pending'];

/** Section titles; `fixes` is worded by the run's mode ({@link fixesTitle}). */
const TITLES: Record<Exclude<SectionName, 'fixes'>, string> = {
  overdue: 'Overdue: not settled by their due date',
  needs_action: 'Needs a person: what blocks it and what to do',
  failed: 'Failed: what went wrong',
  invalid: 'Unusable rows: no email or Stripe id',
  pending: 'In progress: the next run continues these',
  redaction_pending: 'Redaction pending at Stripe: jobs succeeded, Stripe does not show every object redacted yet; the next run reads them again',
  rest: 'All other rows',
};

/** A redact run lists the fixes Stripe applied; a preview, those a redact run would apply. */
function fixesTitle(mode: string): string {
  return mode === 'redact' ? "Fixes applied: what Stripe's fix changed" : 'Fixes a redact run would apply (nothing was changed)';
}

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

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;margin:2em auto;max-width:1100px;padding:0 1em}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .4em;border-bottom:1px solid #ccc;padding-bottom:.2em}
p.summary{font-size:1.15em;margin:.4em 0 1em}
.preview{border:2px solid #b26a00;background:#fff4e0;color:#5a3500;padding:.45em .8em;font-weight:bold;margin:0 0 1em}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:0}dl.run dt{color:#555}dl.run dd{margin:0;word-break:break-all}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}dl.legend dt{font-weight:bold}dl.legend dd{margin:0}dl.legend code{font-weight:normal;color:#555}
.live{color:#a00;font-weight:bold}
table{border-collapse:collapse;width:100%;margin:.3em 0}th,td{border:1px solid #ccc;padding:.25em .45em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}td.date{white-space:nowrap}
td ul{margin:0;padding-left:1.1em}.id{word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
.code{display:block;color:#666;font-size:.85em}.late{display:block;color:#a00}
.operator{margin:.3em 0 0;color:#444;font-size:.9em}.operator code{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}td.request-id{white-space:nowrap;word-break:normal}
.more{color:#555;font-style:italic}.none{color:#555}
svg.chart text{font:12px system-ui,sans-serif}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}tr{break-inside:avoid}th{background:none}a{color:inherit}}
@page{margin:1.6cm 1.2cm}
`;

/**
 * A preview says so on every printed page: in the top margin of each page (CSS paged media margin
 * boxes), where it covers nothing the page prints.
 */
const PREVIEW_PAGE_CSS = (mode: string) =>
  `@page{@top-center{content:"PREVIEW (${mode} run): nothing was erased";font:bold 10px system-ui,sans-serif;color:#5a3500}}`;

/** Bar colours per status: settled ones calm, those needing a person warm. */
const COLOURS: Record<RowStatus, string> = {
  redacted: '#2e7d32',
  redaction_pending: '#9ccc65',
  already_redacted: '#66bb6a',
  skipped: '#cfd8dc',
  not_found: '#90a4ae',
  invalid: '#8d6e63',
  needs_action: '#ef6c00',
  ready: '#1e88e5',
  planned: '#64b5f6',
  pending: '#fbc02d',
  failed: '#c62828',
};

function countsChart(counts: Record<RowStatus, number>): string {
  const max = Math.max(1, ...Object.values(counts));
  const rowHeight = 22;
  const bars = ROW_STATUSES.map((status, i) => {
    const y = i * rowHeight;
    const width = Math.round((counts[status] / max) * 600);
    return `<text x="0" y="${y + 15}">${status}</text><rect x="130" y="${y + 3}" width="${width}" height="16" fill="${COLOURS[status]}"/><text x="${136 + width}" y="${y + 15}">${counts[status]}</text>`;
  });
  return `<svg class="chart" role="img" aria-label="rows per status" width="800" height="${ROW_STATUSES.length * rowHeight}" viewBox="0 0 800 ${ROW_STATUSES.length * rowHeight}">${bars.join('')}</svg>`;
}

function list(items: readonly string[]): string {
  if (items.length === 0) return '';
  if (items.length === 1) return escapeHtml(items[0] as string);
  return `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The report's first sentence: "Of 46 requests, 31 are erased, 9 had no data in Stripe, 4 need a
 * person, 2 are unusable; 3 were erased late." ("settled late" when some of the late ones had no
 * data or were otherwise closed rather than erased). Lines that are no request (an export's footer) are
 * not requests and are said apart; a preview says that nothing was erased.
 */
export function summarySentence(mode: string, collected: Pick<ReportCollector, 'counts' | 'overdue' | 'settledLate'> & { erasedLate?: number }): string {
  const byTally = new Map<Tally, number>();
  for (const status of ROW_STATUSES) {
    const n = collected.counts[status];
    if (n > 0) byTally.set(STATUS_WORDS[status].tally, (byTally.get(STATUS_WORDS[status].tally) ?? 0) + n);
  }
  const notRequests = byTally.get('not_request') ?? 0;
  byTally.delete('not_request');
  const requests = [...byTally.values()].reduce((a, b) => a + b, 0);
  const parts = (Object.keys(TALLIES) as Tally[]).flatMap((tally) => {
    const n = byTally.get(tally);
    return n === undefined ? [] : [`${n} ${(TALLIES[tally] as [string, string])[n === 1 ? 0 : 1]}`];
  });
  const deadlines = [
    collected.settledLate > 0
      ? `${collected.settledLate} ${collected.settledLate === 1 ? 'was' : 'were'} ${collected.erasedLate === collected.settledLate ? 'erased' : 'settled'} late`
      : '',
    collected.overdue > 0 ? `${collected.overdue} ${collected.overdue === 1 ? 'is' : 'are'} overdue` : '',
  ].filter(Boolean);
  let sentence = requests === 0 ? 'The input holds no request' : `Of ${plural(requests, 'request', 'requests')}, ${parts.join(', ')}`;
  if (deadlines.length > 0) sentence += `; ${deadlines.join(', ')}`;
  sentence += '.';
  if (notRequests > 0) sentence += ` ${plural(notRequests, ...(TALLIES.not_request as [string, string]))}.`;
  if (isPreview(mode)) sentence += ' This was a preview: nothing was erased.';
  return sentence;
}

function statusCell(status: string): string {
  const words = STATUS_WORDS[status as RowStatus];
  return words ? `${escapeHtml(words.label)} <span class="code">${escapeHtml(status)}</span>` : escapeHtml(status);
}

function settledCell(r: ReportRow): string {
  if (r.settledOn === null) return '';
  const late = r.daysLate !== null && r.daysLate > 0 ? ` <span class="late">${plural(r.daysLate, 'day', 'days')} late</span>` : '';
  return `${escapeHtml(r.settledOn)}${late}`;
}

/** Advice in words (and any fixes), with the operator's flags apart beneath. */
function notesCell(section: SectionName, r: ReportRow): string {
  const words = section === 'fixes' ? r.fixes : [...r.messages, ...r.fixes];
  const operator =
    r.commands.length === 0
      ? ''
      : `<p class="operator">For the operator: run again with ${r.commands.map((c) => `<code>${escapeHtml(c)}</code>`).join(' or ')}</p>`;
  return `${list(words)}${operator}`;
}

function rowsTable(section: SectionName, kept: ReportSection, mode: string): string {
  if (kept.rows.length === 0) return '<p class="none">None.</p>';
  const detail = section === 'fixes' ? (mode === 'redact' ? 'Fixes Stripe applied' : 'Fixes a redact run would apply') : 'What to know / do';
  const body = kept.rows
    .map(
      (r) =>
        `<tr data-status="${escapeHtml(r.status)}"><td class="n">${r.row}</td><td class="id request-id">${escapeHtml(r.requestId ?? '')}</td><td class="id">${escapeHtml(r.identifier)}</td><td>${statusCell(r.status)}</td>` +
        `<td class="date received">${escapeHtml(r.received ?? '')}</td><td class="date due">${escapeHtml(r.dueBy ?? '')}</td><td class="date settled">${settledCell(r)}</td>` +
        `<td class="id">${escapeHtml(r.objectIds.join(' '))}</td><td class="id">${escapeHtml(r.jobId ?? '')}</td><td>${notesCell(section, r)}</td></tr>`,
    )
    .join('\n');
  const more = kept.more > 0 ? `<p class="more">… and ${kept.more} more, see results.csv.</p>` : '';
  return `<table><thead><tr><th>Row</th><th>Request</th><th>Identifier</th><th>Status</th><th>Received</th><th>Due by</th><th>Settled</th><th>Stripe objects</th><th>Job</th><th>${detail}</th></tr></thead><tbody>\n${body}\n</tbody></table>${more}`;
}

/** The rows settled after their due date: when each was due, when it was settled, how late. */
function settledLateTable(kept: ReportSection): string {
  if (kept.rows.length === 0) return '<p class="none">None.</p>';
  const body = kept.rows
    .map(
      (r) =>
        `<tr data-status="${escapeHtml(r.status)}"><td class="n">${r.row}</td><td class="id request-id">${escapeHtml(r.requestId ?? '')}</td><td class="id">${escapeHtml(r.identifier)}</td><td>${statusCell(r.status)}</td>` +
        `<td class="date received">${escapeHtml(r.received ?? '')}</td><td class="date due">${escapeHtml(r.dueBy ?? '')}</td><td class="date settled">${escapeHtml(r.settledOn ?? '')}</td><td class="n late-by">${r.daysLate ?? ''}</td></tr>`,
    )
    .join('\n');
  const more = kept.more > 0 ? `<p class="more">… and ${kept.more} more, see summary.json.</p>` : '';
  return `<table class="late-list"><thead><tr><th>Row</th><th>Request</th><th>Identifier</th><th>Status</th><th>Received</th><th>Due by</th><th>Settled</th><th>Days late</th></tr></thead><tbody>\n${body}\n</tbody></table>${more}`;
}

function legend(): string {
  const items = ROW_STATUSES.map((status) => `<dt>${escapeHtml(STATUS_WORDS[status].label)} <code>${status}</code></dt><dd>${escapeHtml(STATUS_WORDS[status].legend)}</dd>`);
  return `<dl class="legend">${items.join('')}</dl>`;
}

/** The whole report as one HTML document (pure: the same input gives the same text). */
export function renderReportHtml(header: ReportHeader, collected: ReportCollector): string {
  const field = (name: string, value: string, cls = '') => `<dt>${name}</dt><dd${cls ? ` class="${cls}"` : ''}>${escapeHtml(value)}</dd>`;
  const countRows = ROW_STATUSES.map((s) => `<tr data-status="${s}"><td>${escapeHtml(STATUS_WORDS[s].label)} <span class="code">${s}</span></td><td class="n">${collected.counts[s]}</td></tr>`).join('');
  const preview = isPreview(header.mode);
  const count = (s: SectionName) => collected.sections[s].rows.length + collected.sections[s].more;
  const sections = [
    `<h2 id="needs-a-person">What needs a person</h2>`,
    ...NEEDING.map((s) => `<section id="${s}"><h3>${TITLES[s as Exclude<SectionName, 'fixes'>]} (${count(s)})</h3>${rowsTable(s, collected.sections[s], header.mode)}</section>`),
    // Stripe's schedule needs no person: listed with why, apart from what does.
    `<section id="redaction_pending"><h2>${TITLES.redaction_pending} (${count('redaction_pending')})</h2>${rowsTable('redaction_pending', collected.sections.redaction_pending, header.mode)}</section>`,
    `<div id="settled-late"><h2>Settled late: closed after their due date (${collected.settledLate})</h2>${settledLateTable(collected.settledLateRows)}</div>`,
    `<section id="fixes"><h2>${fixesTitle(header.mode)} (${count('fixes')})</h2>${rowsTable('fixes', collected.sections.fixes, header.mode)}</section>`,
    `<section id="rest"><h2>${TITLES.rest} (${count('rest')})</h2>${rowsTable('rest', collected.sections.rest, header.mode)}</section>`,
  ];
  const banner = preview
    ? `<p class="preview" role="note">Preview (${escapeHtml(header.mode)} run): nothing was erased in Stripe. Statuses and fixes say what a redact run would do.</p>\n`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stripe-redact ${preview ? 'preview' : 'report'} ${escapeHtml(header.runId)}</title>
<style>${CSS}${preview ? PREVIEW_PAGE_CSS(header.mode === 'plan' ? 'plan' : 'validate') : ''}</style></head>
<body${preview ? ' class="is-preview"' : ''}>
${banner}<h1>Deletion requests: ${preview ? 'preview' : 'report'} of run ${escapeHtml(header.runId)}</h1>
<p class="summary">${escapeHtml(summarySentence(header.mode, collected))}</p>
<dl class="run">
${field('Account', header.account ?? 'unknown')}
${field('Mode', `${header.livemode ? 'LIVE' : 'test'} mode, ${header.mode} run${preview ? ' (a preview: nothing was erased)' : ''}${header.interrupted ? ' (interrupted: run again to continue)' : ''}`, header.livemode ? 'live' : '')}
${field('Run', header.runId)}
${field('Started', header.startedAt)}
${field('Ended', header.endedAt)}
${field('Input', header.input)}
${field('Input SHA-256', header.inputSha256)}
${header.identifierColumn === undefined ? '' : field('Identifier column', header.identifierColumn)}
${field('results.csv SHA-256', header.resultsSha256)}
${field('Rows', String(collected.rows))}
${header.deadline ? field('Deadline', `${header.deadline} from receipt`) : ''}
</dl>
<h2 id="legend">What each status means</h2>
${legend()}
<h2 id="counts">Rows per status</h2>
${countsChart(collected.counts)}
<table class="counts"><thead><tr><th>Status</th><th>Rows</th></tr></thead><tbody>${countRows}</tbody></table>
${sections.join('\n')}
${header.extraSections ?? ''}
<p class="none">Every row, with every column, is in results.csv beside this file.</p>
</body></html>
`;
}

/** Writes the report atomically, owner-only (it holds the requests' emails). */
export async function writeReportHtml(path: string, header: ReportHeader, collected: ReportCollector): Promise<void> {
  await writeTextFileAtomic(path, renderReportHtml(header, collected));
}
