import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StateStoreError } from '../errors.js';

/**
 * One run at a time per state file: two overlapping cron runs would pack the same customers into
 * two jobs. The lock is a file beside the state holding the owner's pid; a lock whose process is
 * gone (a killed run) is taken over.
 */
export function acquireStateLock(statePath: string): () => void {
  const lockPath = `${statePath}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StateStoreError(`cannot lock the state ${statePath}: ${(error as Error).message}`, { code: 'STATE_LOCK' });
      }
      const owner = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new StateStoreError(
          `another stripe-redact run (pid ${owner}) is using the state ${statePath}; wait for it to finish`,
          { code: 'STATE_LOCKED' },
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new StateStoreError(`cannot lock the state ${statePath}`, { code: 'STATE_LOCK' });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
