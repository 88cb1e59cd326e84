/**
 * `<out>/report.html`: the run's report for a person (docs/contract.md#result-csv: "the same run for a
 * person"). Self-contained — inline CSS, an inline SVG chart, no script, no external asset, no
 * network — and printable. Built from the very rows written to results.csv ({@link ReportCollector}
 * is fed each `ResultRow`), so its numbers are results.csv's. Rows stream past it: it keeps every
 * count, but full rows only up to a cap per section, so a million-row run stays small in memory.
 *
 * Every value from the input or from Stripe goes through {@link escapeHtml}: identifiers are hostile.
 */
import { ROW_STATUSES, type RowStatus } from '../domain/row-status.js';
import { escapeHtml } from './escape-html.js';
import { isPreview, type ReportCollector, type SectionName } from './report-collector.js';
import { fixesTitle, NEEDING, rowsTable, settledLateTable, TITLES } from './report-tables.js';
import { writeTextFileAtomic } from './result-writer.js';
import { legend, STATUS_WORDS } from './status-words.js';
import { summarySentence } from './summary-sentence.js';

// The collector's names stay importable from here for the pipeline and the commands.
export { ReportCollector, type ReportRowFacts } from './report-collector.js';

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
