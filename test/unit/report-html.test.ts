import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { ROW_STATUSES } from '../../src/domain/row-status.js';
import { escapeHtml } from '../../src/report/escape-html.js';
import { ReportCollector, type ReportRowFacts } from '../../src/report/report-collector.js';
import { renderReportHtml, type ReportHeader } from '../../src/report/report-html.js';
import { STATUS_WORDS } from '../../src/report/status-words.js';
import { summarySentence } from '../../src/report/summary-sentence.js';
import type { ResultRow } from '../../src/report/result-writer.js';

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

  it('puts unsettled rows past their due date first, settled rows with fixes under fixes, and lists settled-late rows apart too', () => {
    const collector = new ReportCollector(1, '2026-11-29');
    collector.add(row(1, 'needs_action', { dueBy: '2026-11-28' }));
    collector.add(row(2, 'needs_action', { dueBy: '2026-11-29' }));
    collector.add(row(3, 'redacted', { dueBy: '2026-11-01', fixes: ['canceled PaymentIntent pi_1'] }));
    collector.add(row(4, 'failed'));
    collector.add(row(5, 'redacted', { dueBy: '2026-11-29', fixes: ['canceled PaymentIntent pi_5'] }));
    // A preview's planned row erased nothing: past its due date it is overdue too.
    collector.add(row(6, 'planned', { dueBy: '2026-11-02' }));
    expect(collector.sections.overdue.rows.map((r) => r.row)).toEqual([1, 6]);
    expect(collector.sections.needs_action.rows.map((r) => r.row)).toEqual([2]);
    expect(collector.settledLateRows.rows.map((r) => [r.row, r.settledOn, r.daysLate])).toEqual([[3, '2026-11-29', 28]]);
    expect(collector.sections.fixes.rows.map((r) => [r.row, r.fixes])).toEqual([
      [3, ['canceled PaymentIntent pi_1']],
      [5, ['canceled PaymentIntent pi_5']],
    ]);
    expect(collector.sections.failed.rows.map((r) => r.row)).toEqual([4]);
    expect([collector.overdue, collector.settledLate]).toEqual([2, 1]);
  });
});

const facts = (extra: Partial<ReportRowFacts> = {}): ReportRowFacts => ({ requestId: null, received: null, settledOn: null, daysLate: null, overdue: false, ...extra });

/** The page's text with runs of white space made one space, as a reader sees it. */
const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();

describe('report.html of a redact run', () => {
  const collector = new ReportCollector(1, '2026-11-29');
  collector.add(row(1, 'redacted', { dueBy: '2026-12-01' }), facts({ requestId: 'DSR-1001', received: '2026-11-01', settledOn: '2026-11-29', daysLate: -2 }));
  collector.add(row(2, 'redacted', { dueBy: '2026-11-20', fixes: ['canceled PaymentIntent pi_2'] }), facts({ requestId: 'DSR-1002', received: '2026-10-20', settledOn: '2026-11-29', daysLate: 9 }));
  collector.add(row(3, 'not_found', { dueBy: '2026-12-05' }), facts({ requestId: 'DSR-1003', received: '2026-11-05', settledOn: '2026-11-29', daysLate: -6 }));
  collector.add(
    row(4, 'needs_action', { dueBy: '2026-11-25', messages: ['Charge disputed. — settle what holds the charge ch_4'], commands: ['--mode validate --validation-behavior fix'] }),
    facts({ requestId: 'DSR-1004', received: '2026-10-25', overdue: true }),
  );
  collector.add(row(5, 'invalid', { messages: ['neither an email nor a Stripe id'] }), facts({ requestId: 'DSR-1005' }));
  const { document } = new JSDOM(renderReportHtml({ ...HEADER, deadline: '1m' }, collector)).window;

  it('opens with one sentence saying what became of the requests, late and overdue ones included', () => {
    expect(text(document.querySelector('p.summary'))).toBe('Of 5 requests, 2 are erased, 1 had no data in Stripe, 1 needs a person, 1 is unusable; 1 was erased late, 1 is overdue.');
    // It comes right after the title, before the run's details.
    expect(document.querySelector('h1')?.nextElementSibling?.className).toBe('summary');
    expect(document.querySelector('.preview')).toBeNull();
    expect(document.querySelector('style')?.textContent).not.toMatch(/PREVIEW|@top-center/);
  });

  it('explains every status in plain words', () => {
    const terms = [...document.querySelectorAll('dl.legend dt code')].map((c) => c.textContent);
    expect(terms).toEqual([...ROW_STATUSES]);
    const meanings = [...document.querySelectorAll('dl.legend dd')].map((dd) => dd.textContent);
    expect(meanings).toEqual(ROW_STATUSES.map((s) => STATUS_WORDS[s].legend));
    for (const meaning of meanings) expect(meaning).not.toMatch(/_/);
  });

  it("shows each row's request id, received, due and settled dates, and how late", () => {
    const lateList = [...document.querySelectorAll('#settled-late tbody tr')];
    expect(lateList).toHaveLength(1);
    expect(text(document.querySelector('#settled-late h2'))).toBe('Settled late: closed after their due date (1)');
    expect(text(lateList[0]?.querySelector('.request-id'))).toBe('DSR-1002');
    expect(text(lateList[0]?.querySelector('.due'))).toBe('2026-11-20');
    expect(text(lateList[0]?.querySelector('.settled'))).toBe('2026-11-29');
    expect(text(lateList[0]?.querySelector('.late-by'))).toBe('9');
    // In its own section, the row shows its dates and how late, beside the fixes applied.
    const late = document.querySelector('#fixes tbody tr');
    expect(text(late?.querySelector('.request-id'))).toBe('DSR-1002');
    expect(text(late?.querySelector('.received'))).toBe('2026-10-20');
    expect(text(late?.querySelector('.due'))).toBe('2026-11-20');
    expect(text(late?.querySelector('.settled'))).toBe('2026-11-29 9 days late');
    expect(text(late)).toContain('canceled PaymentIntent pi_2');
    const ids = [...document.querySelectorAll('section td.request-id')].map((td) => td.textContent);
    expect(ids.sort()).toEqual(['DSR-1001', 'DSR-1002', 'DSR-1003', 'DSR-1004', 'DSR-1005']);
    // Settled in time: a date, and no lateness.
    const inTime = [...document.querySelectorAll('#rest tbody tr')].map((tr) => text(tr.querySelector('.settled')));
    expect(inTime).toEqual(['2026-11-29', '2026-11-29']);
  });

  it("gives the advice in words and the operator's command apart", () => {
    const overdue = document.querySelector('#overdue tbody tr');
    const cell = overdue?.querySelector('td:last-child');
    expect(text(cell?.querySelector('.operator'))).toBe('For the operator: run again with --mode validate --validation-behavior fix');
    expect(cell?.querySelector('.operator code')?.textContent).toBe('--mode validate --validation-behavior fix');
    const words = text(cell).replace(text(cell?.querySelector('.operator')), '');
    expect(words).toBe('Charge disputed. — settle what holds the charge ch_4');
    expect(text(overdue?.querySelector('td:nth-child(4)'))).toBe('needs a person needs_action');
  });

  it('lists the fixes Stripe applied under that title', () => {
    expect(text(document.querySelector('#fixes h2'))).toMatch(/^Fixes applied: what Stripe's fix changed/);
  });
});

describe('report.html of a preview', () => {
  for (const mode of ['validate', 'plan']) {
    it(`of a ${mode} run says it is a preview, on every printed page, and lists no fix as applied`, () => {
      const collector = new ReportCollector(1, '2026-11-29', undefined, mode);
      collector.add(row(1, mode === 'validate' ? 'ready' : 'planned', { fixes: ['would cancel PaymentIntent pi_1'] }));
      // Erased by an earlier run: its fix was applied then, and is no fix this preview would apply.
      collector.add(row(2, 'redacted', { fixes: ['canceled PaymentIntent pi_2'] }));
      collector.add(row(3, mode === 'validate' ? 'ready' : 'planned', { dueBy: '2026-11-01' }));
      const html = renderReportHtml({ ...HEADER, mode }, collector);
      const { document } = new JSDOM(html).window;
      const banner = document.querySelector('.preview');
      expect(text(banner)).toBe(`Preview (${mode} run): nothing was erased in Stripe. Statuses and fixes say what a redact run would do.`);
      // Printed, every page says it in its top margin (a paged-media margin box), covering nothing.
      expect(document.querySelector('style')?.textContent).toContain(`@page{@top-center{content:"PREVIEW (${mode} run): nothing was erased"`);
      expect(document.title).toMatch(/preview/);
      expect(text(document.querySelector('p.summary'))).toMatch(/This was a preview: nothing was erased\.$/);
      expect(text(document.querySelector('p.summary'))).toMatch(/1 is overdue/);
      expect(html).not.toMatch(/Fixes applied/);
      expect(text(document.querySelector('#fixes h2'))).toBe('Fixes a redact run would apply (nothing was changed) (1)');
      expect(text(document.querySelector('#fixes tbody'))).toContain('would cancel PaymentIntent pi_1');
      expect(text(document.querySelector('#fixes tbody'))).not.toContain('canceled');
      expect(text(document.querySelector('#fixes thead'))).toContain('Fixes a redact run would apply');
    });
  }
});

describe('summarySentence', () => {
  const counts = (c: Partial<Record<(typeof ROW_STATUSES)[number], number>>) => ({ ...Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])), ...c }) as Record<(typeof ROW_STATUSES)[number], number>;
  it('reads like the issue asks', () => {
    expect(summarySentence('redact', { counts: counts({ redacted: 30, already_redacted: 1, not_found: 9, needs_action: 3, failed: 1, invalid: 2 }), overdue: 0, settledLate: 3, erasedLate: 3 })).toBe(
      'Of 46 requests, 31 are erased, 9 had no data in Stripe, 4 need a person, 2 are unusable; 3 were erased late.',
    );
    // Some of the late ones were closed without an erasure (no data in Stripe).
    expect(summarySentence('redact', { counts: counts({ redacted: 2, not_found: 1, needs_action: 2 }), overdue: 2, settledLate: 3, erasedLate: 2 })).toBe(
      'Of 5 requests, 2 are erased, 1 had no data in Stripe, 2 need a person; 3 were settled late, 2 are overdue.',
    );
    expect(summarySentence('validate', { counts: counts({ ready: 1 }), overdue: 0, settledLate: 0 })).toBe('Of 1 request, 1 would be erased by a redact run. This was a preview: nothing was erased.');
    expect(summarySentence('redact', { counts: counts({}), overdue: 0, settledLate: 0 })).toBe('The input holds no request.');
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
    expect(document.querySelector('table.counts tr[data-status="redaction_pending"]')?.textContent).toBe('erased, held by Stripe redaction_pending2');
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
