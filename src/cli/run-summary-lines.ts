/** The end summary of a one-account run on stderr: counts, then the lines a person acts on. */
import { join, resolve } from 'node:path';
import type { RunSummary } from '../pipeline/run-pipeline.js';
import { afterErasureLines } from './after-erasure-lines.js';
import type { OpenedState } from './open-state.js';
import type { AccountsRunResult } from './run-accounts.js';
import type { RunConfig } from './run-config.js';

export function printSummary(summary: RunSummary, config: RunConfig, state: OpenedState): void {
  const counts = Object.entries(summary.statuses)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  process.stderr.write(
    [
      `stripe-redact ${summary.mode} run ${summary.runId}${summary.interrupted ? ' (interrupted; run again to continue)' : ''}: ${summary.rows} ${summary.rows === 1 ? 'row' : 'rows'} — ${counts || 'none'}`,
      ...columnLines(summary),
      ...deadlineLines(summary),
      ...pendingLines(summary, state),
      `  jobs: ${summary.jobs.driven} driven; API calls: ${summary.apiCalls.total}`,
      ...afterErasureLines(summary),
      `  state: ${state.path} (${state.account.id}, ${state.livemode ? 'live' : 'test'} mode${describeNewState(state)})`,
      `  results: ${resolve(summary.resultsPath)}`,
      `  report: ${resolve(summary.reportPath)}`,
      `  summary: ${resolve(join(config.outDir, 'summary.json'))}`,
      '',
    ].join('\n'),
  );
}

/** How rows Stripe still holds get settled: a later run with a lasting state reads only them. */
function pendingLines(summary: RunSummary, state: OpenedState): string[] {
  const pending = summary.statuses.redaction_pending;
  if (pending === 0) return [];
  const how =
    state.path === ':memory:'
      ? 'this run kept its state in memory: run with --state FILE so that a later run can settle them'
      : `run again later with the same state (${state.path}): it reads only these objects from Stripe, and a row turns redacted, with verified_at, once Stripe shows every object of it redacted`;
  return [`  redaction_pending ${pending}: the jobs succeeded but Stripe does not show every object redacted yet (held until eligible, e.g. charges younger than 90 days, or still processing); ${how}`];
}

/** What the summary's state line adds for a state this run started: none of it outlives an emulator run. */
function describeNewState(state: OpenedState): string {
  if (!state.isNew) return '';
  return state.path === ':memory:' ? '; in memory: kept for this run only' : '; new: no history of earlier runs';
}

/** The end summary's column line, when rows of the identifier column were unusable: which column, and why it was read. */
function columnLines(summary: RunSummary): string[] {
  const { name, reason, unusableRows } = summary.column;
  if (unusableRows === 0) return [];
  return [`  column: ${name} (${reason}); ${unusableRows} ${unusableRows === 1 ? 'row' : 'rows'} unusable`];
}

/**
 * The end summary's deadline lines: open requests overdue or due within 7 days (in every mode: a
 * preview erased nothing), and requests settled after their due date, the first few by row.
 */
function deadlineLines(summary: RunSummary): string[] {
  const { overdue, dueWithin7Days, settledLate } = summary.deadlines;
  const lines: string[] = [];
  if (overdue > 0 || dueWithin7Days > 0) {
    const parts = [overdue > 0 ? `${overdue} overdue` : '', dueWithin7Days > 0 ? `${dueWithin7Days} due within 7 days` : ''].filter(Boolean);
    lines.push(`  deadlines: ${parts.join(', ')} (unsettled rows, deadline ${summary.deadline})`);
  }
  if (settledLate > 0) {
    const shown = summary.settledLate.slice(0, 5).map((late) => `row ${late.row}${late.requestId ? ` (${late.requestId})` : ''} ${late.daysLate} day${late.daysLate === 1 ? '' : 's'}`);
    const rest = settledLate - shown.length;
    lines.push(`  settled late: ${settledLate} (after their due date, deadline ${summary.deadline}): ${shown.join(', ')}${rest > 0 ? `, and ${rest} more in summary.json` : ''}`);
  }
  return lines;
}

/** The end summary on stderr: totals, then one line per account. */
export function describeAccountsRun(result: AccountsRunResult, config: RunConfig): string {
  const { summary, outcomes } = result;
  const counts = (statuses: Record<string, number>) =>
    Object.entries(statuses)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ') || 'none';
  const lines = [
    `stripe-redact ${config.mode} run over ${outcomes.length} account(s)${summary.interrupted ? ' (interrupted; run again to continue)' : ''}: ${summary.rows} ${summary.rows === 1 ? 'row' : 'rows'} — ${counts(summary.statuses)}`,
    ...outcomes.map((o) => {
      const name = o.own ? `${o.account || 'own account'} (the key's own)` : o.account;
      if (!o.summary) return `  ${name}: ${o.rows} row(s) ${o.error?.status ?? 'failed'}: ${o.error?.message ?? ''}`;
      return `  ${name}: ${o.rows} row(s) — ${counts(o.summary.statuses)}; jobs ${o.summary.jobs.driven}; API calls ${o.summary.apiCalls.total}; state ${o.statePath}`;
    }),
    `  results: ${resolve(String(summary.resultsPath))}`,
    `  report: ${resolve(String(summary.reportPath))}`,
    `  summary: ${resolve(join(config.outDir, 'summary.json'))}`,
    '',
  ];
  return lines.join('\n');
}
