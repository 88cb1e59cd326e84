/**
 * `stripe-redact register [--state FILE] [--from DATE] [--to DATE] [--format csv|json] [--out FILE]`:
 * one PII-free line per request the state has seen (CCPA regulations §7101's record), in the
 * contract's column order (domain/register.ts). Reads the state only.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { parseReceivedDate } from '../domain/deadline.js';
import { inPeriod, registerLine, REGISTER_COLUMNS } from '../domain/register.js';
import { neutraliseCell } from '../report/spreadsheet-safe.js';
import { STRIPE_ACCOUNT_OPTION, withStateToRead } from './read-command.js';
import { parseCommandLine, usageLine, withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';

const HELP_HINT = 'stripe-redact register --help';

export function registerCommand(argv: string[]): CommandOutcome {
  const command = withUsageErrors(
    new Command('stripe-redact register')
      .description('one PII-free line per request the state has seen: key, request id, received, nature, manner, due, extension, settled, outcome, basis, days, runs, jobs')
      .option('--state <file>', 'the state to read (default: the only state in the state directory)')
      .option(...STRIPE_ACCOUNT_OPTION)
      .option('--from <date>', 'requests received on or after this day (YYYY-MM-DD; first seen when no received date)')
      .option('--to <date>', 'requests received on or before this day')
      .addOption(new Option('--format <format>', 'csv or json').choices(['csv', 'json']).default('csv'))
      .option('--out <file>', 'write it there (owner-only) instead of standard output'),
    HELP_HINT,
  );
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const options = command.opts<{ state?: string; stripeAccount?: string; from?: string; to?: string; format: 'csv' | 'json'; out?: string }>();
  const from = dayOption('--from', options.from);
  const to = dayOption('--to', options.to);
  if (from === null || to === null) return { kind: 'usage' };
  if (from !== undefined && to !== undefined && from > to) {
    process.stderr.write(usageLine(`--from ${from} is after --to ${to}`, HELP_HINT));
    return { kind: 'usage' };
  }
  return withStateToRead(options.state, (store, path) => {
    const lines = store.requestRecords().filter((r) => inPeriod(r, from, to)).map(registerLine);
    const text =
      options.format === 'json'
        ? `${JSON.stringify({ state: path, requests: lines }, null, 2)}\n`
        : stringify([[...REGISTER_COLUMNS], ...lines.map((line) => REGISTER_COLUMNS.map((c) => neutraliseCell(line[c] === null ? '' : String(line[c]))))]);
    if (options.out) writeFileSync(options.out, text, { mode: 0o600 });
    else process.stdout.write(text);
    return { kind: 'done' };
  }, options.stripeAccount);
}

/** A `YYYY-MM-DD` option; null (after a usage line) when it is no day; undefined when absent. */
export function dayOption(option: string, value: string | undefined): string | undefined | null {
  if (value === undefined) return undefined;
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? parseReceivedDate(value) : { problem: 'x' };
  if ('problem' in parsed) {
    process.stderr.write(usageLine(`${option} must be a day YYYY-MM-DD; got '${value}'`, HELP_HINT));
    return null;
  }
  return parsed.date;
}
