/** report.html's row tables: a section's rows, and the rows settled late, each cell escaped. */
import type { RowStatus } from '../domain/row-status.js';
import { escapeHtml } from './escape-html.js';
import type { ReportRow, ReportSection, SectionName } from './report-collector.js';
import { STATUS_WORDS } from './status-words.js';
import { plural } from './summary-sentence.js';

/** Sections that need a person, shown first under one heading. */
export const NEEDING: readonly SectionName[] = ['overdue', 'needs_action', 'failed', 'invalid', 'pending'];

/** Section titles; `fixes` is worded by the run's mode ({@link fixesTitle}). */
export const TITLES: Record<Exclude<SectionName, 'fixes'>, string> = {
  overdue: 'Overdue: not settled by their due date',
  needs_action: 'Needs a person: what blocks it and what to do',
  failed: 'Failed: what went wrong',
  invalid: 'Unusable rows: no email or Stripe id',
  pending: 'In progress: the next run continues these',
  redaction_pending: 'Redaction pending at Stripe: jobs succeeded, Stripe does not show every object redacted yet; the next run reads them again',
  rest: 'All other rows',
};

/** A redact run lists the fixes Stripe applied; a preview, those a redact run would apply. */
export function fixesTitle(mode: string): string {
  return mode === 'redact' ? "Fixes applied: what Stripe's fix changed" : 'Fixes a redact run would apply (nothing was changed)';
}

function list(items: readonly string[]): string {
  if (items.length === 0) return '';
  if (items.length === 1) return escapeHtml(items[0] as string);
  return `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
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

export function rowsTable(section: SectionName, kept: ReportSection, mode: string): string {
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
export function settledLateTable(kept: ReportSection): string {
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
