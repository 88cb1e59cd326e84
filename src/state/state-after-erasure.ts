/**
 * What the state keeps for the time after an erasure (issue 18), beside the run's working tables:
 *
 * - erasures: one row per request seen erased (`redacted` or `already_redacted`), with the input's
 *   own request id when it had one, the email's digest under the suppression key (never the hashing
 *   key: see suppression-digest.ts) and when it was first seen settled;
 * - reappearances: each customer found carrying an erased request's email after it was settled,
 *   once per customer and request; `reported_at` is set once a reappeared.csv listed it, so a later
 *   watch never reports it again, and one killed before writing its file loses nothing;
 * - meta `watch_cursor` (unix seconds: the watch reads events from there on) and `suppression_key`.
 *
 * The tables are added without a schema version bump (`CREATE TABLE IF NOT EXISTS` on every open):
 * older versions ignore them, and a state last written by one simply has none yet.
 */
import { randomBytes } from 'node:crypto';
import type { StateSql } from './state-sql.js';
import { hasRunIdentifiers, RUN_IDENTIFIER_KEYS_SQL } from './state-identifiers.js';

export const AFTER_ERASURE_TABLES = `
CREATE TABLE IF NOT EXISTS erasures (
  identifier_key TEXT PRIMARY KEY, request_id TEXT, suppression_digest TEXT, settled_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reappearances (
  customer_id TEXT NOT NULL, identifier_key TEXT NOT NULL, seen_at INTEGER NOT NULL,
  customer_created INTEGER NOT NULL, found_at TEXT NOT NULL, run_id TEXT, reported_at TEXT,
  PRIMARY KEY (customer_id, identifier_key)
);
`;

/** An erased request as the state holds it. */
export interface ErasureRecord {
  /** The identifier's key in the state (`email:<hmac>`, `id:<stripe id>`). */
  key: string;
  requestId: string | null;
  /** ISO-8601: when a run first saw it settled. */
  settledAt: string;
}

/** A reappearance found by a watch. */
export interface ReappearanceRecord {
  customerId: string;
  key: string;
  /** Unix seconds: when Stripe wrote what showed the customer with the email. */
  seenAt: number;
  /** Unix seconds: the customer's own `created`. */
  customerCreated: number;
}

/** A reappearance not yet listed in a reappeared.csv, with what the state knows of its request. */
export interface UnreportedReappearance {
  customerId: string;
  key: string;
  customerCreated: number;
  requestId: string | null;
  settledAt: string;
}

/** The after-erasure part of the state port, for runs and `watch` (read-write). */
export interface AfterErasureLedger {
  /** Records that a request was seen erased; a later call fills a missing request id or digest, never moves `settledAt`. */
  noteErasure(key: string, facts: { requestId: string | null; suppressionDigest: string | null; settledAt: string }): void;
  /** The erased request with this key, if any. */
  erasureOf(key: string): ErasureRecord | undefined;
  /** Unix seconds of the earliest settlement the state holds; undefined while none is erased. */
  earliestSettlement(): number | undefined;
  /** Records a reappearance; false when this customer was already found for this request. */
  noteReappearance(found: ReappearanceRecord, runId: string | null): boolean;
  /** Reappearances found but not yet listed in a reappeared.csv, oldest customer first. */
  unreportedReappearances(): UnreportedReappearance[];
  /** Marks reappearances as listed in a reappeared.csv: no later watch lists them again. */
  markReappearancesReported(found: readonly { customerId: string; key: string }[]): void;
  /** Unix seconds from which the next watch reads; undefined before the first watch. */
  watchCursor(): number | undefined;
  setWatchCursor(seconds: number): void;
}

/** The after-erasure reads that need no lock (`suppression`, reports). */
export interface AfterErasureReader {
  /** The key suppression digests are made with; undefined in a state no run of this version has written. */
  suppressionKey(): Buffer | undefined;
  /** Every erased request's digest with its settlement date, oldest first; and how many erased emails have none yet. */
  suppressionEntries(): { entries: { digest: string; settledAt: string }[]; withoutDigest: number };
  /** The erased requests a run's input named, each with the Stripe objects it resolved to. */
  erasuresOfRun(runId: string): Iterable<ErasureRecord & { objectIds: string[] }>;
}

function hasTable(sql: StateSql, name: string): boolean {
  return sql.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

export function sqliteAfterErasureReader(sql: StateSql): AfterErasureReader {
  const ready = () => hasTable(sql, 'erasures');
  return {
    suppressionKey() {
      const row = sql.prepare("SELECT value FROM meta WHERE key = 'suppression_key'").get() as { value: string } | undefined;
      return row === undefined ? undefined : Buffer.from(row.value, 'hex');
    },
    suppressionEntries() {
      if (!ready()) return { entries: [], withoutDigest: 0 };
      const entries = (
        sql.prepare('SELECT suppression_digest AS digest, settled_at AS settledAt FROM erasures WHERE suppression_digest IS NOT NULL ORDER BY settled_at, suppression_digest').all() as {
          digest: string;
          settledAt: string;
        }[]
      ).map((row) => ({ digest: row.digest, settledAt: row.settledAt }));
      const { n } = sql.prepare("SELECT COUNT(*) AS n FROM erasures WHERE suppression_digest IS NULL AND identifier_key LIKE 'email:%'").get() as { n: number };
      return { entries, withoutDigest: n };
    },
    *erasuresOfRun(runId) {
      // The run's identifiers are the ones this connection noted for it (state-identifiers.ts).
      if (!ready() || !hasRunIdentifiers(sql)) return;
      // Row by row: a cumulative million-row night erases most of its rows, and holding them all
      // (twice, as rows and as a CSV text) took a gigabyte.
      const rows = sql
        .prepare(
          `SELECT e.identifier_key AS key, e.request_id AS requestId, e.settled_at AS settledAt,
                  (SELECT group_concat(object_id, ' ') FROM (SELECT object_id FROM resolutions WHERE identifier_key = e.identifier_key ORDER BY object_id)) AS objectIds
             FROM erasures e JOIN ${RUN_IDENTIFIER_KEYS_SQL} r ON r.identifier_key = e.identifier_key
            ORDER BY e.settled_at, e.identifier_key`,
        )
        .iterate({ runId }) as IterableIterator<{ key: string; requestId: string | null; settledAt: string; objectIds: string | null }>;
      for (const row of rows) yield { key: row.key, requestId: row.requestId, settledAt: row.settledAt, objectIds: row.objectIds ? row.objectIds.split(' ') : [] };
    },
  };
}

/** The read-write ledger; gives a state its suppression key on first use. */
export function sqliteAfterErasureLedger(sql: StateSql): AfterErasureLedger & AfterErasureReader {
  sql.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('suppression_key', ?)").run(randomBytes(32).toString('hex'));
  return {
    ...sqliteAfterErasureReader(sql),
    noteErasure(key, facts) {
      sql
        .prepare(
          `INSERT INTO erasures (identifier_key, request_id, suppression_digest, settled_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (identifier_key) DO UPDATE SET
             request_id = COALESCE(erasures.request_id, excluded.request_id),
             suppression_digest = COALESCE(erasures.suppression_digest, excluded.suppression_digest)
           -- Only when it fills something: an erasure noted before is read again every night, and
           -- an update that changes nothing would still write its page.
           WHERE (erasures.request_id IS NULL AND excluded.request_id IS NOT NULL)
              OR (erasures.suppression_digest IS NULL AND excluded.suppression_digest IS NOT NULL)`,
        )
        .run(key, facts.requestId, facts.suppressionDigest, facts.settledAt);
    },
    erasureOf(key) {
      const row = sql.prepare('SELECT identifier_key AS key, request_id AS requestId, settled_at AS settledAt FROM erasures WHERE identifier_key = ?').get(key) as
        | ErasureRecord
        | undefined;
      return row === undefined ? undefined : { ...row };
    },
    earliestSettlement() {
      const row = sql.prepare('SELECT MIN(settled_at) AS first FROM erasures').get() as { first: string | null };
      return row.first === null ? undefined : Math.floor(Date.parse(row.first) / 1000);
    },
    noteReappearance(found, runId) {
      const result = sql
        .prepare('INSERT OR IGNORE INTO reappearances (customer_id, identifier_key, seen_at, customer_created, found_at, run_id) VALUES (?, ?, ?, ?, ?, ?)')
        .run(found.customerId, found.key, found.seenAt, found.customerCreated, sql.now(), runId);
      return result.changes > 0;
    },
    unreportedReappearances() {
      return sql
        .prepare(
          `SELECT r.customer_id AS customerId, r.identifier_key AS key, r.customer_created AS customerCreated,
                  e.request_id AS requestId, e.settled_at AS settledAt
             FROM reappearances r JOIN erasures e ON e.identifier_key = r.identifier_key
            WHERE r.reported_at IS NULL
            ORDER BY r.customer_created, r.customer_id, r.identifier_key`,
        )
        .all() as UnreportedReappearance[];
    },
    markReappearancesReported(found) {
      const mark = sql.prepare('UPDATE reappearances SET reported_at = ? WHERE customer_id = ? AND identifier_key = ? AND reported_at IS NULL');
      const now = sql.now();
      sql.transaction(() => {
        for (const r of found) mark.run(now, r.customerId, r.key);
      });
    },
    watchCursor() {
      const row = sql.prepare("SELECT value FROM meta WHERE key = 'watch_cursor'").get() as { value: string } | undefined;
      return row === undefined ? undefined : Number(row.value);
    },
    setWatchCursor(seconds) {
      sql.prepare("INSERT INTO meta (key, value) VALUES ('watch_cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(seconds));
    },
  };
}
