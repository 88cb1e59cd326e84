/**
 * The one owner of exit codes (docs/contract.md#exit-codes): every command ends in an
 * {@link CommandOutcome}, and {@link exitCodeOf} alone turns it into the process's exit code. Pure:
 * what a command prints is its own business; the number is decided here.
 */
import { ConfigError, InputFileError } from '../errors.js';

/** Exit codes of the contract. */
export const EXIT = { ok: 0, aborted: 1, usage: 2, unsettled: 3 } as const;

/** Exit codes of a run a signal interrupted (128 + the signal's number, as shells report it), whatever `--fail-on`. */
export const INTERRUPTED_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

export type InterruptSignal = keyof typeof INTERRUPTED_EXIT;

/** How a command ended. */
export type CommandOutcome =
  /** Did what was asked (help and version included). */
  | { kind: 'done' }
  /** A bad command line or configuration, already explained on stderr: nothing was done. */
  | { kind: 'usage' }
  /** A run that finished: the `--fail-on` items it found, and the signal that cut it short, if any. */
  | { kind: 'run'; failing: readonly string[]; interruptedBy?: InterruptSignal }
  /** A selftest that walked its guide: did every documented behaviour hold? */
  | { kind: 'selftest'; held: boolean }
  /** A second signal: stop now. */
  | { kind: 'interrupted'; signal: InterruptSignal }
  /** Did not do what was asked, already explained on stderr (a request the state does not hold, a ledger that does not hold). */
  | { kind: 'failed' }
  /** `watch` found people who came back after their erasure. */
  | { kind: 'reappeared' }
  /** A thrown error, already reported on stderr. */
  | { kind: 'error'; error: unknown };

/** The exit code of an outcome. */
export function exitCodeOf(outcome: CommandOutcome): number {
  switch (outcome.kind) {
    case 'done':
      return EXIT.ok;
    case 'usage':
      return EXIT.usage;
    case 'run':
      // Interrupted: the report is written, but the run did not finish — cron must not read 0 or 3.
      if (outcome.interruptedBy !== undefined) return INTERRUPTED_EXIT[outcome.interruptedBy];
      return outcome.failing.length > 0 ? EXIT.unsettled : EXIT.ok;
    case 'selftest':
      return outcome.held ? EXIT.ok : EXIT.aborted;
    case 'interrupted':
      return INTERRUPTED_EXIT[outcome.signal];
    case 'failed':
      return EXIT.aborted;
    case 'reappeared':
      return EXIT.unsettled;
    case 'error':
      return outcome.error instanceof ConfigError || outcome.error instanceof InputFileError ? EXIT.usage : EXIT.aborted;
  }
}

/** The outcome of {@link parseCommandLine}'s early exit: help or version printed, or a usage error. */
export function outcomeOfEarlyExit(code: number): CommandOutcome {
  return code === EXIT.ok ? { kind: 'done' } : { kind: 'usage' };
}
