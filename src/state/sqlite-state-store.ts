/**
 * The state port's adapter (state-store.ts) on SQLite: opens the file, checks or migrates its schema
 * (state-schema.ts), and puts the concept modules together — identifiers (state-identifiers.ts),
 * objects (state-objects.ts), jobs (state-jobs.ts), runs (state-runs.ts) and the read-only history
 * (state-history.ts). With the run lock (state-lock.ts), the only importer of better-sqlite3.
 */
import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StateStoreError } from '../errors.js';
import { SCHEMA, SCHEMA_VERSION, bindAccount, initialiseMeta, readAccount, READABLE_SCHEMA_VERSIONS } from './state-schema.js';
import { sqliteStateHistory } from './state-history.js';
import { sqliteAfterErasureLedger, sqliteAfterErasureReader } from './state-after-erasure.js';
import { sqliteIdentifierLedger } from './state-identifiers.js';
import { sqliteJobLedger } from './state-jobs.js';
import { stateIdentifierKeys } from './state-keys.js';
import { sqliteObjectLedger } from './state-objects.js';
import { sqliteRunLedger } from './state-runs.js';
import { sqliteRowReadHistory, sqliteRowReadLedger } from './state-row-reads.js';
import type { SqlStatement, StateSql } from './state-sql.js';
import { sqliteRequestRegisterReader, sqliteRequestRegisterWriter } from './state-requests.js';
import { sqliteLedgerReader, sqliteLedgerWriter } from './state-ledger.js';
import { sqliteStateExpirer } from './state-expiry.js';
import type { StateReader, StateStore } from './state-store.js';

export interface StateStoreOptions {
  /** The state file; `:memory:` for tests. Its directory must exist. */
  path: string;
  /** Overrides the stored hashing key (e.g. from a secret store). */
  hashKey?: string;
  /** @default the system clock */
  clock?: () => Date;
}

/**
 * Opens (creating or migrating as needed) the state file a run works with.
 *
 * @throws {StateStoreError} `STATE_STORE` when the file cannot be opened or has a schema version
 * this one cannot migrate.
 */
export function openStateStore(options: StateStoreOptions): StateStore {
  let db: Database.Database;
  try {
    // No mkdir: a mistyped directory must not become a fresh, empty state (the CLI makes the default one's).
    db = new Database(options.path);
    // Owner only: the state holds customer ids and the key that hashes emails.
    if (options.path !== ':memory:') chmodSync(options.path, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
  } catch (error) {
    throw new StateStoreError(`cannot open the state file ${options.path}: ${(error as Error).message}`);
  }
  const { stateId, storedHashKey } = initialiseMeta(db, options.path);
  const hashKey = options.hashKey ? Buffer.from(options.hashKey, 'utf8') : storedHashKey;
  const sql = sqlOf(db, options.clock ?? (() => new Date()));
  const objects = sqliteObjectLedger(sql);
  return {
    stateId,
    now: sql.now,
    transaction: sql.transaction,
    close: () => closeOnce(db),
    bindAccount: (account) => bindAccount(db, account, sql.now()),
    account: () => readAccount(db),
    ...stateIdentifierKeys(hashKey),
    ...sqliteIdentifierLedger(sql),
    ...objects,
    ...sqliteJobLedger(sql, stateId, objects),
    ...sqliteRunLedger(sql),
    ...sqliteStateHistory(sql),
    ...sqliteRequestRegisterReader(sql),
    ...sqliteRequestRegisterWriter(sql),
    ...sqliteLedgerReader(sql),
    ...sqliteLedgerWriter(sql),
    ...sqliteStateExpirer(sql),
    ...sqliteRowReadLedger(sql),
    ...sqliteRowReadHistory(sql),
    ...sqliteAfterErasureLedger(sql),
  };
}

/**
 * Opens an existing state for reading only (`history`, `show`): never creates, migrates or
 * writes one, and takes no run lock, so it reads a state a running run is writing (WAL readers
 * do not block the writer). A state of an older schema version it can read is read as it is.
 *
 * @throws {StateStoreError} `STATE_MISSING` when there is no such file, `STATE_STORE` when it is
 * no state of a version this one reads.
 */
export function openStateReadOnly(options: Omit<StateStoreOptions, 'clock'>): StateReader {
  if (!existsSync(options.path)) {
    throw new StateStoreError(`there is no state file ${options.path}`, { code: 'STATE_MISSING' });
  }
  let db: Database.Database;
  let meta: Map<string, string>;
  try {
    db = new Database(options.path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  } catch (error) {
    throw new StateStoreError(`cannot read the state file ${options.path}: ${(error as Error).message}`);
  }
  const version = meta.get('schema_version');
  if (version === undefined || !READABLE_SCHEMA_VERSIONS.includes(version)) {
    db.close();
    throw new StateStoreError(`the state file ${options.path} has schema version ${version ?? 'none'}; this version reads ${SCHEMA_VERSION}`);
  }
  const hashKey = options.hashKey ? Buffer.from(options.hashKey, 'utf8') : Buffer.from(meta.get('hash_key') ?? '', 'hex');
  const sql = sqlOf(db, () => new Date());
  return {
    now: sql.now,
    close: () => closeOnce(db),
    account: () => readAccount(db),
    ...stateIdentifierKeys(hashKey),
    ...sqliteStateHistory(sql),
    ...sqliteRequestRegisterReader(sql),
    ...sqliteLedgerReader(sql),
    ...sqliteRowReadHistory(sql),
    ...sqliteAfterErasureReader(sql),
  };
}

function closeOnce(db: Database.Database): void {
  if (db.open) db.close();
}

/** The concept modules' view of the database: statements prepared once and kept, transactions, the clock. */
function sqlOf(db: Database.Database, clock: () => Date): StateSql {
  const statements = new Map<string, SqlStatement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql) as SqlStatement;
        statements.set(sql, statement);
      }
      return statement;
    },
    transaction: (fn) => db.transaction(fn)(),
    now: () => clock().toISOString(),
  };
}
