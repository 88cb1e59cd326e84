/**
 * `stripe-redact suppression export|key [--state FILE] [--stripe-account acct_…] [--out FILE]`: the suppression list, for the
 * systems that must keep erased people out (a CRM, a warehouse) without receiving their emails again.
 * `export` writes `digest,settled_on`, one line per erased email; `key` prints the suppression key
 * (hex) the digests are made with — a key of its own, never the state's hashing key. Reads the state
 * only: no API key, nothing sent. What a recipient does with both: docs/suppression.md.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { suppressionCsv } from '../report/after-erasure-files.js';
import { writeTextFileAtomic } from '../report/result-writer.js';
import { STRIPE_ACCOUNT_OPTION, withStateToRead } from './read-command.js';
import { parseCommandLine, usageLine, withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';

const HELP_HINT = 'stripe-redact suppression --help';

const NO_KEY = 'has no suppression key yet: a run of this version gives it one (the list fills as runs see requests erased)';

export async function suppressionCommand(argv: string[]): Promise<CommandOutcome> {
  const command = withUsageErrors(
    new Command('stripe-redact suppression')
      .description('digests of erased requests, for systems that must keep them out')
      .argument('<action>', "export: the list as CSV (digest,settled_on); key: the suppression key, in hex")
      .option('--state <file>', 'the state to read (default: the only state in the state directory)')
      .option(...STRIPE_ACCOUNT_OPTION)
      .option('--out <file>', 'export: write the CSV here (owner-only) instead of standard output')
      .addHelpText(
        'after',
        `
digest = lower-case hex HMAC-SHA-256 of the trimmed, lower-cased email under the suppression key.
Give the key and the list to the recipient apart; docs/suppression.md shows the matching in SQL and
in a shell line. Reads the state only: no API key needed, nothing is sent.`,
      ),
    HELP_HINT,
  );
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const action = command.args[0];
  const options = command.opts<{ state?: string; stripeAccount?: string; out?: string }>();
  if (action !== 'export' && action !== 'key') {
    process.stderr.write(usageLine(`unknown action '${action ?? ''}': use export or key`, HELP_HINT));
    return { kind: 'usage' };
  }
  if (action === 'key' && options.out !== undefined) {
    process.stderr.write(usageLine('--out goes with export: the key is printed, never written beside the list', HELP_HINT));
    return { kind: 'usage' };
  }
  let text: string | undefined;
  const outcome = withStateToRead(options.state, (store, path) => {
    if (action === 'key') {
      const key = store.suppressionKey();
      if (key === undefined) {
        process.stderr.write(`stripe-redact: the state ${path} ${NO_KEY}\n`);
        return { kind: 'failed' };
      }
      process.stdout.write(`${key.toString('hex')}\n`);
      return { kind: 'done' };
    }
    const { entries, withoutDigest } = store.suppressionEntries();
    text = suppressionCsv(entries.map((e) => ({ digest: e.digest, settledOn: e.settledAt.slice(0, 10) })));
    if (withoutDigest > 0) {
      process.stderr.write(
        `stripe-redact: ${withoutDigest} erased email(s) of ${path} have no digest yet (erased before this version): each gets one when an input names it again\n`,
      );
    }
    return { kind: 'done' };
  }, options.stripeAccount);
  if (outcome.kind !== 'done' || text === undefined) return outcome;
  if (options.out === undefined) process.stdout.write(text);
  else {
    await writeTextFileAtomic(resolve(options.out), text);
    process.stderr.write(`stripe-redact: suppression list written to ${resolve(options.out)}\n`);
  }
  return { kind: 'done' };
}
