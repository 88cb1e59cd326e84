/** Result statuses of the contract (docs/contract.md#statuses). */
export const ROW_STATUSES = [
  'redacted',
  'redaction_pending',
  'already_redacted',
  'skipped',
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
 * Statuses that leave nothing to do: exit code 0 when every row has one. `skipped` (an export's
 * footer or separator line) is no request, so nothing is left to do for it either.
 * `redaction_pending` is not one (the next run reads Stripe again, and past `due_by` it is
 * overdue), yet it is outside the default `--fail-on`: it is Stripe's schedule, not a fault.
 */
const SETTLED: ReadonlySet<RowStatus> = new Set(['redacted', 'already_redacted', 'skipped', 'not_found', 'ready', 'planned']);

export function isSettled(status: RowStatus): boolean {
  return SETTLED.has(status);
}

export type RunMode = 'plan' | 'validate' | 'redact';

/**
 * How a status stands against the request's deadline, whatever the run's mode: `closed` — the
 * request is done (the data is erased, or Stripe holds none); `open` — not yet, so it is overdue
 * once past its `due_by` (a `planned` or `ready` row of a preview erased nothing); `none` — the row
 * is no request at all.
 */
export const DEADLINE_STANDING: Record<RowStatus, 'closed' | 'open' | 'none'> = {
  redacted: 'closed',
  redaction_pending: 'open',
  already_redacted: 'closed',
  skipped: 'none',
  not_found: 'closed',
  invalid: 'open',
  needs_action: 'open',
  ready: 'open',
  planned: 'open',
  pending: 'open',
  failed: 'open',
};
