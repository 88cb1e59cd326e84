import { randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { StateStoreError } from '../errors.js';
import { RECORDS_MIGRATION, RECORDS_TABLES } from './state-records-schema.js';
import { AFTER_ERASURE_TABLES } from './state-after-erasure.js';
import { SETTLED_KEYS_TABLE } from './settled-keys.js';

/**
 * The state file's tables. Bump {@link SCHEMA_VERSION} on any change that an older version
 * could not read; the store refuses a state file of another version rather than guess.
 *
 * - identifiers: one row per distinct request identifier (`email:<hmac>` or `id:<stripe id>`);
 * - resolutions: identifier → Stripe objects it resolved to (kept, never dropped);
 * - objects: each Stripe object's status (see domain/object-status.ts), blockers, fixes and reasons,
 *   and what Stripe stated when it was last read (`stripe_*`, `verified_at`: domain/verification.ts);
 * - jobs, job_objects, job_events: every job this state created, what it carried, each status seen;
 * - runs: one row per run with its summary;
 * - identifier_runs: every run whose input named an identifier while it may still act on it
 *   (identifiers.seen_run keeps only the latest; a settled identifier read again is not recorded);
 * - identifier_rows, invalid_reads: the first row of a run naming an identifier (older runs'; now a TEMP
 *   table, state-identifiers.ts); rows reported invalid (state-row-reads.ts);
 * - settled_keys: identifiers a run found settled for good, which later runs pass by (settled-keys.ts);
 * - erasures, reappearances: what follows an erasure (state-after-erasure.ts);
 * - requests, ledger: the register of requests and the ledger of runs (state-records-schema.ts);
 * - meta: the schema version, the state's random id, the email hashing key, and the Stripe account
 *   and mode the state belongs to (`account_id`, `livemode`, `account_bound_at`; see {@link bindAccount}).
 */
export const SCHEMA_VERSION = '6';

/**
 * Versions a read-only open reads as they are, without migrating (sqlite-state-store.ts): 2 lacks
 * `identifier_runs`, 2 and 3 hold sentences where 4 holds reasons (state-reasons.ts reads both),
 * before 5 no object records what Stripe stated when read, and before 6 there is no register and no
 * ledger (read as empty).
 */
export const READABLE_SCHEMA_VERSIONS: readonly string[] = ['2', '3', '4', '5', SCHEMA_VERSION];

/**
 * What Stripe stated when the object was last read (domain/verification.ts StatedStatus; `raw`: an
 * unknown redaction status as sent), the object's own `created`, when it was read, and when a read
 * last showed it redacted. Only what Stripe answered is written here.
 */
const STRIPE_READ_COLUMNS = `stripe_stated TEXT, stripe_raw TEXT, stripe_created INTEGER, stripe_read_at TEXT, verified_at TEXT`;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, mode TEXT NOT NULL, input_path TEXT NOT NULL,
  started_at TEXT NOT NULL, ended_at TEXT, summary TEXT
);
-- key: 'email:<hmac hex>' or 'id:<stripe id>'
CREATE TABLE IF NOT EXISTS identifiers (
  key TEXT PRIMARY KEY, type TEXT NOT NULL,
  -- messages: domain/reason.ts Reason[] (JSON), what the report says about how it was looked up
  resolved_at TEXT, messages TEXT NOT NULL DEFAULT '[]',
  -- once a strongly consistent lookup (the list filter) found nothing, later runs need not ask again:
  -- 1 no customer (all a state written before guest lookups knows), 2 no customer and no guest session
  absence_confirmed INTEGER NOT NULL DEFAULT 0,
  seen_run TEXT, updated_at TEXT NOT NULL
);
-- one row per distinct identifier per run that read it: a person's story lists every run
CREATE TABLE IF NOT EXISTS identifier_runs (
  identifier_key TEXT NOT NULL, run_id TEXT NOT NULL, PRIMARY KEY (identifier_key, run_id)
);
CREATE TABLE IF NOT EXISTS resolutions (
  identifier_key TEXT NOT NULL, object_id TEXT NOT NULL, PRIMARY KEY (identifier_key, object_id)
);
CREATE TABLE IF NOT EXISTS objects (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL,
  job_id INTEGER, deferred_on INTEGER,
  -- messages: domain/reason.ts Reason[] (JSON), worded only when a report is written
  error_codes TEXT NOT NULL DEFAULT '[]', messages TEXT NOT NULL DEFAULT '[]',
  -- domain/blocker.ts Blocker[]: what blocks it now; what Stripe's fix clears (or cleared) for it
  blockers TEXT NOT NULL DEFAULT '[]', fixes TEXT NOT NULL DEFAULT '[]',
  updated_at TEXT NOT NULL,
  ${STRIPE_READ_COLUMNS}
);
CREATE INDEX IF NOT EXISTS objects_by_status ON objects (status);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stripe_id TEXT UNIQUE,
  status TEXT NOT NULL,
  validation_behavior TEXT NOT NULL,
  actions INTEGER NOT NULL DEFAULT 0,
  run_id TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
CREATE TABLE IF NOT EXISTS job_objects (
  job_id INTEGER NOT NULL, object_id TEXT NOT NULL, PRIMARY KEY (job_id, object_id)
);
CREATE INDEX IF NOT EXISTS job_objects_by_object ON job_objects (object_id);
CREATE TABLE IF NOT EXISTS job_events (
  job_id INTEGER NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL, detail TEXT
);
-- the first row of each run's input that named an identifier: later rows repeating it are duplicates
CREATE TABLE IF NOT EXISTS identifier_rows (
  identifier_key TEXT NOT NULL, run_id TEXT NOT NULL, first_row INTEGER NOT NULL, PRIMARY KEY (identifier_key, run_id)
);
-- each validation behaviour a job had, from its creation: what it validated and ran with ('show')
CREATE TABLE IF NOT EXISTS job_behaviors (job_id INTEGER NOT NULL, behavior TEXT NOT NULL, at TEXT NOT NULL);
-- rows reported invalid, by a keyed digest of the cell ('cell:<hmac>') or of an address inside it
-- ('email:<hmac>'); never the cell itself. Added without a version bump: older versions ignore it.
CREATE TABLE IF NOT EXISTS invalid_reads (
  key TEXT NOT NULL, run_id TEXT NOT NULL, via TEXT NOT NULL, first_row INTEGER NOT NULL,
  rows INTEGER NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (key, run_id)
);
${AFTER_ERASURE_TABLES}
${SETTLED_KEYS_TABLE}
${RECORDS_TABLES}`;

/**
 * Steps from an older schema version to the next, applied in order when a state is opened. A step's
 * SQL may depend on the columns a table already has (`hasColumn`): a column is added only once.
 */
const MIGRATIONS: Record<string, { to: string; sql: string | ((hasColumn: (table: string, column: string) => boolean) => string) }> = {
  '1': {
    to: '2',
    sql: `ALTER TABLE objects ADD COLUMN blockers TEXT NOT NULL DEFAULT '[]';
          ALTER TABLE objects ADD COLUMN fixes TEXT NOT NULL DEFAULT '[]';`,
  },
  // Runs before version 3 named only the latest run per identifier: that one is carried over.
  '2': {
    to: '3',
    sql: `CREATE TABLE IF NOT EXISTS identifier_runs (
            identifier_key TEXT NOT NULL, run_id TEXT NOT NULL, PRIMARY KEY (identifier_key, run_id)
          );
          INSERT OR IGNORE INTO identifier_runs (identifier_key, run_id)
            SELECT key, seen_run FROM identifiers WHERE seen_run IS NOT NULL;`,
  },
  // States before version 4 stored sentences, not reasons: each becomes a `text` reason, which the
  // report words as the very sentence it was.
  '3': {
    to: '4',
    sql: `UPDATE identifiers SET messages = (${textReasonsOf('identifiers.messages')}) WHERE messages != '[]';
          UPDATE objects SET messages = (${textReasonsOf('objects.messages')}) WHERE messages != '[]';`,
  },
  // Before version 5 a succeeded job was taken for proof: its objects now wait for Stripe's own word,
  // which the next run that names them reads (docs/contract.md#result-csv version 3).
  '4': {
    to: '5',
    sql: (hasColumn) =>
      `${STRIPE_READ_COLUMNS.split(', ')
        .filter((column) => !hasColumn('objects', column.split(' ')[0] as string))
        .map((column) => `ALTER TABLE objects ADD COLUMN ${column};`)
        .join('\n')}
       UPDATE objects SET status = 'redaction_pending' WHERE status = 'redacted';`,
  },
  // The register of requests and the ledger of runs (state-records-schema.ts): new tables only.
  // Runs before it have no entry; the ledger starts with the first run after.
  '5': { to: '6', sql: RECORDS_MIGRATION },
};

/** SQL turning a JSON array of sentences into one of `{ "code": "text", "text": … }` reasons, in order; items that are reasons already stay. */
function textReasonsOf(column: string): string {
  return `SELECT json_group_array(CASE WHEN type = 'text' THEN json_object('code', 'text', 'text', value) ELSE json(value) END ORDER BY key)
            FROM json_each(${column})`;
}

/**
 * Checks the schema version of an opened state and, on a new one, writes its identity: a random
 * state id (idempotency keys of two state files never collide) and the key that hashes emails.
 */
export function initialiseMeta(db: Database.Database, path: string): { stateId: string; storedHashKey: Buffer } {
  const meta = (key: string): string | undefined =>
    (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  let version = meta('schema_version');
  if (version !== undefined && MIGRATIONS[version]) {
    db.transaction(() => {
      const hasColumn = (table: string, column: string) => db.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?').get(table, column) !== undefined;
      for (let step = version === undefined ? undefined : MIGRATIONS[version]; step; step = MIGRATIONS[step.to]) {
        db.exec(typeof step.sql === 'string' ? step.sql : step.sql(hasColumn));
        version = step.to;
      }
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(version);
    })();
  }
  if (version !== undefined && version !== SCHEMA_VERSION) {
    db.close();
    throw new StateStoreError(`the state file ${path} has schema version ${version}; this version reads ${SCHEMA_VERSION}`);
  }
  const init = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
  db.transaction(() => {
    init.run('schema_version', SCHEMA_VERSION);
    init.run('state_id', randomUUID());
    init.run('hash_key', randomBytes(32).toString('hex'));
  })();
  return { stateId: meta('state_id') as string, storedHashKey: Buffer.from(meta('hash_key') as string, 'hex') };
}

/** The Stripe account and mode a state belongs to. */
export interface StateAccount {
  /** `acct_…`, as `GET /v1/account` names it. */
  accountId: string;
  livemode: boolean;
}

/** What {@link bindAccount} found. */
export type AccountBinding =
  /** The state already belonged to this account and mode. */
  | { kind: 'kept'; account: StateAccount }
  /**
   * The state belonged to no account and now belongs to this one: a new state, or (`earlierRuns`)
   * one written before states recorded their account, whose runs are taken to be this account's.
   */
  | { kind: 'bound'; account: StateAccount; earlierRuns: number }
  /** The state belongs to another account or mode: nothing was written. */
  | { kind: 'mismatch'; stored: StateAccount; current: StateAccount };

/**
 * Binds a state to the account and mode of the key at its first use, and checks it at every later
 * one. A state's jobs, resolutions and redacted objects are facts about one account in one mode:
 * read against another, they would report another account's customers redacted and drive its jobs
 * with the wrong key. A rotated key of the same account names the same account id, so it keeps the
 * state. Meta rows, not a table: a state of schema version 1 has the meta table already.
 */
export function bindAccount(db: Database.Database, account: StateAccount, now: string): AccountBinding {
  return db.transaction((): AccountBinding => {
    const meta = (key: string): string | undefined =>
      (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    const storedId = meta('account_id');
    if (storedId !== undefined) {
      const stored: StateAccount = { accountId: storedId, livemode: meta('livemode') === 'true' };
      if (stored.accountId === account.accountId && stored.livemode === account.livemode) return { kind: 'kept', account: stored };
      return { kind: 'mismatch', stored, current: account };
    }
    const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    put.run('account_id', account.accountId);
    put.run('livemode', String(account.livemode));
    put.run('account_bound_at', now);
    const { runs } = db.prepare('SELECT COUNT(*) AS runs FROM runs').get() as { runs: number };
    return { kind: 'bound', account, earlierRuns: runs };
  })();
}

/** The account and mode a state belongs to, if it was ever bound. */
export function readAccount(db: Database.Database): StateAccount | undefined {
  const get = db.prepare('SELECT value FROM meta WHERE key = ?');
  const id = (get.get('account_id') as { value: string } | undefined)?.value;
  if (id === undefined) return undefined;
  return { accountId: id, livemode: (get.get('livemode') as { value: string } | undefined)?.value === 'true' };
}
