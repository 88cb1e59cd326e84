import { Command } from 'commander';
import { ROW_STATUSES } from '../domain/row-status.js';
import type { StoredRun } from '../state/state-store.js';
import { withStateToRead } from './read-command.js';
import { parseCommandLine } from './usage.js';
import { withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';

const HELP_HINT = 'stripe-redact history --help';

/** One run as `history` shows it (and `--json` prints). */
export interface RunHistoryEntry {
  runId: string;
  mode: string;
  startedAt: string;
  /** Null while the run goes on, or when it was killed before it ended. */
  endedAt: string | null;
  input: string;
  /** SHA-256 of the input's bytes; null for a run that never ended. */
  inputSha256: string | null;
  /** Rows per status; empty for a run that never ended. */
  statuses: Record<string, number>;
}

/**
 * A stored run as `history` reports it: the summary's own figures (those of summary.json), never
 * recomputed; the state's own times for a run that wrote none.
 */
export function toHistoryEntry(run: StoredRun): RunHistoryEntry {
  const summary = run.summary ?? {};
  const sha = summary.inputSha256;
  const statuses = summary.statuses;
  const time = (value: unknown, fallback: string | null) => (typeof value === 'string' ? value : fallback);
  return {
    runId: run.id,
    mode: run.mode,
    startedAt: time(summary.startedAt, run.startedAt) as string,
    endedAt: time(summary.endedAt, run.endedAt),
    input: run.input,
    inputSha256: typeof sha === 'string' ? sha : null,
    statuses: statuses && typeof statuses === 'object' ? (statuses as Record<string, number>) : {},
  };
}

/** The counts of a run, in the contract's order, zeros left out: `redacted 3, needs_action 1`. */
export function describeCounts(statuses: Record<string, number>): string {
  const known = ROW_STATUSES.filter((s) => (statuses[s] ?? 0) > 0).map((s) => `${s} ${statuses[s]}`);
  return known.join(', ') || 'no rows';
}

/**
 * How a run without an end reads: the latest may still be running (or was killed, and the next
 * run continues it); one a later run followed was stopped, and that run continued its work.
 */
export function describeUnended(next: { runId: string } | undefined): string {
  return next === undefined
    ? 'did not end (still running, or killed: the next run continues it)'
    : `was stopped before its end (killed or interrupted); the later run ${next.runId} continued its work`;
}

function describeEntry(entry: RunHistoryEntry, next: RunHistoryEntry | undefined): string {
  const ended = entry.endedAt ?? describeUnended(next);
  return [
    `${entry.runId}  ${entry.mode}`,
    `  started ${entry.startedAt}, ended ${ended}`,
    `  input ${entry.input}${entry.inputSha256 ? ` (sha256 ${entry.inputSha256})` : ''}`,
    `  ${entry.endedAt ? describeCounts(entry.statuses) : 'no report written'}`,
  ].join('\n');
}

/** `stripe-redact history [--state FILE] [--json]`: the runs of a state, oldest first. */
export function historyCommand(argv: string[]): CommandOutcome {
  const command = withUsageErrors(
    new Command('stripe-redact history')
      .description('the runs a state has seen: id, times, input and its SHA-256, mode, rows per status')
      .option('--state <file>', 'the state to read (default: the only state in the state directory)')
      .option('--stripe-account <acct>', "a connected account's state: its default state, or the one beside --state FILE (FILE.acct_….db)")
      .option('--json', 'one JSON document: {state, runs: [...]}')
      .addHelpText('after', '\nReads the state only: no API key needed, nothing is sent, a running run is not disturbed.'),
    HELP_HINT,
  );
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const options = command.opts<{ state?: string; json?: boolean; stripeAccount?: string }>();
  return withStateToRead(options.state, (store, path) => {
    const runs = store.runs().map(toHistoryEntry);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ state: path, runs }, null, 2)}\n`);
    } else {
      const lines = [`state ${path}: ${runs.length} run(s)`, ...runs.map((entry, i) => describeEntry(entry, runs[i + 1]))];
      process.stdout.write(`${lines.join('\n\n')}\n`);
    }
    return { kind: 'done' };
  }, options.stripeAccount);
}
