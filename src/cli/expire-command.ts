/**
 * `stripe-redact expire --older-than 24m [--state FILE] [--stripe-account acct_…] [--reports DIR…] [--dry-run]`: retention.
 * Requests settled on or before the cut-off day keep their accountability half in the state (the register line,
 * the ledger) and lose the identifying half (state/state-expiry.ts); the report files of runs older
 * than the cut-off are rewritten in their expired form (expire-reports.ts). `--dry-run` lists what
 * it would change and changes nothing. Exit 0; 1 when a report could not be expired (changed since
 * its run wrote it) or the state is unreadable or in use; 2 for a bad command line.
 */
import { existsSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { cutoffDay, parseRetention } from '../domain/retention.js';
import { ConfigError, StripeRedactError } from '../errors.js';
import { openStateStore } from '../state/sqlite-state-store.js';
import { acquireStateLock } from '../state/state-lock.js';
import type { StateStore } from '../state/state-store.js';
import { expireReports } from './expire-reports.js';
import { chooseStateToRead } from './read-state.js';
import { checkStateAccount, STRIPE_ACCOUNT_OPTION } from './read-command.js';
import { TOOL, parseCommandLine, usageLine, withUsageErrors } from './usage.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';

const HELP_HINT = 'stripe-redact expire --help';

export async function expireCommand(argv: string[]): Promise<CommandOutcome> {
  const command = withUsageErrors(
    new Command('stripe-redact expire')
      .description('keep the accountability half of requests settled on or before the cut-off, drop the identifying half; rewrite old reports')
      .requiredOption('--older-than <period>', 'the retention period: 24m (calendar months), 730d, 104w; the cut-off is that long before today')
      .option('--state <file>', 'the state (default: the only state in the state directory)')
      .option(...STRIPE_ACCOUNT_OPTION)
      .option('--reports <dir...>', 'report directories (a run\'s --out, or a folder of them) whose old runs\' files are rewritten')
      .option('--dry-run', 'list what would change; change nothing'),
    HELP_HINT,
  );
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const options = command.opts<{ olderThan: string; state?: string; stripeAccount?: string; reports?: string[]; dryRun?: boolean }>();
  const period = parseRetention(options.olderThan);
  if ('problem' in period) {
    process.stderr.write(usageLine(`--older-than: ${period.problem}`, HELP_HINT));
    return { kind: 'usage' };
  }
  for (const dir of options.reports ?? []) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      process.stderr.write(usageLine(`--reports ${dir}: no such directory`, HELP_HINT));
      return { kind: 'usage' };
    }
  }
  const dryRun = options.dryRun === true;
  let store: StateStore | undefined;
  let release: (() => void) | undefined;
  try {
    checkStateAccount(options.stripeAccount);
    const path = chooseStateToRead(options.state, process.env, options.stripeAccount);
    if (!existsSync(path)) throw new ConfigError(`--state ${path}: there is no such state file`, { code: 'CONFIG_STATE', option: '--state' });
    release = acquireStateLock(path);
    const hashKey = process.env.STRIPE_REDACT_HASH_KEY;
    store = openStateStore({ path, ...(hashKey ? { hashKey } : {}) });
    const cutoff = cutoffDay(store.now().slice(0, 10), period);
    const state = store.expireSettledBefore(cutoff, { dryRun });
    const reports = await expireReports(options.reports ?? [], cutoff, store.ledgerEntries(), { dryRun, runIds: new Set(store.runs().map((r) => r.id)) });
    const would = dryRun ? 'would expire' : 'expired';
    const lines = [
      `${dryRun ? 'Dry run: nothing changed. ' : ''}Cut-off ${cutoff} (${options.olderThan} before today) in ${path}:`,
      `  requests settled on or before it: ${state.requests} ${would} (their register lines stay, by key)`,
      `  identifiers ${dryRun ? 'that would leave' : 'removed from'} the state: ${state.identifiers}; Stripe objects: ${state.objects}`,
    ];
    for (const r of reports) {
      const what = {
        expired: `${would}${r.why ? ` (${r.why})` : ''}`,
        already_expired: 'already expired',
        kept_recent: 'kept: the run is not older than the cut-off',
        other_state: 'left as it is: not a run of this state',
        refused: `NOT expired: ${r.why ?? ''}`,
      }[r.action];
      lines.push(`  ${r.dir} (run ${r.runId}): ${what}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return reports.some((r) => r.action === 'refused') ? { kind: 'failed' } : { kind: 'done' };
  } catch (error) {
    process.stderr.write(`${TOOL}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof StripeRedactError) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return { kind: 'error', error };
  } finally {
    store?.close();
    release?.();
  }
}
