/**
 * A run's entry in the state's ledger (state/ledger.ts), appended once its summary.json is written:
 * what it read, what it wrote and what it found, by digest and count, chained to the entry before.
 */
import { sha256OfFile } from '../io/file-digest.js';
import type { StoredLedgerEntry } from '../state/ledger.js';
import { expiredResultsSha256 } from '../report/results-expiry.js';
import type { StateStore } from '../state/state-store.js';
import type { RunSummary } from './run-pipeline.js';

export async function recordRunInLedger(
  store: Pick<StateStore, 'appendLedgerEntry'>,
  summary: RunSummary,
  run: { account: string | null; summaryPath: string; ledgerKey?: string },
): Promise<StoredLedgerEntry> {
  const [summarySha256, resultsExpiredSha256] = await Promise.all([sha256OfFile(run.summaryPath), expiredResultsSha256(summary.resultsPath, summary.requestIdColumn)]);
  return store.appendLedgerEntry(
    {
      v: 1,
      runId: summary.runId,
      mode: summary.mode,
      startedAt: summary.startedAt,
      endedAt: summary.endedAt,
      interrupted: summary.interrupted,
      account: run.account,
      livemode: summary.livemode,
      toolVersion: summary.toolVersion,
      inputSha256: summary.inputSha256,
      resultsSha256: summary.resultsSha256,
      resultsExpiredSha256,
      summarySha256,
      rows: summary.rows,
      statuses: { ...summary.statuses },
      requestIdColumn: summary.requestIdColumn,
    },
    run.ledgerKey,
  );
}
