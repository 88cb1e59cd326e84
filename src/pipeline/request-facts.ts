/**
 * What one report row tells the register about its request (state/state-requests.ts): its reference
 * (the input's request id, else the identifier), keyed digest, dates, manner and the register's
 * outcome. Built beside results.csv from the same row, so the register says what the report said.
 */
import type { Classified } from '../domain/identifier.js';
import { registerOutcome } from '../domain/register.js';
import type { IdentifierOutcome, RowOutcome } from '../domain/row-outcome.js';
import type { RecordColumns } from '../input/request-record-columns.js';
import type { RequestFacts } from '../state/state-requests.js';
import type { IdentifierKeys } from '../state/state-store.js';

/** A row's due date as the report computed it. */
export interface RowDue {
  /** The received date as read; null when none reads. */
  receivedDate: string | null;
  dueBy: string | null;
  extendedOn: string | null;
}

/** An email anywhere in a message: the register is PII-free, whatever a message quotes. */
const EMAIL_ANYWHERE = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[^\s@<>()[\]"',;:]+/g;

export function requestFactsOf(
  row: { fields: readonly string[]; identifier: string },
  classified: Classified,
  outcome: RowOutcome,
  identifier: IdentifierOutcome | undefined,
  due: RowDue,
  columns: RecordColumns,
  keys: IdentifierKeys,
): RequestFacts | undefined {
  // An export's footer or separator line is no request.
  if (outcome.status === 'skipped') return undefined;
  const cell = (index: number | null) => {
    const value = index === null ? '' : (row.fields[index] ?? '').trim();
    return value === '' ? null : value;
  };
  const identifierKey = classified.kind === 'invalid' ? null : keys.keyOf(classified);
  const keyed = identifierKey ?? `invalid:${row.identifier.trim()}`;
  const requestId = cell(columns.requestId);
  const result = registerOutcome(outcome.status, (identifier?.objects ?? []).map((o) => o.status));
  const basis =
    outcome.status === 'invalid'
      ? 'the row holds no usable identifier'
      : [...outcome.blockingCodes.map((code) => `blocked by ${code}`), ...outcome.messages].join('; ').replace(EMAIL_ANYWHERE, '[email]') || null;
  return {
    ref: requestId !== null ? `rid:${requestId}` : identifierKey !== null ? `key:${identifierKey}` : `invalid:${keys.requestKeyOf(keyed)}`,
    requestKey: keys.requestKeyOf(keyed),
    identifierKey,
    requestId,
    received: due.receivedDate,
    manner: cell(columns.channel),
    dueBy: due.dueBy,
    extendedOn: due.extendedOn,
    outcome: result,
    basis,
    settledDay: outcome.updatedAt ? outcome.updatedAt.slice(0, 10) : null,
    jobIds: [...outcome.earlierJobIds, ...outcome.jobIds],
  };
}
