import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { StateStoreError } from '../errors.js';
import { holdExclusiveLock } from './state-store.js';

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
