/**
 * `stripe-redact metrics --year YYYY [--state FILE] [--json]`: CCPA regulations §7102's figures for a
 * calendar year — requests received, erased in whole, in part, not erased, no data (and still
 * pending), median and mean days to settle — over the register's requests received (or first seen)
 * that year (domain/register.ts `yearMetrics`). Reads the state only.
 */
import { Command } from 'commander';
import { yearMetrics } from '../domain/register.js';
import { STRIPE_ACCOUNT_OPTION, withStateToRead } from './read-command.js';
import { parseCommandLine, usageLine, withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';

const HELP_HINT = 'stripe-redact metrics --help';

export function metricsCommand(argv: string[]): CommandOutcome {
  const command = withUsageErrors(
    new Command('stripe-redact metrics')
      .description("the year's figures (CCPA §7102): received, erased in whole, in part, not erased, no data; median and mean days to settle")
      .requiredOption('--year <yyyy>', 'the calendar year')
      .option('--state <file>', 'the state to read (default: the only state in the state directory)')
      .option(...STRIPE_ACCOUNT_OPTION)
      .option('--json', 'the figures as one JSON document'),
    HELP_HINT,
  );
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const options = command.opts<{ year: string; state?: string; stripeAccount?: string; json?: boolean }>();
  if (!/^\d{4}$/.test(options.year.trim())) {
    process.stderr.write(usageLine(`--year must be a year such as 2026; got '${options.year}'`, HELP_HINT));
    return { kind: 'usage' };
  }
  const year = Number(options.year.trim());
  return withStateToRead(options.state, (store, path) => {
    const m = yearMetrics(store.requestRecords(), year);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ state: path, ...m }, null, 2)}\n`);
      return { kind: 'done' };
    }
    const days = (n: number | null) => (n === null ? 'none settled' : `${n} days`);
    process.stdout.write(
      [
        `Deletion requests received in ${year} (${path}):`,
        `  received           ${m.received}`,
        `  erased in whole    ${m.erasedInWhole}`,
        `  erased in part     ${m.erasedInPart}`,
        `  not erased         ${m.notErased}`,
        `  no data held       ${m.noData}`,
        `  still pending      ${m.pending}`,
        `  median to settle   ${days(m.medianDaysToSettle)}`,
        `  mean to settle     ${days(m.meanDaysToSettle)}`,
        '',
      ].join('\n'),
    );
    return { kind: 'done' };
  }, options.stripeAccount);
}
