/**
 * The certificate of erasure as one printable, self-contained page (like report.html): inline CSS,
 * no script, no external asset. Every value goes through {@link escapeHtml}: identifiers are hostile.
 */
import type { Certificate } from '../domain/certificate.js';
import { escapeHtml } from './escape-html.js';

const CSS = `
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;margin:2em auto;max-width:900px;padding:0 1em}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .4em;border-bottom:1px solid #ccc;padding-bottom:.2em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:0}dt{color:#555}dd{margin:0;word-break:break-all}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.25em .45em;text-align:left;vertical-align:top}th{background:#f2f2f2}
.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;word-break:break-all}.live{color:#a00;font-weight:bold}.none{color:#555}
@media print{body{margin:0;max-width:none;font-size:11px}th{background:none}tr{break-inside:avoid}h2{break-after:avoid}}
`;

/** The certificate as HTML (pure: the same certificate gives the same text). */
export function renderCertificateHtml(c: Certificate): string {
  const e = (value: string | number | null | undefined) => escapeHtml(value === null || value === undefined ? '—' : String(value));
  const field = (name: string, value: string | number | null | undefined, cls = '') => `<dt>${escapeHtml(name)}</dt><dd${cls ? ` class="${cls}"` : ''}>${e(value)}</dd>`;
  const table = (head: string[], rows: string[][]) =>
    rows.length === 0
      ? '<p class="none">None.</p>'
      : `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
  const list = (items: string[]) => (items.length === 0 ? '' : `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);
  const mode = c.livemode === null ? 'unknown' : c.livemode ? 'LIVE mode' : 'test mode';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Certificate of erasure ${e(c.requestKey)}</title>
<style>${CSS}</style></head>
<body>
<h1>Certificate of erasure</h1>
<p>What the records of stripe-redact hold about one data-subject deletion request, as of ${e(c.issuedAt)}.</p>
<h2 id="request">The request</h2>
<dl>
${field('Identifier', c.identifier, 'id')}
${field('Kind', c.identifierType)}
${field('Request key', c.requestKey, 'id')}
${field('Status', c.status)}
${field('Status as of', c.statusAt)}
${field('Stripe account', c.account, 'id')}
${field('Mode', mode, c.livemode ? 'live' : '')}
${field('State', c.state, 'id')}
${field('Tool version', c.toolVersion)}
</dl>
${table(
  ['Request id', 'Received', 'Due by', 'Extension notified', 'Settled on', 'Outcome', 'Why not erased'],
  c.requests.map((r) => [`<span class="id">${e(r.requestId)}</span>`, e(r.received ?? `${r.firstSeen} (first seen)`), e(r.dueBy), e(r.extendedOn), e(r.settledOn), e(r.outcome), e(r.basis)]),
)}
<h2 id="objects">Stripe objects, as Stripe last stated them</h2>
${table(
  ['Object', 'Status', 'Stripe stated', 'Read at', 'Verified redacted at', "What Stripe's fix changed", 'Still blocked by'],
  c.objects.map((o) => [
    `<span class="id">${e(o.id)}</span>`,
    e(o.status),
    e(o.stripeStated ?? 'not read yet'),
    e(o.readAt ?? o.statedAt),
    e(o.verifiedAt),
    list(o.fixes.map((f) => `${f.blocked}: ${f.fix}`)),
    list(o.blockers),
  ]),
)}
<h2 id="jobs">Redaction jobs</h2>
${table(
  ['Job', 'Status', 'Validation behaviour', 'Status changes'],
  c.jobs.map((j) => [`<span class="id">${e(j.jobId ?? '(never created at Stripe)')}</span>`, e(j.status), e(j.validationBehavior), list(j.events.map((ev) => `${ev.at} ${ev.status}`))]),
)}
<h2 id="runs">Runs, with their ledger entries</h2>
${table(
  ['Run', 'Mode', 'Started', 'Ended', 'Input SHA-256', 'Ledger entry', 'Entry hash'],
  c.runs.map((r) => [`<span class="id">${e(r.runId)}</span>`, e(r.mode), e(r.startedAt), e(r.endedAt), `<span class="id">${e(r.inputSha256)}</span>`, e(r.ledgerEntry), `<span class="id">${e(r.ledgerHash)}</span>`]),
)}
<p>Check the entries with <span class="id">stripe-redact ledger verify</span>: each hash chains to the one before, so a changed or removed run shows.</p>
<h2 id="recipients">Who else received this account's personal data</h2>
${
  c.recipients === null
    ? '<p class="none">Not known: no run of this request could read the account\'s webhook endpoints.</p>'
    : `<p>Webhook endpoints that run ${e(c.recipients.runId)} found enabled for events that carry personal data: they may hold copies this erasure did not reach, and should be told (GDPR art. 19).</p>${table(
        ['Endpoint', 'Host', 'Status', 'Events'],
        c.recipients.endpoints.map((r) => [`<span class="id">${e(r.id)}</span>`, e(r.host), e(r.status), list(r.eventTypes)]),
      )}`
}
<h2 id="scope">What this certificate covers</h2>
${list(c.scope.covers)}
<h2 id="limits">What it cannot cover</h2>
${list(c.scope.cannot)}
</body></html>
`;
}
