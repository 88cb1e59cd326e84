/** Result statuses of the contract (design.md "Result CSV"). */
export const ROW_STATUSES = [
  'redacted',
  'redaction_pending',
  'already_redacted',
  'not_found',
  'invalid',
  'needs_action',
  'ready',
  'planned',
  'pending',
  'failed',
] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

/**
 * Statuses that leave nothing to do: exit code 0 when every row has one. `redaction_pending` is
 * not one (the next run reads Stripe again, and past `due_by` it is overdue), yet it is outside
 * the default `--fail-on`: it is Stripe's schedule, not a fault.
 */
const SETTLED: ReadonlySet<RowStatus> = new Set(['redacted', 'already_redacted', 'not_found', 'ready', 'planned']);

export function isSettled(status: RowStatus): boolean {
  return SETTLED.has(status);
}

export type RunMode = 'plan' | 'validate' | 'redact';
