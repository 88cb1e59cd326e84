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

  has(key: string): boolean {
    if (this.size === 0) return false;
    const digest = settledDigest(key);
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = this.digests.compare(digest, 0, DIGEST_BYTES, middle * DIGEST_BYTES, (middle + 1) * DIGEST_BYTES);
      if (order === 0) return true;
      // `order` compares the buffer's entry with the digest: the entry sorts after it → look lower.
      if (order > 0) high = middle - 1;
      else low = middle + 1;
    }
    return false;
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
