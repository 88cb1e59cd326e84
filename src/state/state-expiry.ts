/**
 * `expire` in the state: requests settled before the cut-off keep their register line (the
 * accountability half: key, request id, dates, outcome, runs, jobs) and lose their identifying half —
 * the identifier key on the register line, and, once no request still needs it, the identifier, its
 * runs and rows, what it resolved to, and the objects only it resolved to. The ledger holds no
 * personal data and is never touched.
 */
import { forgetSettledKey } from './settled-keys.js';
import type { StateSql } from './state-sql.js';

/** What an expiry changed (or, dry, would change). */
export interface StateExpiry {
  requests: number;
  identifiers: number;
  objects: number;
}

export interface StateExpirer {
  /** Expires the requests settled on or before `cutoff` (`YYYY-MM-DD`); with `dryRun`, only counts. */
  expireSettledBefore(cutoff: string, options?: { dryRun?: boolean }): StateExpiry;
}

export function sqliteStateExpirer(sql: StateSql): StateExpirer {
  return {
    expireSettledBefore(cutoff, options = {}) {
      const run = () => {
        const due = sql
          .prepare('SELECT ref, identifier_key FROM requests WHERE expired_at IS NULL AND settled_on IS NOT NULL AND settled_on <= ?')
          .all(cutoff) as { ref: string; identifier_key: string | null }[];
        const refs = new Set(due.map((r) => r.ref));
        const stillNeeded = sql.prepare('SELECT ref FROM requests WHERE identifier_key = ? AND expired_at IS NULL');
        const keys = [...new Set(due.map((r) => r.identifier_key).filter((k): k is string => k !== null))].filter((key) =>
          (stillNeeded.all(key) as { ref: string }[]).every((r) => refs.has(r.ref)),
        );
        const now = sql.now();
        const expire = sql.prepare('UPDATE requests SET identifier_key = NULL, expired_at = ? WHERE ref = ?');
        for (const ref of refs) expire.run(now, ref);
        const hasTable = (name: string) => sql.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
        const perKey = ['DELETE FROM identifiers WHERE key = ?', 'DELETE FROM identifier_runs WHERE identifier_key = ?'];
        if (hasTable('identifier_rows')) perKey.push('DELETE FROM identifier_rows WHERE identifier_key = ?');
        if (hasTable('invalid_reads')) perKey.push('DELETE FROM invalid_reads WHERE key = ?');
        const objectsOf = sql.prepare('SELECT object_id FROM resolutions WHERE identifier_key = ?');
        const candidates = new Set<string>();
        for (const key of keys) {
          for (const { object_id } of objectsOf.all(key) as { object_id: string }[]) candidates.add(object_id);
          for (const statement of perKey) sql.prepare(statement).run(key);
          sql.prepare('DELETE FROM resolutions WHERE identifier_key = ?').run(key);
          // Named again after this, it is a new request: looked up, never passed by as settled.
          forgetSettledKey(sql, key);
        }
        // An object another request still resolves to stays: it is that request's data too.
        const owned = sql.prepare('SELECT 1 FROM resolutions WHERE object_id = ? LIMIT 1');
        const objects = [...candidates].filter((id) => owned.get(id) === undefined);
        for (const id of objects) {
          sql.prepare('DELETE FROM objects WHERE id = ?').run(id);
          sql.prepare('DELETE FROM job_objects WHERE object_id = ?').run(id);
        }
        const result = { requests: refs.size, identifiers: keys.length, objects: objects.length };
        // A dry run does it all in a transaction and rolls it back: it counts exactly what a real one does.
        if (options.dryRun) throw new DryRun(result);
        return result;
      };
      try {
        const result = sql.transaction(run);
        if (result.identifiers > 0 || result.objects > 0) {
          // Deleted rows linger in free pages and the write-ahead log until they are rewritten: gone means gone.
          sql.prepare('VACUUM').run();
          sql.prepare('PRAGMA wal_checkpoint(TRUNCATE)').all();
        }
        return result;
      } catch (error) {
        if (error instanceof DryRun) return error.result;
        throw error;
      }
    },
  };
}

/** Thrown to roll a dry run's transaction back, carrying what it would have changed. */
class DryRun extends Error {
  constructor(readonly result: StateExpiry) {
    super('dry run');
  }
}
