/**
 * A run's ledger entry (record-run-in-ledger.ts): every field the summary gives, the digests of
 * summary.json and of results.csv in its expired form, chained in a real state and sealed with the
 * ledger key when one is given.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacHex, verifyLedger } from '../../src/state/ledger.js';
import { expireResultsText } from '../../src/report/results-expiry.js';
import { RESULT_COLUMNS } from '../../src/report/result-writer.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { recordRunInLedger } from '../../src/pipeline/record-run-in-ledger.js';
import type { RunSummary } from '../../src/pipeline/run-pipeline.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-entry-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A results.csv whose input columns (a request id, then an email) differ from their expired form. */
async function writeResults(): Promise<{ path: string; bytes: Buffer }> {
  const tool = RESULT_COLUMNS.map(() => '');
  const text = [['ticket', 'email', ...RESULT_COLUMNS].join(','), ['T-1', 'jane@example.com', ...tool].join(','), ''].join('\n');
  const path = join(dir, 'results.csv');
  await writeFile(path, text);
  return { path, bytes: Buffer.from(text) };
}

function summaryOf(store: ReturnType<typeof openStateStore>, resultsPath: string): RunSummary {
  const runId = store.startRun('redact', 'requests.csv');
  return {
    runId,
    mode: 'redact',
    startedAt: '2026-12-06T10:00:00.000Z',
    endedAt: '2026-12-06T10:05:00.000Z',
    interrupted: true,
    livemode: true,
    toolVersion: '9.9.9',
    inputSha256: 'a'.repeat(64),
    resultsSha256: 'b'.repeat(64),
    resultsPath,
    rows: 7,
    statuses: { redacted: 5, not_found: 2 },
    requestIdColumn: 0,
  } as unknown as RunSummary;
}

describe('recordRunInLedger', () => {
  it("records what the run read, wrote and found, by digest and count, chained and sealed with the ledger key", async () => {
    const { path, bytes } = await writeResults();
    const summaryPath = join(dir, 'summary.json');
    await writeFile(summaryPath, '{"the":"summary"}\n');
    const store = openStateStore({ path: ':memory:' });
    try {
      const first = summaryOf(store, path);
      const stored = await recordRunInLedger(store, first, { account: 'acct_1', summaryPath, ledgerKey: 'the-key' });
      const entry = JSON.parse(stored.entry) as Record<string, unknown>;
      expect(entry).toEqual({
        v: 1,
        seq: 1,
        runId: first.runId,
        mode: 'redact',
        startedAt: '2026-12-06T10:00:00.000Z',
        endedAt: '2026-12-06T10:05:00.000Z',
        interrupted: true,
        account: 'acct_1',
        livemode: true,
        toolVersion: '9.9.9',
        inputSha256: 'a'.repeat(64),
        resultsSha256: 'b'.repeat(64),
        // The request id column (0) stays, the email is expired: the digest `ledger verify` accepts after `expire`.
        resultsExpiredSha256: sha256(expireResultsText(bytes, 0).text),
        summarySha256: sha256('{"the":"summary"}\n'),
        rows: 7,
        statuses: { redacted: 5, not_found: 2 },
        requestIdColumn: 0,
        prevHash: '0'.repeat(64),
      });
      expect(entry.resultsExpiredSha256).not.toBe(sha256(bytes));
      expect(stored.hmac).toBe(hmacHex('the-key', stored.entry));
      expect(store.ledgerEntries()).toEqual([stored]);

      // Without a key the entry is unsealed; it chains to the one before.
      const second = summaryOf(store, path);
      const next = await recordRunInLedger(store, second, { account: null, summaryPath });
      expect(next.hmac).toBeNull();
      expect(JSON.parse(next.entry)).toMatchObject({ seq: 2, runId: second.runId, account: null, prevHash: stored.hash });
      expect(verifyLedger(store.ledgerEntries(), store.ledgerRuns()).problems).toEqual([]);
    } finally {
      store.close();
    }
  });
});
