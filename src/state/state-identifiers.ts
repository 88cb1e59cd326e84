import { LOOKED_UP_FOR_GOOD_OBJECT_STATUSES } from '../domain/object-status.js';
import { sqlList, type StateSql } from './state-sql.js';
import { serializeReasons } from './state-reasons.js';
import type { IdentifierLedger } from './identifier-ledger.js';

/** Object statuses whose identifier needs no lookup again (domain/object-status.ts), as an SQL list. */
const DONE_SQL = sqlList(LOOKED_UP_FOR_GOOD_OBJECT_STATUSES);

/**
 * Values of `identifiers.absence_confirmed`: what a strongly consistent lookup that found nothing
 * covered. `1` is what states written before guest lookups hold, so they mean customers only.
 */
const ABSENCE = { unconfirmed: 0, customers: 1, customersAndGuests: 2 } as const;

/**
 * The `identifiers`, `identifier_runs` and `resolutions` tables: which identifiers inputs named,
 * in which runs, and the objects lookups found for them.
 */
export function sqliteIdentifierLedger(sql: StateSql): IdentifierLedger {
  return {
    noteIdentifier(key, type, runId, { guests = true } = {}) {
      const row = sql.prepare('SELECT seen_run, resolved_at, absence_confirmed FROM identifiers WHERE key = ?').get(key) as
        { seen_run: string | null; resolved_at: string | null; absence_confirmed: number } | undefined;
      if (row?.seen_run === runId) return { first: false, needsLookup: false };
      // Once per distinct identifier per run, inside the caller's chunk transaction.
      sql.prepare('INSERT OR IGNORE INTO identifier_runs (identifier_key, run_id) VALUES (?, ?)').run(key, runId);
      if (!row) {
        sql.prepare('INSERT INTO identifiers (key, type, seen_run, updated_at) VALUES (?, ?, ?, ?)').run(key, type, runId, sql.now());
        return { first: true, needsLookup: true };
      }
      sql.prepare('UPDATE identifiers SET seen_run = ? WHERE key = ?').run(runId, key);
      if (row.resolved_at === null) return { first: true, needsLookup: true };
      const open = sql
        .prepare(
          `SELECT COUNT(*) AS total,
                  SUM(CASE WHEN o.status IN (${DONE_SQL}) THEN 1 ELSE 0 END) AS done
             FROM resolutions r JOIN objects o ON o.id = r.object_id WHERE r.identifier_key = ?`,
        )
        .get(key) as { total: number; done: number | null };
      // States written before guest lookups (or by a --no-guests run) confirmed customers only: with guests, asked again.
      if (open.total === 0) return { first: true, needsLookup: row.absence_confirmed < (guests ? ABSENCE.customersAndGuests : ABSENCE.customers) };
      return { first: true, needsLookup: (open.done ?? 0) < open.total };
    },

    recordResolution(key, objects, reasons = [], { absenceConfirmed = false, guestsChecked = false } = {}) {
      const now = sql.now();
      // A miss on an identifier that found objects before says nothing new: a customer its job
      // redacted meanwhile no longer answers a lookup. Keep what the lookup that found it said.
      if (objects.length === 0 && sql.prepare('SELECT 1 FROM resolutions WHERE identifier_key = ? LIMIT 1').get(key) !== undefined) return;
      sql.transaction(() => {
        sql.prepare('UPDATE identifiers SET resolved_at = ?, messages = ?, absence_confirmed = ?, updated_at = ? WHERE key = ?').run(
          now,
          serializeReasons(reasons),
          absenceConfirmed && objects.length === 0 ? (guestsChecked ? ABSENCE.customersAndGuests : ABSENCE.customers) : ABSENCE.unconfirmed,
          now,
          key,
        );
        const link = sql.prepare('INSERT OR IGNORE INTO resolutions (identifier_key, object_id) VALUES (?, ?)');
        const add = sql.prepare(`INSERT OR IGNORE INTO objects (id, type, status, updated_at) VALUES (?, ?, 'queued', ?)`);
        for (const o of objects) {
          add.run(o.id, o.type, now);
          link.run(key, o.id);
        }
      });
    },

    addRelatedObjects(parentId, objects) {
      const now = sql.now();
      sql.transaction(() => {
        const keys = (sql.prepare('SELECT identifier_key FROM resolutions WHERE object_id = ?').all(parentId) as { identifier_key: string }[]).map((r) => r.identifier_key);
        const add = sql.prepare(`INSERT OR IGNORE INTO objects (id, type, status, updated_at) VALUES (?, ?, 'queued', ?)`);
        const link = sql.prepare('INSERT OR IGNORE INTO resolutions (identifier_key, object_id) VALUES (?, ?)');
        for (const o of objects) {
          add.run(o.id, o.type, now);
          for (const key of keys) link.run(key, o.id);
        }
      });
    },
  };
}
