/** `--fail-on`: which statuses and conditions make a finished run exit 3, and the check against a run's outcome. */
import { ROW_STATUSES, type RowStatus } from '../domain/row-status.js';
import type { ConfigProblem } from './run-config.js';

/** The statuses that make exit code 3 unless `--fail-on` says otherwise. */
export const DEFAULT_FAIL_ON: readonly RowStatus[] = ['needs_action', 'pending', 'failed', 'invalid'];

/**
 * Conditions `--fail-on` accepts beside statuses: `overdue`, an unsettled row past its `due_by`;
 * `new_state`, this run started its state (a cron job whose state vanished must not pass quietly);
 * `reappeared`, the run's watch found a person who came back after their erasure.
 */
export const FAIL_ON_CONDITIONS = ['overdue', 'new_state', 'reappeared'] as const;
export type FailOnCondition = (typeof FAIL_ON_CONDITIONS)[number];
/** One item of `--fail-on`. */
export type FailOn = RowStatus | FailOnCondition;

/**
 * `--fail-on needs_action,failed`: the statuses that make exit code 3; `none` for none. An unknown
 * status is a problem naming it, so a typo cannot silently turn every night's exit code to 0.
 */
export function parseFailOn(value: string | undefined, problems: ConfigProblem[]): FailOn[] {
  if (value === undefined) return [...DEFAULT_FAIL_ON];
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 1 && names[0] === 'none') return [];
  const known: readonly string[] = [...ROW_STATUSES, ...FAIL_ON_CONDITIONS];
  const unknown = names.filter((name) => !known.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    const what = names.length === 0 ? 'names no status' : `has unknown status${unknown.length > 1 ? 'es' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}`;
    problems.push({
      option: '--fail-on',
      message: `--fail-on ${what}; use a comma list of ${ROW_STATUSES.join(', ')}, and the conditions ${FAIL_ON_CONDITIONS.join(', ')}, or none`,
    });
    return [...DEFAULT_FAIL_ON];
  }
  return [...new Set(names)] as FailOn[];
}

/** What `--fail-on` is checked against once a run has ended. */
export interface RunOutcomeForExit {
  statuses: Partial<Record<RowStatus, number>>;
  /** Unsettled rows past their due date. */
  overdue: number;
  stateIsNew: boolean;
  /** People the run's watch found back after their erasure (null or absent: no watch ran). */
  reappeared?: number | null;
}

/** The `--fail-on` items a run's outcome meets (exit code 3 when any). Pure. */
export function failingItems(failOn: readonly FailOn[], outcome: RunOutcomeForExit): FailOn[] {
  return failOn.filter((item) => {
    switch (item) {
      case 'reappeared':
        return (outcome.reappeared ?? 0) > 0;
      case 'overdue':
        return outcome.overdue > 0;
      case 'new_state':
        return outcome.stateIsNew;
      default:
        return (outcome.statuses[item] ?? 0) > 0;
    }
  });
}
