/**
 * `<out>/report.html`: the run's report for a person (design.md "Result CSV": "the same run for a
 * person"). Self-contained — inline CSS, an inline SVG chart, no script, no external asset, no
 * network — and printable. Built from the very rows written to results.csv ({@link ReportCollector}
 * is fed each `ResultRow`), so its numbers are results.csv's. Rows stream past it: it keeps every
 * count, but full rows only up to a cap per section, so a million-row run stays small in memory.
 *
 * Every value from the input or from Stripe goes through {@link escapeHtml}: identifiers are hostile.
 */
import { ROW_STATUSES, isSettled, type RowStatus } from '../domain/row-status.js';
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
  /** Which column the identifiers were read from, and why (`"Requester email": 46 of 46 sampled values …`). */
  identifierColumn?: string;
}

/** A row as the HTML shows it. */
export interface ReportRow {
  row: number;
  identifier: string;
  status: string;
  objectIds: string[];
  jobId: string | null;
  dueBy: string | null;
  fixes: string[];
  messages: string[];
}

/** A section's rows, at most the cap, and how many more there were. */
export interface ReportSection {
  rows: ReportRow[];
  more: number;
}

/** The sections of the report, in the order they are shown. */
export const SECTIONS = ['overdue', 'needs_action', 'failed', 'invalid', 'pending', 'fixes', 'rest'] as const;
export type SectionName = (typeof SECTIONS)[number];

const TITLES: Record<SectionName, string> = {
  overdue: 'Overdue: not settled by their due date',
  needs_action: 'Needs action: what to do',
  failed: 'Failed: what went wrong',
  invalid: 'Invalid rows: no usable identifier',
  pending: 'Pending: the next run continues these',
  fixes: "Fixes applied: what Stripe's fix changed",
  rest: 'All other rows',
};

/**
 * Collects the rows of one report as they stream past: counts per status (every status, zeros
 * included), and up to `cap` rows per section. A row needing a person goes to its first matching
 * section (overdue before its status); a settled row with fixes goes to `fixes`; any other to `rest`.
 */
export class ReportCollector {
  readonly counts: Record<RowStatus, number> = Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])) as Record<RowStatus, number>;
  readonly sections: Record<SectionName, ReportSection> = Object.fromEntries(SECTIONS.map((s) => [s, { rows: [], more: 0 }])) as unknown as Record<
    SectionName,
    ReportSection
  >;
  rows = 0;
  readonly #identifierColumn: number;
  readonly #today: string;
  readonly #cap: number;

  /**
   * @param identifierColumn 0-based column of the identifier in each row's input fields.
   * @param today `YYYY-MM-DD`: a row not settled whose `due_by` is before it is overdue.
   */
  constructor(identifierColumn: number, today: string, cap = DEFAULT_SECTION_CAP) {
    this.#identifierColumn = identifierColumn;
    this.#today = today;
    this.#cap = cap;
  }

  add(result: ResultRow): void {
    this.rows += 1;
    const status = result.status as RowStatus;
    if (status in this.counts) this.counts[status] += 1;
    const section = this.#sectionOf(status, result);
    const kept = this.sections[section];
    if (kept.rows.length >= this.#cap) {
      kept.more += 1;
      return;
    }
    kept.rows.push({
      row: result.row,
      identifier: result.fields[this.#identifierColumn] ?? '',
      status: result.status,
      objectIds: result.objectIds,
      jobId: result.jobId,
      dueBy: result.dueBy,
      fixes: result.fixes,
      messages: result.messages,
    });
  }

  #sectionOf(status: RowStatus, result: ResultRow): SectionName {
    const settled = isSettled(status);
    if (!settled && result.dueBy !== null && result.dueBy < this.#today) return 'overdue';
    switch (status) {
      case 'needs_action':
      case 'failed':
      case 'invalid':
      case 'pending':
        return status;
      default:
        return result.fixes.length > 0 ? 'fixes' : 'rest';
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
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:0}dl.run dt{color:#555}dl.run dd{margin:0;word-break:break-all}
.live{color:#a00;font-weight:bold}
table{border-collapse:collapse;width:100%;margin:.3em 0}th,td{border:1px solid #ccc;padding:.25em .45em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}
td ul{margin:0;padding-left:1.1em}.id{word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
.more{color:#555;font-style:italic}.none{color:#555}
svg.chart text{font:12px system-ui,sans-serif}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}tr{break-inside:avoid}th{background:none}a{color:inherit}}
`;

/** Bar colours per status: settled ones calm, those needing a person warm. */
const COLOURS: Record<RowStatus, string> = {
  redacted: '#2e7d32',
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

function rowsTable(section: SectionName, kept: ReportSection): string {
  if (kept.rows.length === 0) return '<p class="none">None.</p>';
  const detail = section === 'fixes' ? 'Fixes' : 'What to know / do';
  const body = kept.rows
    .map(
      (r) =>
        `<tr data-status="${escapeHtml(r.status)}"><td class="n">${r.row}</td><td class="id">${escapeHtml(r.identifier)}</td><td>${escapeHtml(r.status)}</td><td class="id">${escapeHtml(
          r.objectIds.join(' '),
        )}</td><td class="id">${escapeHtml(r.jobId ?? '')}</td><td>${escapeHtml(r.dueBy ?? '')}</td><td>${list(section === 'fixes' ? r.fixes : r.messages)}</td></tr>`,
    )
    .join('\n');
  const more = kept.more > 0 ? `<p class="more">… and ${kept.more} more, see results.csv.</p>` : '';
  return `<table><thead><tr><th>Row</th><th>Identifier</th><th>Status</th><th>Stripe objects</th><th>Job</th><th>Due by</th><th>${detail}</th></tr></thead><tbody>\n${body}\n</tbody></table>${more}`;
}

/** The whole report as one HTML document (pure: the same input gives the same text). */
export function renderReportHtml(header: ReportHeader, collected: ReportCollector): string {
  const field = (name: string, value: string, cls = '') => `<dt>${name}</dt><dd${cls ? ` class="${cls}"` : ''}>${escapeHtml(value)}</dd>`;
  const countRows = ROW_STATUSES.map((s) => `<tr data-status="${s}"><td>${s}</td><td class="n">${collected.counts[s]}</td></tr>`).join('');
  const needing = SECTIONS.filter((s) => s !== 'fixes' && s !== 'rest');
  const sections = [
    `<h2 id="needs-a-person">What needs a person</h2>`,
    ...needing.map((s) => `<section id="${s}"><h3>${TITLES[s]} (${collected.sections[s].rows.length + collected.sections[s].more})</h3>${rowsTable(s, collected.sections[s])}</section>`),
    `<section id="fixes"><h2>${TITLES.fixes} (${collected.sections.fixes.rows.length + collected.sections.fixes.more})</h2>${rowsTable('fixes', collected.sections.fixes)}</section>`,
    `<section id="rest"><h2>${TITLES.rest} (${collected.sections.rest.rows.length + collected.sections.rest.more})</h2>${rowsTable('rest', collected.sections.rest)}</section>`,
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stripe-redact report ${escapeHtml(header.runId)}</title>
<style>${CSS}</style></head>
<body>
<h1>Deletion requests: report of run ${escapeHtml(header.runId)}</h1>
<dl class="run">
${field('Account', header.account ?? 'unknown')}
${field('Mode', `${header.livemode ? 'LIVE' : 'test'} mode, ${header.mode} run${header.interrupted ? ' (interrupted: run again to continue)' : ''}`, header.livemode ? 'live' : '')}
${field('Run', header.runId)}
${field('Started', header.startedAt)}
${field('Ended', header.endedAt)}
${field('Input', header.input)}
${field('Input SHA-256', header.inputSha256)}
${header.identifierColumn === undefined ? '' : field('Identifier column', header.identifierColumn)}
${field('results.csv SHA-256', header.resultsSha256)}
${field('Rows', String(collected.rows))}
</dl>
<h2 id="counts">Rows per status</h2>
${countsChart(collected.counts)}
<table class="counts"><thead><tr><th>Status</th><th>Rows</th></tr></thead><tbody>${countRows}</tbody></table>
${sections.join('\n')}
<p class="none">Every row, with every column, is in results.csv beside this file.</p>
</body></html>
`;
}

/** Writes the report atomically, owner-only (it holds the requests' emails). */
export async function writeReportHtml(path: string, header: ReportHeader, collected: ReportCollector): Promise<void> {
  await writeTextFileAtomic(path, renderReportHtml(header, collected));
}
