import { DONE_OBJECT_STATUSES, LOOKED_UP_FOR_GOOD_OBJECT_STATUSES } from '../domain/object-status.js';
import { sqlList, type StateSql } from './state-sql.js';
import { serializeReasons } from './state-reasons.js';
import type { IdentifierLedger } from './identifier-ledger.js';
import { forgetSettledKey, noteSettledKey, noteSettledRead, SETTLED_FOR, SettledKeys } from './settled-keys.js';

/** Object statuses whose identifier needs no lookup again (domain/object-status.ts), as an SQL list. */
const LOOKED_UP_SQL = sqlList(LOOKED_UP_FOR_GOOD_OBJECT_STATUSES);
/** Object statuses no run touches again, as an SQL list. */
const DONE_SQL = sqlList(DONE_OBJECT_STATUSES);

/**
 * Values of `identifiers.absence_confirmed`: what a strongly consistent lookup that found nothing
 * covered. `1` is what states written before guest lookups hold, so they mean customers only.
 */
const ABSENCE = { unconfirmed: 0, customers: 1, customersAndGuests: 2 } as const;

/**
 * The identifiers this process's runs read, each with the first input row that named it: a TEMP
 * table, so that a million-row input's settled rows write nothing to the state file (kept there,
 * it grew the state by ~230 bytes per row every night, and every row cost a random page write).
 * The run's own report, its after-erasure files and its dedupe read it; no other process needs it.
 */
export const RUN_IDENTIFIERS_TABLE = 'temp.run_identifiers';
const CREATE_RUN_IDENTIFIERS =
  'CREATE TEMP TABLE IF NOT EXISTS run_identifiers (identifier_key TEXT NOT NULL, run_id TEXT NOT NULL, first_row INTEGER, settled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (identifier_key, run_id)) WITHOUT ROWID';
/**
 * The settled keys a run read (settled-keys.ts), appended as read: the run's after-erasure files
 * list them with the rest. Their dedupe and first rows are kept in memory (noteSettledRead).
 */
const CREATE_RUN_SETTLED = 'CREATE TEMP TABLE IF NOT EXISTS run_settled (identifier_key TEXT NOT NULL, run_id TEXT NOT NULL)';

/** Every identifier run `runId` read, as SQL to join on (`identifier_key`); call only when {@link hasRunIdentifiers}. */
export const RUN_IDENTIFIER_KEYS_SQL =
  '(SELECT identifier_key FROM temp.run_identifiers WHERE run_id = @runId UNION SELECT identifier_key FROM temp.run_settled WHERE run_id = @runId)';

/** Whether this connection has noted identifiers for a run (the TEMP table above exists). */
export function hasRunIdentifiers(sql: StateSql): boolean {
  return sql.prepare("SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = 'run_identifiers'").get() !== undefined;
}

/**
 * The `identifiers`, `identifier_runs` and `resolutions` tables: which identifiers inputs named,
 * in which runs, and the objects lookups found for them.
 */
export function sqliteIdentifierLedger(sql: StateSql): IdentifierLedger {
  let runIdentifiersReady = false;
  // The identifiers settled for good before this process's run, loaded once per kind of lookup.
  const settledFor = new Map<boolean, SettledKeys>();
  return {
    noteIdentifier(key, type, runId, { guests = true, row } = {}) {
      if (!runIdentifiersReady) {
        sql.prepare(CREATE_RUN_IDENTIFIERS).run();
        sql.prepare(CREATE_RUN_SETTLED).run();
        runIdentifiersReady = true;
      }
      let settledKeys = settledFor.get(guests);
      if (settledKeys === undefined) {
        settledKeys = SettledKeys.load(sql, guests);
        settledFor.set(guests, settledKeys);
      }
      const settledIndex = settledKeys.indexOf(key);
      if (settledIndex >= 0) {
        // Settled for good on an earlier night: noted for this run's report, and nothing read or written to the state.
        const first = noteSettledRead(sql, runId, settledKeys, settledIndex, row);
        if (first) sql.prepare('INSERT INTO temp.run_settled (identifier_key, run_id) VALUES (?, ?)').run(key, runId);
        return { first, needsLookup: false };
      }
      const noted = sql.prepare(`INSERT OR IGNORE INTO ${RUN_IDENTIFIERS_TABLE} (identifier_key, run_id, first_row) VALUES (?, ?, ?)`).run(key, runId, row ?? null);
      if (noted.changes === 0) return { first: false, needsLookup: false };
      // The run among the identifier's runs: once per distinct identifier per run, inside the caller's chunk transaction.
      const addRun = () => sql.prepare('INSERT OR IGNORE INTO identifier_runs (identifier_key, run_id) VALUES (?, ?)').run(key, runId);
      const recordRun = () => {
        addRun();
        sql.prepare('UPDATE identifiers SET seen_run = ? WHERE key = ?').run(runId, key);
      };
      // One read: the identifier and how many of its objects are looked up for good, and done.
      const known = sql
        .prepare(
          `SELECT i.resolved_at, i.absence_confirmed, COUNT(o.id) AS total,
                  SUM(CASE WHEN o.status IN (${LOOKED_UP_SQL}) THEN 1 ELSE 0 END) AS lookedUp,
                  SUM(CASE WHEN o.status IN (${DONE_SQL}) THEN 1 ELSE 0 END) AS done
             FROM identifiers i LEFT JOIN resolutions r ON r.identifier_key = i.key LEFT JOIN objects o ON o.id = r.object_id
            WHERE i.key = ? GROUP BY i.key`,
        )
        .get(key) as { resolved_at: string | null; absence_confirmed: number; total: number; lookedUp: number | null; done: number | null } | undefined;
      if (!known) {
        sql.prepare('INSERT INTO identifiers (key, type, seen_run, updated_at) VALUES (?, ?, ?, ?)').run(key, type, runId, sql.now());
        addRun();
        return { first: true, needsLookup: true };
      }
      if (known.resolved_at === null) {
        recordRun();
        return { first: true, needsLookup: true };
      }
      // States written before guest lookups (or by a --no-guests run) confirmed customers only: with guests, asked again.
      const needsLookup =
        known.total === 0 ? known.absence_confirmed < (guests ? ABSENCE.customersAndGuests : ABSENCE.customers) : (known.lookedUp ?? 0) < known.total;
      // Settled for good (every object done, or an absence confirmed): this run only reports it.
      const settled = !needsLookup && (known.done ?? 0) === known.total;
      if (settled) {
        sql.prepare(`UPDATE ${RUN_IDENTIFIERS_TABLE} SET settled = 1 WHERE identifier_key = ? AND run_id = ?`).run(key, runId);
        // An absence confirmed without guests settles it only for runs that do not look for them.
        noteSettledKey(sql, key, known.total === 0 && known.absence_confirmed < ABSENCE.customersAndGuests ? SETTLED_FOR.customers : SETTLED_FOR.any);
      } else recordRun();
      return { first: true, needsLookup };
    },

    recordResolution(key, objects, reasons = [], { absenceConfirmed = false, guestsChecked = false } = {}) {
      const now = sql.now();
      // A miss on an identifier that found objects before says nothing new: a customer its job
      // redacted meanwhile no longer answers a lookup. Keep what the lookup that found it said.
      if (objects.length === 0 && sql.prepare('SELECT 1 FROM resolutions WHERE identifier_key = ? LIMIT 1').get(key) !== undefined) return;
      sql.transaction(() => {
        // What this lookup found is what settles it now: the next run that notes it decides again.
        forgetSettledKey(sql, key);
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
        // New objects of theirs: none of these identifiers is settled for good any longer.
        for (const key of keys) forgetSettledKey(sql, key);
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
