import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import type { Certificate } from '../../src/domain/certificate.js';
import { renderCertificateHtml } from '../../src/report/certificate-html.js';

const HOSTILE = ['<img src=x onerror=alert(1)>@example.com', '"><script>alert(1)</script>', "'><a href=http://evil.example/>x</a>", '<link rel=stylesheet href=//evil.example/x.css>'];

function certificate(hostile: string): Certificate {
  return {
    kind: 'stripe-redact certificate of erasure',
    issuedAt: '2026-12-06T10:00:00.000Z',
    toolVersion: '0.1.0',
    state: `/tmp/${hostile}/state.db`,
    account: 'acct_1',
    livemode: false,
    identifier: hostile,
    identifierType: 'email',
    requestKey: 'a'.repeat(32),
    requests: [{ requestId: hostile, received: '2026-11-02', firstSeen: '2026-11-02', dueBy: '2026-12-02', extendedOn: null, settledOn: '2026-11-03', outcome: 'erased', basis: null }],
    status: 'redacted',
    statusAt: '2026-11-03T10:00:00.000Z',
    objects: [{ id: `cus_${hostile}`, status: 'redacted', statedAt: '2026-11-03T10:00:00.000Z', stripeStated: hostile, readAt: '2026-11-03T10:05:00.000Z', verifiedAt: '2026-11-03T10:05:00.000Z', fixes: [{ blocked: hostile, fix: hostile }], blockers: [hostile] }],
    jobs: [{ jobId: `prj_${hostile}`, status: 'succeeded', validationBehavior: 'fix', events: [{ status: hostile, at: '2026-11-03T10:00:00.000Z' }] }],
    runs: [{ runId: `run_${hostile}`, mode: 'redact', startedAt: 's', endedAt: 'e', input: hostile, inputSha256: 'b'.repeat(64), ledgerEntry: 1, ledgerHash: 'c'.repeat(64) }],
    recipients: { runId: `run_${hostile}`, endpoints: [{ id: `we_${hostile}`, host: hostile, status: 'enabled', eventTypes: [hostile] }] },
    scope: { covers: ['the account'], cannot: ['webhooks, exports, backups', 'what Stripe keeps for its own legal obligations'] },
  };
}

describe('renderCertificateHtml', () => {
  it.each(HOSTILE)('keeps %s as text: no element, nothing loaded, no script', (hostile) => {
    const html = renderCertificateHtml(certificate(hostile));
    const { document } = new JSDOM(html).window;
    expect(document.querySelectorAll('script, img, a, iframe, object, embed, link, form, base, meta[http-equiv]')).toHaveLength(0);
    const loading = [...document.querySelectorAll('*')].filter((el) => ['src', 'href', 'srcset', 'action', 'data', 'poster'].some((a) => el.hasAttribute(a)));
    expect(loading).toEqual([]);
    expect(document.querySelectorAll('style')).toHaveLength(1);
    const text = document.body.textContent ?? '';
    expect(text).toContain(hostile);
    expect(text.split(hostile).length - 1).toBeGreaterThanOrEqual(7);
    expect(document.title).toBe(`Certificate of erasure ${'a'.repeat(32)}`);
    expect(html).toMatch(/@media print/);
  });

  it('states the scope and its limits in words, and the runs with their ledger hashes', () => {
    const { document } = new JSDOM(renderCertificateHtml(certificate('ada@example.com'))).window;
    expect(document.querySelector('#limits + ul')?.textContent).toMatch(/webhooks, exports, backups/);
    expect(document.querySelector('#runs + table tbody tr')?.textContent).toContain('c'.repeat(64));
    expect(document.querySelector('#objects + table tbody tr')?.textContent).toContain('2026-11-03T10:05:00.000Z');
  });

  it('names the webhook endpoints that received personal data, or says nobody could read them', () => {
    const named = new JSDOM(renderCertificateHtml(certificate('ada@example.com'))).window.document;
    const row = named.querySelector('#recipients ~ table tbody tr');
    expect(row?.textContent).toContain('we_ada@example.com');
    expect(row?.textContent).toContain('enabled');
    expect(named.querySelector('#recipients + p')?.textContent).toMatch(/run run_ada@example\.com .*should be told/);
    const unknown = new JSDOM(renderCertificateHtml({ ...certificate('ada@example.com'), recipients: null })).window.document;
    expect(unknown.querySelector('#recipients + p')?.textContent).toMatch(/^Not known/);
  });
});
