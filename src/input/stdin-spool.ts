/**
 * `-` as the input: standard input can be read once, but a run reads its input three times (check,
 * plan, report). So it is first copied to a file only its owner can read (it holds the emails of
 * people who asked to be forgotten), in a private directory, and removed when the run ends.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InputFileError } from '../errors.js';
import { pidAfterPrefix, removeLeftBehind } from '../io/left-behind.js';

/** The private directories' names begin so, then the pid of the run that made them. */
const SPOOL_PREFIX = 'stripe-redact-stdin-';

/** How messages, the state and the summary name an input read from `-`. */
export const STDIN_NAME = 'standard input';

/** Standard input copied to a private file. */
export interface SpooledInput {
  /** The copy: owner-only (0600), in an owner-only (0700) directory of its own. */
  path: string;
  /** Deletes the copy and its directory; safe to call more than once. */
  remove(): void;
}

/** Options of {@link spoolInput}. */
export interface SpoolOptions {
  /** Where the private directory is made. @default os.tmpdir() */
  parentDir?: string;
}

/**
 * Copies `source` (standard input) to a private file. The copy is removed by `remove()`, and also
 * when the process exits without calling it (`process.exit` on a second Ctrl-C), or when SIGINT or
 * SIGTERM arrives while nothing else handles them (during the copy, before the run's graceful stop
 * is set up); only a SIGKILL leaves it, in a directory named `stripe-redact-stdin-<pid>-*` that only
 * its owner can read — and the next spool in the same place removes it (io/left-behind.ts).
 *
 * @throws {InputFileError} `INPUT_UNREADABLE` when reading or writing fails (the copy is removed).
 */
export async function spoolInput(source: NodeJS.ReadableStream, options: SpoolOptions = {}): Promise<SpooledInput> {
  const parent = options.parentDir ?? tmpdir();
  // The copies of runs killed outright: the emails in them are not left lying around.
  removeLeftBehind(parent, pidAfterPrefix(SPOOL_PREFIX));
  // mkdtemp makes the directory 0700, so nobody else can even list it.
  const dir = mkdtempSync(join(parent, `${SPOOL_PREFIX}${process.pid}-`));
  const path = join(dir, 'requests.csv');
  const remove = () => {
    process.off('exit', remove);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // Another listener (the run's graceful stop) owns the signal; the run's end removes the copy.
    if (process.listenerCount(signal) > 1) return;
    remove();
    // With this listener gone, the signal's default action ends the process as it would have.
    process.kill(process.pid, signal);
  };
  process.on('exit', remove);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await pipeline(source, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    remove();
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    throw new InputFileError(`${STDIN_NAME}: cannot copy it to a temporary file (${code ?? String(error)})`, {
      code: 'INPUT_UNREADABLE',
      path: STDIN_NAME,
      cause: error,
    });
  }
  return { path, remove };
}
