/**
 * Every status in plain words, for report.html: a label for the rows, a legend sentence, and the
 * tally the opening sentence counts it under.
 */
import { ROW_STATUSES, type RowStatus } from '../domain/row-status.js';
import { escapeHtml } from './escape-html.js';

/** How the opening sentence counts a status: each tally is one phrase of it. */
export type Tally = 'erased' | 'held' | 'no_data' | 'would_erase' | 'found' | 'person' | 'unusable' | 'in_progress' | 'not_request';

/**
 * Every status in plain words: a short label for the rows, a sentence for the legend, and the
 * tally of the opening sentence. One line per status (docs/contract.md#result-csv status table).
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

export function legend(): string {
  const items = ROW_STATUSES.map((status) => `<dt>${escapeHtml(STATUS_WORDS[status].label)} <code>${status}</code></dt><dd>${escapeHtml(STATUS_WORDS[status].legend)}</dd>`);
  return `<dl class="legend">${items.join('')}</dl>`;
}
