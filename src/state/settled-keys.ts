/**
 * The identifiers settled for good, kept apart so that a run can pass them by without reading the
 * state (docs/testing.md#the-cumulative-night).
 *
 * A cumulative export holds every request ever received: after a year, a night's input is a million
 * rows of which nearly all settled long ago. Reading each one's identifier, resolutions and objects
 * costs a few random page reads of a state of a gigabyte or more — most of a minute per million rows
 * before Stripe's work for the new rows can start. So the identifiers a run found settled for good
 * are noted in `settled_keys` (a 16-byte digest of the key, and for how wide a lookup), which the
 * next run loads once, sorted, into one buffer (16 MB per million) and searches in memory.
 *
 * An identifier settled for good stays so: no job or lookup touches an identifier whose objects are
 * all done or whose absence was confirmed. `expire` removes its digest with the identifier. The
 * table is added without a schema version bump (`CREATE TABLE IF NOT EXISTS` on every writable open):
 * an older version ignores it, and one that writes the state meanwhile settles nothing new in it.
 */
import { createHash } from 'node:crypto';
import type { StateSql } from './state-sql.js';

export const SETTLED_KEYS_TABLE = `
CREATE TABLE IF NOT EXISTS settled_keys (digest BLOB PRIMARY KEY, level INTEGER NOT NULL) WITHOUT ROWID;
`;

/**
 * How wide a lookup the settling covered: `customers` when a lookup without guest Checkout Sessions
 * confirmed an absence (settled only for runs that do not look for guests), `any` otherwise.
 */
export const SETTLED_FOR = { customers: 1, any: 2 } as const;

const DIGEST_BYTES = 16;

/** The digest a settled key is kept under: an email key's own HMAC (already keyed and uniform), else a SHA-256. */
export function settledDigest(key: string): Buffer {
  if (key.startsWith('email:') && key.length >= 6 + 2 * DIGEST_BYTES) return Buffer.from(key.slice(6, 6 + 2 * DIGEST_BYTES), 'hex');
  return createHash('sha256').update(key).digest().subarray(0, DIGEST_BYTES);
}

/** The digests settled for a run, sorted in one buffer. */
export class SettledKeys {
  private constructor(
    private readonly digests: Buffer,
    readonly size: number,
  ) {}

  /** Loads the digests settled for a run that looks for guests (`guests`) or not. */
  static load(sql: StateSql, guests: boolean): SettledKeys {
    const least = guests ? SETTLED_FOR.any : SETTLED_FOR.customers;
    const { n } = sql.prepare('SELECT COUNT(*) AS n FROM settled_keys WHERE level >= ?').get(least) as { n: number };
    const digests = Buffer.alloc(n * DIGEST_BYTES);
    let size = 0;
    // The table's key order is the digests' byte order: the buffer comes out sorted.
    for (const row of sql.prepare('SELECT digest FROM settled_keys WHERE level >= ? ORDER BY digest').iterate(least) as Iterable<{ digest: Buffer }>) {
      if (size === n) break;
      row.digest.copy(digests, size * DIGEST_BYTES);
      size += 1;
    }
    return new SettledKeys(digests, size);
  }

  /** Where `key` sits among the settled digests; -1 when it is not settled. */
  indexOf(key: string): number {
    if (this.size === 0) return -1;
    const digest = settledDigest(key);
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = this.digests.compare(digest, 0, DIGEST_BYTES, middle * DIGEST_BYTES, (middle + 1) * DIGEST_BYTES);
      if (order === 0) return middle;
      // `order` compares the buffer's entry with the digest: the entry sorts after it → look lower.
      if (order > 0) high = middle - 1;
      else low = middle + 1;
    }
    return -1;
  }
}

/** Notes that a run found `key` settled for good, `level` wide (SETTLED_FOR). */
export function noteSettledKey(sql: StateSql, key: string, level: number): void {
  sql.prepare('INSERT INTO settled_keys (digest, level) VALUES (?, ?) ON CONFLICT (digest) DO UPDATE SET level = MAX(level, excluded.level) WHERE excluded.level > settled_keys.level').run(settledDigest(key), level);
}

/** Forgets a settled key (`expire`). */
export function forgetSettledKey(sql: StateSql, key: string): void {
  sql.prepare('DELETE FROM settled_keys WHERE digest = ?').run(settledDigest(key));
}

/** A run's notes of the settled keys it read: by index among the settled digests, the first row + 1 (0: not read). */
interface SettledNotes {
  keys: SettledKeys;
  rows: Uint32Array;
}

/** A settled key read without a row number. */
const NO_ROW = 0xffffffff;

/**
 * The settled keys each run of this connection read, and the first row naming each: in memory (4
 * bytes per settled key), since a random insert into a table of a million for each row cost more
 * than all the rest of a settled row's planning. Keyed by the connection (every part of the store
 * shares it), then by run.
 */
const notesByConnection = new WeakMap<StateSql, Map<string, SettledNotes[]>>();

/** Notes that run `runId` read settled key number `index` of `keys` at `row`; false when it had already. */
export function noteSettledRead(sql: StateSql, runId: string, keys: SettledKeys, index: number, row: number | undefined): boolean {
  let runs = notesByConnection.get(sql);
  if (runs === undefined) notesByConnection.set(sql, (runs = new Map()));
  let notes = runs.get(runId)?.find((n) => n.keys === keys);
  if (notes === undefined) {
    notes = { keys, rows: new Uint32Array(keys.size) };
    runs.set(runId, [...(runs.get(runId) ?? []), notes]);
  }
  if (notes.rows[index] !== 0) return false;
  notes.rows[index] = row === undefined ? NO_ROW : row + 1;
  return true;
}

/** Whether run `runId` read `key` as settled, and at which first row. */
export function settledReadOf(sql: StateSql, key: string, runId: string): { firstRow: number | undefined } | undefined {
  for (const notes of notesByConnection.get(sql)?.get(runId) ?? []) {
    const index = notes.keys.indexOf(key);
    const noted = index < 0 ? 0 : (notes.rows[index] as number);
    if (noted !== 0) return { firstRow: noted === NO_ROW ? undefined : noted - 1 };
  }
  return undefined;
}
