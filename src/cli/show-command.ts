import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { renderCertificateHtml } from '../report/certificate-html.js';
import { buildCertificate } from './certificate.js';
import { classifyIdentifier } from '../domain/identifier.js';
import { withStateToRead } from './read-command.js';
import { parseCommandLine } from './usage.js';
import { formatRequestStory, readInvalidCellStory, readRequestStory } from './request-story.js';
import { usageLine, withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';

const HELP_HINT = 'stripe-redact show --help';

/**
 * `stripe-redact show <email|id> [--state FILE] [--json]`: one request's whole story. An
 * identifier no run of the state read is an answer ("no record"), not an error: exit 0.
 */
export function showCommand(argv: string[]): CommandOutcome {
  const command = withUsageErrors(
    new Command('stripe-redact show')
      .description("one request's whole story from the state: runs, lookup, jobs and their status changes, blockers, fixes, outcome")
      .argument('<email|id>', 'an email or a Stripe id as a request named it')
      .option('--state <file>', 'the state to read (default: the only state in the state directory)')
      .option('--stripe-account <acct>', "a connected account's state: its default state, or the one beside --state FILE (FILE.acct_….db)")
      .option('--json', 'the story as one JSON document')
      .option('--certificate', 'a printable certificate of erasure for this person (self-contained HTML, or JSON)')
      .addOption(new Option('--format <format>', 'with --certificate: html or json').choices(['html', 'json']))
      .option('--out <file>', 'with --certificate: write it there (owner-only) instead of standard output')
      .addHelpText(
        'after',
        "\nReads the state only: no API key needed, nothing is sent. The state holds no email, only a keyed hash:\nset STRIPE_REDACT_HASH_KEY if the runs did. An identifier no run read prints 'No record …' and exits 0.\nA cell that is no identifier (e.g. 'Jane Doe <jane@example>') shows the rows runs reported invalid for it.",
      ),
    HELP_HINT,
  );
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const given = (command.args[0] as string).trim();
  const classified = classifyIdentifier(given);
  const options = command.opts<{ state?: string; json?: boolean; certificate?: boolean; format?: 'html' | 'json'; out?: string; stripeAccount?: string }>();
  if (!options.certificate && (options.format !== undefined || options.out !== undefined)) {
    process.stderr.write(usageLine(`${options.format !== undefined ? '--format' : '--out'} goes with --certificate`, HELP_HINT));
    return { kind: 'usage' };
  }
  if (options.certificate) {
    if (options.json) {
      process.stderr.write(usageLine('--json and --certificate exclude each other: use --certificate --format json', HELP_HINT));
      return { kind: 'usage' };
    }
    if (classified.kind === 'invalid') {
      process.stderr.write(usageLine(`a certificate is issued for an email or a Stripe id; '${given}' is neither: ${classified.reason}`, HELP_HINT));
      return { kind: 'usage' };
    }
    return withStateToRead(options.state, (store, path) => {
      const certificate = buildCertificate(store, path, given, classified);
      if (!certificate) {
        // No record, no certificate: a script waiting for a file must not take silence for one.
        process.stderr.write(`stripe-redact: no record of ${given} in the state ${path}: no run of this state read it, so no certificate is issued\n`);
        return { kind: 'failed' };
      }
      const text = options.format === 'json' ? `${JSON.stringify(certificate, null, 2)}\n` : renderCertificateHtml(certificate);
      if (options.out !== undefined) writeFileSync(options.out, text, { mode: 0o600 });
      else process.stdout.write(text);
      return { kind: 'done' };
    }, options.stripeAccount);
  }
  return withStateToRead(options.state, (store, path) => {
    // A cell that is no identifier may still be a row a run read and reported invalid: its story.
    if (classified.kind === 'invalid') {
      const story = readInvalidCellStory(store, path, given, classified);
      if (!story.known) {
        process.stderr.write(
          usageLine(`'${given}' is neither an email nor a Stripe id of a redactable kind: ${classified.reason}; and no run of the state ${path} read such a cell`, HELP_HINT),
        );
        return { kind: 'usage' };
      }
      process.stdout.write(options.json ? `${JSON.stringify(story, null, 2)}\n` : formatRequestStory(story));
      return { kind: 'done' };
    }
    const story = readRequestStory(store, path, given, classified);
    process.stdout.write(options.json ? `${JSON.stringify(story, null, 2)}\n` : formatRequestStory(story));
    return { kind: 'done' };
  }, options.stripeAccount);
}
