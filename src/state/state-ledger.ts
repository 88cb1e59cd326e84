/** The ledger's entries in the state (state-records-schema.ts `ledger`, `run_ledger`). */
import { GENESIS_HASH, sealEntry, type LedgerEntry, type LedgerRun, type StoredLedgerEntry } from './ledger.js';
import type { StateSql } from './state-sql.js';

export interface LedgerWriter {
  /**
   * Appends a run's entry (its `seq` and `prevHash` filled in here) and records its hash on the
   * run, in one transaction. Returns the stored entry.
   */
  appendLedgerEntry(entry: Omit<LedgerEntry, 'seq' | 'prevHash'>, ledgerKey?: string): StoredLedgerEntry;
}

export interface LedgerReader {
  /** Every entry, by `seq`; empty for a state before the ledger. */
  ledgerEntries(): StoredLedgerEntry[];
  /** Every run with its recorded entry hash, for `ledger verify`. */
  ledgerRuns(): LedgerRun[];
}

export function sqliteLedgerWriter(sql: StateSql): LedgerWriter {
  return {
    appendLedgerEntry(entry, ledgerKey) {
      return sql.transaction(() => {
        const last = sql.prepare('SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
        const sealed = sealEntry({ ...entry, seq: (last?.seq ?? 0) + 1, prevHash: last?.hash ?? GENESIS_HASH } as LedgerEntry, ledgerKey);
        sql.prepare('INSERT INTO ledger (seq, run_id, entry, hash, hmac) VALUES (?, ?, ?, ?, ?)').run(sealed.seq, sealed.runId, sealed.entry, sealed.hash, sealed.hmac);
        sql.prepare('INSERT OR REPLACE INTO run_ledger (run_id, hash) VALUES (?, ?)').run(sealed.runId, sealed.hash);
        return sealed;
      });
    },
  };
}

export function sqliteLedgerReader(sql: StateSql): LedgerReader {
  const has = (table: string) => sql.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  return {
    ledgerEntries() {
      if (!has('ledger')) return [];
      return (sql.prepare('SELECT seq, run_id, entry, hash, hmac FROM ledger ORDER BY seq').all() as { seq: number; run_id: string; entry: string; hash: string; hmac: string | null }[]).map(
        (r) => ({ seq: r.seq, runId: r.run_id, entry: r.entry, hash: r.hash, hmac: r.hmac }),
      );
    },
    ledgerRuns() {
      const query = has('run_ledger')
        ? 'SELECT r.id, r.started_at, r.ended_at, l.hash AS ledger_hash FROM runs r LEFT JOIN run_ledger l ON l.run_id = r.id ORDER BY r.started_at, r.rowid'
        : 'SELECT id, started_at, ended_at, NULL AS ledger_hash FROM runs ORDER BY started_at, rowid';
      return (sql.prepare(query).all() as { id: string; started_at: string; ended_at: string | null; ledger_hash: string | null }[]).map(
        (r) => ({ id: r.id, startedAt: r.started_at, endedAt: r.ended_at, ledgerHash: r.ledger_hash }),
      );
    },
  };
}
