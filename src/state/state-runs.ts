import { randomBytes } from 'node:crypto';
import type { StateSql } from './state-sql.js';
import type { RunLedger } from './run-ledger.js';

/** The `runs` table, as runs write it: a row at the start, the summary at the end. */
export function sqliteRunLedger(sql: StateSql): RunLedger {
  return {
    startRun(mode, inputPath) {
      // Sortable by time, unique by its random tail: `run_20260101120000_a1b2c3`.
      const id = `run_${sql.now().replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomBytes(3).toString('hex')}`;
      sql.prepare('INSERT INTO runs (id, mode, input_path, started_at) VALUES (?, ?, ?, ?)').run(id, mode, inputPath, sql.now());
      return id;
    },

    endRun(runId, summary) {
      sql.prepare('UPDATE runs SET ended_at = ?, summary = ? WHERE id = ?').run(sql.now(), JSON.stringify(summary), runId);
    },
  };
}
