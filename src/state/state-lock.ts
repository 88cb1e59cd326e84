import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StateStoreError } from '../errors.js';

/**
 * One run at a time per state file: two overlapping cron runs would pack the same customers into
 * two jobs. The lock is an SQLite lock on `<state>.lock` held for the whole run: the kernel
 * releases it when the process dies, however it dies (SIGKILL, OOM, a zombie its parent never
 * reaps), so a killed run never locks out the next one. The file itself stays between runs; a
 * file left behind holds no lock. Returns the release function.
 *
 * @throws {StateStoreError} `STATE_LOCKED` when another live run holds the state, `STATE_LOCK`
 * when the lock file cannot be created or opened.
 */
export function acquireStateLock(statePath: string): () => void {
  const lockPath = `${statePath}.lock`;
  try {
    mkdirSync(dirname(lockPath), { recursive: true });
    let lock = holdExclusiveLock(lockPath);
    if (!lock.held && lock.reason === 'not-a-database') {
      // The pid file of an earlier version, left by a killed run: it locks nothing any more.
      rmSync(lockPath, { force: true });
      lock = holdExclusiveLock(lockPath);
    }
    if (lock.held) return lock.release;
  } catch (error) {
    throw new StateStoreError(`cannot lock the state ${statePath}: ${(error as Error).message}`, { code: 'STATE_LOCK', cause: error });
  }
  throw new StateStoreError(`another stripe-redact run is using the state ${statePath}; wait for it to finish`, { code: 'STATE_LOCKED' });
}

/** What {@link holdExclusiveLock} found. */
type ExclusiveLock =
  | { held: true; release: () => void }
  /** Another live process holds it. */
  | { held: false; reason: 'busy' }
  /** The file is not an SQLite database (e.g. the pid file of an earlier version). */
  | { held: false; reason: 'not-a-database' };

/**
 * Takes an exclusive lock on `path`, a small SQLite database of its own, and holds it until
 * `release` — or until the process ends, however it ends. The lock is SQLite's file lock (POSIX
 * `fcntl`), which the kernel drops when the process's files close: before a killed process
 * becomes a zombie, whoever reaps it, and never mistaken for a reused pid. Answers at once
 * (no busy wait) when another process holds it.
 */
function holdExclusiveLock(path: string): ExclusiveLock {
  const db = new Database(path, { timeout: 0 });
  try {
    // EXCLUSIVE locking mode keeps the lock past each statement; the open write transaction
    // takes it now and holds it for the whole run.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY') return { held: false, reason: 'busy' };
    if (code === 'SQLITE_NOTADB') return { held: false, reason: 'not-a-database' };
    throw error;
  }
  return {
    held: true,
    release: () => {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
