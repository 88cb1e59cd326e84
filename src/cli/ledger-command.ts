/**
 * `stripe-redact ledger verify [--state FILE] [FILE…]` and `stripe-redact ledger export [--state FILE]`:
 * the state's hash-chained ledger of runs (state/ledger.ts, docs/ledger.md). `verify` recomputes the
 * chain — exit 0, or 1 naming each place it does not hold — and, for each results.csv or summary.json
 * given, names the run that wrote it, or says no run did (exit 1). `export` writes the entries as JSON
 * lines. Both read the state only.
 */
import { existsSync, openSync, readSync, closeSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { Command } from 'commander';
import { sha256OfFile } from '../io/file-digest.js';
import { entriesNaming, verifyLedger } from '../state/ledger.js';
import { STRIPE_ACCOUNT_OPTION, withStateToRead } from './read-command.js';
import { TOOL, parseCommandLine, usageLine, withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';

const HELP_HINT = 'stripe-redact ledger --help';

export async function ledgerCommand(argv: string[]): Promise<CommandOutcome> {
  const [sub, ...rest] = argv;
  if (sub === 'verify') return verifyCommand(rest);
  if (sub === 'export') return exportCommand(rest);
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    (sub === undefined ? process.stderr : process.stdout).write(
      `Usage: ${TOOL} ledger verify [--state FILE] [FILE…]   the runs' hash chain holds; which run wrote each results.csv or summary.json\n` +
        `       ${TOOL} ledger export [--state FILE]           the ledger as JSON lines\n`,
    );
    return sub === undefined ? { kind: 'usage' } : { kind: 'done' };
  }
  process.stderr.write(usageLine(`unknown ledger command '${sub}': use verify or export`, HELP_HINT));
  return { kind: 'usage' };
}

async function verifyCommand(argv: string[]): Promise<CommandOutcome> {
  const command = withUsageErrors(
    new Command('stripe-redact ledger verify')
      .description("recompute the state's hash chain of runs; name the run that wrote each results.csv or summary.json given")
      .argument('[files...]', 'results.csv or summary.json files to identify')
      .option('--state <file>', 'the state to read (default: the only state in the state directory)')
      .option(...STRIPE_ACCOUNT_OPTION)
      .addHelpText('after', '\nWith STRIPE_REDACT_LEDGER_KEY set, each entry\'s HMAC is checked too. Exit 0: the chain holds and every file was written by a run of it; 1: it does not, or a file was not.'),
    'stripe-redact ledger verify --help',
  );
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const files = command.args;
  for (const file of files) {
    if (!existsSync(file)) {
      process.stderr.write(usageLine(`${file}: no such file`, 'stripe-redact ledger verify --help'));
      return { kind: 'usage' };
    }
  }
  const digests = await Promise.all(files.map((file) => sha256OfFile(file)));
  const ledgerKey = process.env.STRIPE_REDACT_LEDGER_KEY?.trim() || undefined;
  const { state, stripeAccount } = command.opts<{ state?: string; stripeAccount?: string }>();
  return withStateToRead(state, (store, path) => {
    const entries = store.ledgerEntries();
    const verdict = verifyLedger(entries, store.ledgerRuns(), ledgerKey);
    const out: string[] = [];
    if (verdict.problems.length === 0) {
      const keyed = ledgerKey ? ', every HMAC checked under STRIPE_REDACT_LEDGER_KEY' : verdict.hmacsUnchecked > 0 ? ` (${verdict.hmacsUnchecked} HMAC(s) not checked: STRIPE_REDACT_LEDGER_KEY is not set)` : '';
      out.push(`The ledger of ${path} holds: ${verdict.entries} entr${verdict.entries === 1 ? 'y' : 'ies'}, each chained to the one before${keyed}.`);
    } else {
      out.push(`The ledger of ${path} does NOT hold:`);
      for (const problem of verdict.problems) out.push(`  ${problem}`);
    }
    let unknown = 0;
    files.forEach((file, index) => {
      const digest = digests[index] as string;
      const found = entriesNaming(entries, digest);
      if (found.length === 0) {
        unknown += 1;
        const claimed = claimedRun(file);
        const entry = claimed === undefined ? undefined : entries.find((e) => e.runId === claimed);
        out.push(
          `${file}: no run of this ledger wrote it (sha256 ${digest})` +
            (claimed === undefined
              ? ''
              : entry
                ? `; it names run ${claimed}, ledger entry ${entry.seq}, which wrote a different file: it was changed since`
                : `; it names run ${claimed}, which has no entry in this ledger`),
        );
      } else {
        for (const f of found) out.push(`${file}: written by run ${f.runId} (ledger entry ${f.seq}, as its ${f.as})`);
      }
    });
    process.stdout.write(`${out.join('\n')}\n`);
    return verdict.problems.length > 0 || unknown > 0 ? { kind: 'failed' } : { kind: 'done' };
  }, stripeAccount);
}

function exportCommand(argv: string[]): CommandOutcome {
  const command = withUsageErrors(
    new Command('stripe-redact ledger export')
      .description('the ledger as JSON lines: seq, runId, hash, hmac and the entry itself (hash = SHA-256 of its canonical encoding)')
      .option('--state <file>', 'the state to read (default: the only state in the state directory)')
      .option(...STRIPE_ACCOUNT_OPTION),
    'stripe-redact ledger export --help',
  );
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const { state, stripeAccount } = command.opts<{ state?: string; stripeAccount?: string }>();
  return withStateToRead(state, (store) => {
    for (const stored of store.ledgerEntries()) {
      process.stdout.write(`${JSON.stringify({ seq: stored.seq, runId: stored.runId, hash: stored.hash, hmac: stored.hmac, entry: JSON.parse(stored.entry) as unknown })}\n`);
    }
    return { kind: 'done' };
  }, stripeAccount);
}

/** The run a results.csv (its first row's `run_id`) or a summary.json (`runId`) says wrote it; undefined when it says none. */
function claimedRun(file: string): string | undefined {
  const fd = openSync(file, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(256 * 1024);
    head = buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0)).replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
  try {
    if (head.trimStart().startsWith('{')) {
      const runId = (JSON.parse(head) as { runId?: unknown }).runId;
      return typeof runId === 'string' ? runId : undefined;
    }
    for (const delimiter of [',', ';', '\t']) {
      // The header and the first row only: the rest of the head may end inside a quoted cell.
      const records = parse(head, { delimiter, relax_column_count: true, to: 2 }) as string[][];
      const column = records[0]?.indexOf('run_id') ?? -1;
      const value = column === -1 ? undefined : records[1]?.[column];
      if (value) return value;
    }
  } catch {
    // A file this cannot read names no run: the digest alone answers.
  }
  return undefined;
}
