import { describe, expect, it } from 'vitest';
import { cutoffDay, parseRetention } from '../../src/domain/retention.js';
import { registerOutcome, yearMetrics } from '../../src/domain/register.js';
import { canonicalJson, GENESIS_HASH, sealEntry, verifyLedger, type LedgerEntry } from '../../src/state/ledger.js';
import { expiredResultsSha256, expireResultsText, writeExpiredResults } from '../../src/report/results-expiry.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESULT_COLUMNS } from '../../src/report/result-writer.js';

describe('registerOutcome', () => {
  it.each([
    ['redacted', [], 'erased'],
    ['already_redacted', [], 'erased'],
    ['not_found', [], 'no_data'],
    ['invalid', [], 'not_erased'],
    ['failed', ['failed'], 'not_erased'],
    ['failed', ['redacted', 'failed'], 'partially_erased'],
    ['needs_action', ['redacted', 'needs_action'], 'partially_erased'],
    ['needs_action', ['needs_action'], 'pending'],
    ['pending', ['in_job'], 'pending'],
    ['redaction_pending', [], 'pending'],
    ['planned', ['queued'], 'pending'],
  ] as const)('%s with objects %j → %s', (status, objects, outcome) => {
    expect(registerOutcome(status, objects)).toBe(outcome);
  });
});

describe('yearMetrics', () => {
  const rec = (received: string | null, firstSeen: string, outcome: 'erased' | 'no_data' | 'pending' | 'not_erased' | 'partially_erased', settledOn: string | null) => ({ received, firstSeen, outcome, settledOn });
  it('counts the year by received date (first seen without one), median and mean over the settled', () => {
    const m = yearMetrics(
      [
        rec('2026-01-01', '2026-01-05', 'erased', '2026-01-11'), // 10
        rec('2026-03-01', '2026-03-01', 'no_data', '2026-03-03'), // 2
        rec(null, '2026-06-01', 'erased', '2026-06-05'), // 4
        rec('2026-07-01', '2026-07-01', 'pending', null),
        rec('2026-08-01', '2026-08-01', 'not_erased', null),
        rec('2026-09-01', '2026-09-01', 'partially_erased', null),
        rec('2025-12-31', '2026-01-02', 'erased', '2026-01-02'), // another year
      ],
      2026,
    );
    expect(m).toEqual({ year: 2026, received: 6, erasedInWhole: 2, erasedInPart: 1, notErased: 1, noData: 1, pending: 1, medianDaysToSettle: 4, meanDaysToSettle: 5.33 });
    expect(yearMetrics([], 2026).medianDaysToSettle).toBeNull();
  });
});

describe('retention', () => {
  it.each([
    ['2026-12-06', '24m', '2024-12-06'],
    ['2026-03-31', '1m', '2026-02-28'],
    ['2028-03-31', '1m', '2028-02-29'],
    ['2026-01-15', '2m', '2025-11-15'],
    ['2026-12-06', '30d', '2026-11-06'],
    ['2026-12-06', '0d', '2026-12-06'],
  ] as const)('%s less %s → %s', (today, period, cutoff) => {
    const spec = parseRetention(period);
    if ('problem' in spec) throw new Error(spec.problem);
    expect(cutoffDay(today, spec)).toBe(cutoff);
  });
  it('refuses what is no period', () => {
    expect(parseRetention('two years')).toMatchObject({ problem: expect.stringMatching(/expected a count and a unit/) });
    expect(parseRetention('200m')).toMatchObject({ problem: expect.stringMatching(/at most 10 years/) });
  });
});

describe('the ledger', () => {
  const entry = (seq: number, prevHash: string, runId = `run_${seq}`): LedgerEntry => ({
    v: 1, seq, runId, mode: 'redact', startedAt: `2026-12-0${seq}T00:00:00Z`, endedAt: `2026-12-0${seq}T00:01:00Z`, interrupted: false, account: 'acct_1', livemode: false,
    toolVersion: '0.1.0', inputSha256: 'a', resultsSha256: 'b', resultsExpiredSha256: 'c', summarySha256: 'd', rows: 2, statuses: { redacted: 2, not_found: 0 }, requestIdColumn: null, prevHash,
  });
  const chain = (key?: string) => {
    const first = sealEntry(entry(1, GENESIS_HASH), key);
    const second = sealEntry(entry(2, first.hash), key);
    return [first, second];
  };
  const runsOf = (entries: { runId: string; hash: string }[]) => entries.map((e, i) => ({ id: e.runId, startedAt: `2026-12-0${i + 1}T00:00:00Z`, endedAt: 'x', ledgerHash: e.hash }));

  it('encodes canonically: keys sorted, no whitespace, integers only', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'é"'], c: { z: 0, y: 'x' } })).toBe('{"a":[true,null,"é\\""],"b":1,"c":{"y":"x","z":0}}');
    expect(() => canonicalJson({ a: 1.5 })).toThrow(/integers only/);
  });

  it('holds for an unchanged chain, with and without its key', () => {
    const entries = chain('k');
    expect(verifyLedger(entries, runsOf(entries), 'k')).toEqual({ entries: 2, problems: [], hmacsUnchecked: 0 });
    expect(verifyLedger(entries, runsOf(entries))).toEqual({ entries: 2, problems: [], hmacsUnchecked: 2 });
  });

  it('names the place of each break', () => {
    const entries = chain();
    const runs = runsOf(entries);
    const edited = [entries[0]!, { ...entries[1]!, entry: entries[1]!.entry.replace('"redacted":2', '"redacted":3') }];
    expect(verifyLedger(edited, runs).problems).toEqual(['entry 2 (run run_2): its content does not match its hash (the entry was changed)']);
    expect(verifyLedger([entries[1]!], runs).problems).toEqual([
      'entry 1 is missing: the ledger goes from entry 0 to entry 2',
      "entry 2 (run run_2): its previous hash is not the hash of entry 1 (an entry before it was changed, removed or inserted)",
      `run run_1: its entry (hash ${entries[0]!.hash}) is missing from the ledger`,
    ]);
    expect(verifyLedger([entries[0]!], runs).problems).toEqual([`run run_2: its entry (hash ${entries[1]!.hash}) is missing from the ledger`]);
    expect(verifyLedger(entries, [...runs, { id: 'run_3', startedAt: '2026-12-09T00:00:00Z', endedAt: 'y', ledgerHash: null }]).problems).toEqual([
      'run run_3: it ended after the ledger began, but has no entry',
    ]);
    expect(verifyLedger(entries, runs, 'k').problems[0]).toBe('entry 1 (run run_1): it has no HMAC, though STRIPE_REDACT_LEDGER_KEY is set');
  });
});

describe('expireResultsText', () => {
  const header = ['request_id', 'email', 'note', ...RESULT_COLUMNS];
  const row = ['R1', 'ada@example.com', '=cmd', '1', 'email', 'redacted', 'cus_1', 'prj_1', '', '', '', 'found as Ada <ada@example.com>', '2026-12-02', 'run_1', 'false', '2026-12-01T00:00:00Z'];

  it.each([
    ['plain', ',', '\n', false],
    ['--excel with ;', ';', '\r\n', true],
    ['--excel with tab', '\t', '\r\n', true],
  ] as const)('%s: input cells but the request id expired, emails scrubbed, the shape kept, idempotent', (_name, delimiter, eol, bom) => {
    const quote = (cell: string) => (/[";\t,\n\r=]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
    const text = `${bom ? '\uFEFF' : ''}${[header, row].map((r) => r.map(quote).join(delimiter)).join(eol)}${eol}`;
    const once = expireResultsText(Buffer.from(text), 0);
    expect(once.records[1]?.slice(0, 3)).toEqual(['R1', '[expired]', '[expired]']);
    expect(once.records[1]?.[11]).toBe('found as Ada <[expired]>');
    expect(once.text).not.toContain('ada@example.com');
    expect(once.text.startsWith('\uFEFF')).toBe(bom);
    expect(once.text.replace(/^\uFEFF/, '').split(eol)[0]).toBe(header.join(delimiter));
    expect(expireResultsText(Buffer.from(once.text), 0).text).toBe(once.text);
  });

  it.each([
    ['plain', ',', '\n', false],
    ['--excel', ';', '\r\n', true],
  ] as const)('%s: streamed, the same bytes as the whole-file form; written owner-only', async (_name, delimiter, eol, bom) => {
    const quote = (cell: string) => (/[";\t,\n\r=]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
    const rows = Array.from({ length: 3000 }, (_, i) => row.map((c, j) => (j === 0 ? `R${i}` : j === 1 ? `p${i}@example.com` : c)));
    const text = `${bom ? '\uFEFF' : ''}${[header, ...rows].map((r) => r.map(quote).join(delimiter)).join(eol)}${eol}`;
    const path = join(mkdtempSync(join(tmpdir(), 'stripe-redact-expiry-')), 'results.csv');
    writeFileSync(path, text);
    const whole = expireResultsText(Buffer.from(text), 0).text;
    const sha = createHash('sha256').update(whole, 'utf8').digest('hex');
    expect(await expiredResultsSha256(path, 0)).toBe(sha);
    let seen = 0;
    expect(await writeExpiredResults(path, 0, () => (seen += 1))).toBe(sha);
    expect(seen).toBe(3000);
    expect(readFileSync(path, 'utf8')).toBe(whole);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
