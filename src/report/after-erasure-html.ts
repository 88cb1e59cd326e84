/**
 * report.html's sections on the time after the erasure (issue 18): people who came back, and who
 * else received these people's data. Every value from Stripe or the input is escaped.
 */
import type { Recipient } from '../domain/recipients.js';
import type { ReappearedRow } from './after-erasure-files.js';
import { escapeHtml } from './escape-html.js';

export interface AfterErasureFacts {
  /** Reappearances found by this run's watch; null when no watch ran. */
  reappeared: readonly ReappearedRow[] | null;
  /** Why the watch fell back or was skipped. */
  watchNote?: string;
  /** Null when the endpoints could not be read. */
  recipients: readonly Recipient[] | null;
}

export function renderAfterErasureSections(facts: AfterErasureFacts): string {
  const parts: string[] = [];
  if (facts.reappeared !== null) {
    const note = facts.watchNote ? `<p>${escapeHtml(facts.watchNote)}.</p>` : '';
    const body =
      facts.reappeared.length === 0
        ? '<p class="none">No one whose request was erased has come back since the last watch.</p>'
        : `<p>These customers were written with the email of a request already erased, after it was settled. Nothing was done to them: a person decides whether this is a customer who came back (lawful) or data re-imported by mistake (put its customer id in the next input: the email alone is settled and is not looked up again; and find the system that re-imported it).</p>
<table><thead><tr><th>Customer</th><th>Created</th><th>Request</th><th>Request id</th><th>Settled on</th></tr></thead><tbody>
${facts.reappeared
  .map(
    (r) =>
      `<tr><td class="id">${escapeHtml(r.customerId)}</td><td>${escapeHtml(r.customerCreated)}</td><td class="id">${escapeHtml(r.requestKey)}</td><td class="id">${escapeHtml(r.requestId ?? '')}</td><td>${escapeHtml(r.settledOn)}</td></tr>`,
  )
  .join('\n')}
</tbody></table><p>The same list is in reappeared.csv.</p>`;
    parts.push(`<section id="reappeared"><h2>People who came back after their erasure (${facts.reappeared.length})</h2>${note}${body}</section>`);
  }
  let recipients: string;
  if (facts.recipients === null) {
    recipients = '<p class="none">Not known: the key may not read the account\'s webhook endpoints (Webhook Endpoints: Read).</p>';
  } else if (facts.recipients.length === 0) {
    recipients = '<p class="none">No webhook endpoint of this account receives events that carry personal data.</p>';
  } else {
    recipients = `<p>Stripe's redaction reaches Stripe's own copies, not what it already delivered. These webhook endpoints of the account receive events that carry personal data, so the systems behind them may still hold copies: tell their owners (GDPR art. 19, CCPA §7022(b)) and have them delete what they hold under the Stripe ids in downstream.csv.</p>
<table><thead><tr><th>Endpoint</th><th>Host</th><th>Status</th><th>Event types with personal data</th></tr></thead><tbody>
${facts.recipients
  .map((r) => `<tr><td class="id">${escapeHtml(r.id)}</td><td class="id">${escapeHtml(r.host)}</td><td>${escapeHtml(r.status)}</td><td>${escapeHtml(r.eventTypes.join(', '))}</td></tr>`)
  .join('\n')}
</tbody></table>`;
  }
  parts.push(`<section id="recipients"><h2>Who else received these people's data</h2>${recipients}</section>`);
  return parts.join('\n');
}
