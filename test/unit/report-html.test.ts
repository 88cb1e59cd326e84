import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { ReportCollector, escapeHtml, renderReportHtml, type ReportHeader } from '../../src/io/report-html.js';
import type { ResultRow } from '../../src/io/result-writer.js';

const HEADER: ReportHeader = {
  account: 'acct_1',
  livemode: true,
  mode: 'redact',
  runId: 'run_1',
  startedAt: '2026-11-29T09:00:00.000Z',
  endedAt: '2026-11-29T09:01:00.000Z',
  input: 'in.csv',
  inputSha256: 'a'.repeat(64),
  resultsSha256: 'b'.repeat(64),
  interrupted: false,
};

function row(n: number, status: string, extra: Partial<ResultRow> = {}): ResultRow {
  return {
    fields: [`R${n}`, `p${n}@example.com`],
    row: n,
    identifierType: 'email',
    status,
    objectIds: [],
    jobId: null,
    earlierJobIds: [],
    blockingCodes: [],
    fixes: [],
    messages: [],
    dueBy: null,
    runId: 'run_1',
    livemode: true,
    updatedAt: HEADER.endedAt,
    verifiedAt: null,
    ...extra,
  };
}

describe('ReportCollector', () => {
  it('counts every row but keeps at most the cap per section, saying how many more results.csv has', () => {
    const collector = new ReportCollector(1, '2026-11-29', 2);
    for (let n = 1; n <= 5; n += 1) collector.add(row(n, 'redacted'));
    collector.add(row(6, 'needs_action', { messages: ['cancel it'] }));
    expect(collector.counts).toMatchObject({ redacted: 5, needs_action: 1, failed: 0 });
    expect(collector.sections.rest.rows.map((r) => r.row)).toEqual([1, 2]);
    expect(collector.sections.rest.more).toBe(3);
    const { document } = new JSDOM(renderReportHtml(HEADER, collector)).window;
    expect(document.querySelector('#rest .more')?.textContent).toBe('… and 3 more, see results.csv.');
    expect(document.querySelector('#rest h2')?.textContent).toContain('(5)');
    expect(document.querySelector('dd.live')?.textContent).toContain('LIVE mode');
  });

  it('puts unsettled rows past their due date first, settled rows with fixes under fixes', () => {
    const collector = new ReportCollector(1, '2026-11-29');
    collector.add(row(1, 'needs_action', { dueBy: '2026-11-28' }));
    collector.add(row(2, 'needs_action', { dueBy: '2026-11-29' }));
    collector.add(row(3, 'redacted', { dueBy: '2026-11-01', fixes: ['canceled PaymentIntent pi_1'] }));
    collector.add(row(4, 'failed'));
    expect(collector.sections.overdue.rows.map((r) => r.row)).toEqual([1]);
    expect(collector.sections.needs_action.rows.map((r) => r.row)).toEqual([2]);
    expect(collector.sections.fixes.rows.map((r) => [r.row, r.fixes])).toEqual([[3, ['canceled PaymentIntent pi_1']]]);
    expect(collector.sections.failed.rows.map((r) => r.row)).toEqual([4]);
  });

  it('counts and lists redaction_pending rows with why, apart from what needs a person, and overdue past their due date', () => {
    const collector = new ReportCollector(1, '2026-11-29');
    const why = 'ch_1: Stripe holds it until it is eligible for redaction (redaction.status validated: charges younger than 90 days wait); eligible from 2027-02-01';
    collector.add(row(1, 'redaction_pending', { messages: [why], dueBy: '2026-12-10' }));
    collector.add(row(2, 'redaction_pending', { dueBy: '2026-11-28' }));
    expect(collector.counts.redaction_pending).toBe(2);
    expect(collector.sections.redaction_pending.rows.map((r) => r.row)).toEqual([1]);
    expect(collector.sections.overdue.rows.map((r) => r.row)).toEqual([2]);
    const { document } = new JSDOM(renderReportHtml(HEADER, collector)).window;
    expect(document.querySelector('table.counts tr[data-status="redaction_pending"]')?.textContent).toBe('redaction_pending2');
    const section = document.querySelector('section#redaction_pending');
    expect(section?.querySelector('h2')?.textContent).toMatch(/^Redaction pending at Stripe: .*\(1\)$/);
    expect(section?.querySelector('tbody tr')?.textContent).toContain(why);
    // Stripe's schedule needs no person: not under "What needs a person".
    expect([...document.querySelectorAll('section h3')].map((h) => h.textContent).join(' ')).not.toMatch(/Redaction pending/);
  });
});

describe('escapeHtml', () => {
  it('escapes what could end text or an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
