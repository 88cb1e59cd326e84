/**
 * `<out>/report.html`, spawned: parsed with jsdom, its counts are results.csv's, hostile identifiers
 * stay text (no element injected), nothing in it reaches the network, it is owner-only — and the
 * sample run of `npm start` writes one.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../src/emulator/index.js';
import { REPO_ROOT, TEST_KEY_ENV, describeRun, readResults, readSummary, removeTempDirs, runCli, startCliEmulator, tempDir, writeInput } from '../helpers/cli.js';

afterAll(removeTempDirs);

const HOSTILE = ['<img src=x onerror=alert(1)>@example.com', '"><script>alert(1)</script>', "'><a href=http://evil.example/>x</a>"];

const SEED: SeedDocument = {
  customers: [
    { id: 'cus_rh_ken', email: 'ken@example.com', name: 'Ken', payment_intents: [{ id: 'pi_rh_ken_open', amount: 700, currency: 'usd' }] },
    { id: 'cus_rh_ada', email: 'ada@example.com', name: 'Ada' },
  ],
};

/** What the report's count table says, by status. */
function htmlCounts(document: Document): Record<string, number> {
  return Object.fromEntries(
    [...document.querySelectorAll('table.counts tbody tr')].map((tr) => [(tr as HTMLElement).dataset.status, Number(tr.querySelector('td.n')?.textContent)]),
  );
}

/** Counts per status in results.csv. */
function csvCounts(outDir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of readResults(outDir).rows) counts[row.status as string] = (counts[row.status as string] ?? 0) + 1;
  return counts;
}

/** Every element's attribute that could load something. */
function loadingAttributes(document: Document): string[] {
  return [...document.querySelectorAll('*')].flatMap((el) =>
    ['src', 'href', 'srcset', 'action', 'xlink:href', 'data', 'poster'].filter((a) => el.hasAttribute(a)).map((a) => `${el.tagName} ${a}`),
  );
}

describe('report.html', () => {
  it('counts what results.csv counts, lists what needs a person first, and keeps hostile identifiers as text', async () => {
    const emulator = await startCliEmulator({ seed: SEED });
    try {
      const dir = await tempDir();
      const csv = ['request_id,email', 'R1,ken@example.com', 'R2,ada@example.com', 'R3,nobody@example.com', ...HOSTILE.map((h, i) => `H${i},"${h.replace(/"/g, '""')}"`)].join('\n');
      const input = await writeInput(dir, `${csv}\n`);
      const out = join(dir, 'out');
      const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(3);

      const path = join(out, 'report.html');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const html = readFileSync(path, 'utf8');
      const { document } = new JSDOM(html).window;

      const fromCsv = csvCounts(out);
      const fromHtml = htmlCounts(document);
      expect(Object.keys(fromHtml)).toHaveLength(11);
      for (const [status, n] of Object.entries(fromHtml)) expect(n, status).toBe(fromCsv[status] ?? 0);
      expect(fromHtml).toMatchObject({ needs_action: 1, redacted: 1, not_found: 1 });
      // Every row is in exactly one section.
      const sectionRows = [...document.querySelectorAll('section tbody tr')];
      expect(sectionRows).toHaveLength(readResults(out).rows.length);

      // What needs a person comes first, with what to do; then fixes; then the rest; then the time
      // after the erasure: people who came back, and who else received the data (issue 18).
      const order = [...document.querySelectorAll('section')].map((s) => s.id);
      expect(order).toEqual(['overdue', 'needs_action', 'failed', 'invalid', 'pending', 'redaction_pending', 'fixes', 'rest', 'reappeared', 'recipients']);
      const needs = document.querySelector('#needs_action tbody tr');
      expect(needs?.textContent).toContain('ken@example.com');
      // Advice in words, the operator's flags apart.
      expect(needs?.querySelector('.operator code')?.textContent).toBe('--mode validate --validation-behavior fix');
      expect(needs?.querySelector('td:last-child')?.firstChild?.textContent).toMatch(/Stripe's fix may clear it instead: a validate run with fix will tell/);

      // The header: account, mode, run, input and both hashes, as summary.json has them.
      const summary = readSummary(out) as unknown as Record<string, string>;
      const header = document.querySelector('dl.run')?.textContent ?? '';
      for (const value of [summary.account, summary.runId, summary.inputSha256, summary.resultsSha256, summary.startedAt, summary.endedAt, 'test mode, redact run']) {
        expect(header).toContain(value);
      }

      // Hostile cells are text: no element they name exists, and each reads back as given.
      expect(document.querySelectorAll('script, img, a, iframe, object, embed, link')).toHaveLength(0);
      const cells = [...document.querySelectorAll('td.id')].map((td) => td.textContent);
      for (const hostile of HOSTILE) expect(cells).toContain(hostile);
      // Self-contained: nothing to load, no script.
      expect(loadingAttributes(document)).toEqual([]);
      expect(document.querySelectorAll('style')).toHaveLength(1);
      expect(html).toMatch(/@media print/);
    } finally {
      await emulator.close();
    }
  });

  it('of a validate run with fix says it is a preview and lists the fixes a redact run would apply, none as applied', async () => {
    const emulator = await startCliEmulator({ seed: SEED });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, 'request_id,email\nR1,ken@example.com\nR2,ada@example.com\n');
      const out = join(dir, 'out');
      const run = await runCli(['run', input, ...emulator.runArgs(out), '--mode', 'validate', '--validation-behavior', 'fix'], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(0);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      const { document } = new JSDOM(html).window;
      expect(document.querySelector('.preview')?.textContent).toMatch(/^Preview \(validate run\): nothing was erased in Stripe/);
      expect(document.querySelector('p.summary')?.textContent).toBe('Of 2 requests, 2 would be erased by a redact run. This was a preview: nothing was erased.');
      expect(document.querySelector('#fixes h2')?.textContent).toBe('Fixes a redact run would apply (nothing was changed) (1)');
      expect(document.querySelector('#fixes tbody tr')?.textContent).toContain('would cancel PaymentIntent pi_rh_ken_open');
      expect(document.querySelector('#fixes td.request-id')?.textContent).toBe('R1');
      expect(html).not.toMatch(/Fixes applied|canceled PaymentIntent/);
      // Nothing was changed: the PaymentIntent is as it was.
      expect((await emulator.stripe.paymentIntents.retrieve('pi_rh_ken_open')).status).toBe('requires_payment_method');
    } finally {
      await emulator.close();
    }
  });

  it('is written by the sample run npm start does, its counts those of summary.json', async () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
    const args = manifest.scripts.start.replace(/^node bin\/stripe-redact\.js /, '').split(' ');
    expect(args.slice(0, 3)).toEqual(['run', 'samples/requests.csv', '--emulator']);
    const dir = await tempDir();
    const out = join(dir, 'sample');
    const run = await runCli([...args, '--out', out]);
    expect([0, 3], describeRun(run)).toContain(run.code);
    const { document } = new JSDOM(readFileSync(join(out, 'report.html'), 'utf8')).window;
    const summary = readSummary(out) as unknown as { statuses: Record<string, number>; reportPath: string };
    expect(htmlCounts(document)).toEqual(summary.statuses);
    expect(summary.reportPath).toBe(join(out, 'report.html'));
    expect(document.querySelector('#fixes tbody tr')?.textContent).toMatch(/canceled PaymentIntent/);
  });
});
