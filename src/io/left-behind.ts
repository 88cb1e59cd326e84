/**
 * What a process killed outright leaves behind. SIGKILL, the OOM killer or a timeout's `kill -9`
 * runs no `finally`, so the private copies a run makes — standard input spooled to a file, an input
 * split by account, a report's temporary file — stay where they were made, some of them holding the
 * emails of people who asked to be forgotten. Each such name carries the pid of the process that
 * made it, so a later process can tell the leftovers of a dead one from the live work of another,
 * and remove them.
 */
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Whether a process with this id exists (signal 0 checks without sending; EPERM: it exists, not ours). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the entries of `directory` that `pidOf` names as made by a process (their pid), when that
 * process is gone: never this process's own, another live process's, a symbolic link, or an entry
 * another user owns. Best effort: an entry that cannot be read or removed is left as it is.
 */
export function removeLeftBehind(directory: string, pidOf: (entry: string) => number | undefined): void {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const entry of entries) {
    const pid = pidOf(entry);
    if (pid === undefined || pid === process.pid || isProcessAlive(pid)) continue;
    const path = join(directory, entry);
    try {
      const stats = lstatSync(path);
      if (stats.isSymbolicLink() || (uid !== undefined && stats.uid !== uid)) continue;
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Another cleaner got there first, or it is not ours to remove.
    }
  }
}

/** The pid in a name `<prefix><pid>-<suffix>`, as {@link removeLeftBehind} reads it; `undefined` for any other name. */
export function pidAfterPrefix(prefix: string): (entry: string) => number | undefined {
  return (entry) => {
    if (!entry.startsWith(prefix)) return undefined;
    const match = /^(\d+)-[^/]+$/.exec(entry.slice(prefix.length));
    return match ? Number(match[1]) : undefined;
  };
}
