import type { StateSql } from './state-sql.js';
import type { InvalidRead, RowReadLedger, RowReadHistory } from './state-store.js';
import { hasRunIdentifiers, RUN_IDENTIFIERS_TABLE } from './state-identifiers.js';
import { settledReadOf } from './settled-keys.js';

/**
 * The `invalid_reads` table (state-schema.ts): the rows a run reported `invalid`, keyed by a
 * digest of the cell and of any address in it — never the cell itself — so that `show` can tell
 * what became of them. (The first row of a run naming each identifier sits with the run's
 * identifiers, in a TEMP table: state-identifiers.ts. `identifier_rows` keeps what older runs wrote
 * in the state file; nothing reads it.)
 */
export function sqliteRowReadLedger(sql: StateSql): RowReadLedger {
  return {
    noteInvalidCell(keys, runId, row, reason) {
      const now = sql.now();
      const insert = sql.prepare(
        `INSERT INTO invalid_reads (key, run_id, via, first_row, rows, reason, at) VALUES (?, ?, ?, ?, 1, ?, ?)
           ON CONFLICT (key, run_id) DO UPDATE SET rows = rows + 1`,
      );
      for (const { key, via } of keys) insert.run(key, runId, via, row, reason, now);
    },
  };
}

/**
 * The read side of {@link sqliteRowReadLedger}. A state written before these tables existed (read
 * without migrating by `show`) has neither: it knows no first rows and no invalid reads.
 */
export function sqliteRowReadHistory(sql: StateSql): RowReadHistory {
  const hasTable = (name: string) => sql.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  const hasInvalid = hasTable('invalid_reads');
  let hasFirstRows = false;
  /** How this connection's run noted an identifier (state-identifiers.ts), when it did. */
  const noted = (key: string, runId: string) => {
    // The run that noted rows made the TEMP table on this connection; any other reader knows none.
    hasFirstRows ||= hasRunIdentifiers(sql);
    if (!hasFirstRows) return undefined;
    return sql.prepare(`SELECT first_row, settled FROM ${RUN_IDENTIFIERS_TABLE} WHERE identifier_key = ? AND run_id = ?`).get(key, runId) as
      | { first_row: number | null; settled: number }
      | undefined;
  };
  return {
    firstRowOf(key, runId) {
      const settled = settledReadOf(sql, key, runId);
      if (settled !== undefined) return settled.firstRow;
      return noted(key, runId)?.first_row ?? undefined;
    },
    foundSettledWhenNoted(key, runId) {
      if (settledReadOf(sql, key, runId) !== undefined) return true;
      return noted(key, runId)?.settled === 1;
    },
    invalidReads(keys) {
      if (!hasInvalid || keys.length === 0) return [];
      const reads: InvalidRead[] = [];
      const select = sql.prepare(
        `SELECT i.run_id, i.via, i.first_row, i.rows, i.reason, i.at, r.input_path
           FROM invalid_reads i LEFT JOIN runs r ON r.id = i.run_id WHERE i.key = ? ORDER BY i.at, i.rowid`,
      );
      for (const key of keys) {
        for (const r of select.all(key) as { run_id: string; via: InvalidRead['via']; first_row: number; rows: number; reason: string; at: string; input_path: string | null }[]) {
          reads.push({ runId: r.run_id, via: r.via, firstRow: r.first_row, rows: r.rows, reason: r.reason, at: r.at, input: r.input_path ?? '' });
        }
      }
      return reads.sort((a, b) => a.at.localeCompare(b.at) || a.runId.localeCompare(b.runId));
    },
  };
}
