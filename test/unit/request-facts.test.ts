/**
 * What one report row tells the register (request-facts.ts): its reference, keyed digests, dates,
 * manner, the register's outcome and a PII-free basis — computed with a real state's keys.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { classifyIdentifier } from '../../src/domain/identifier.js';
import type { IdentifierOutcome, RowOutcome } from '../../src/domain/row-outcome.js';
import type { RecordColumns } from '../../src/input/request-record-columns.js';
import { requestFactsOf, type RowDue } from '../../src/pipeline/request-facts.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';

const store = openStateStore({ path: ':memory:' });
afterAll(() => store.close());

const outcome = (o: Partial<RowOutcome>): RowOutcome => ({
  status: 'redacted',
  objectIds: [],
  jobIds: [],
  earlierJobIds: [],
  blockingCodes: [],
  fixes: [],
  messages: [],
  commands: [],
  updatedAt: '2026-12-06T10:11:12.000Z',
  verifiedAt: null,
  ...o,
});
const NO_DUE: RowDue = { receivedDate: null, dueBy: null, extendedOn: null };
const NO_COLUMNS: RecordColumns = { requestId: null, channel: null, extension: null };
const identifierWith = (...statuses: string[]): IdentifierOutcome =>
  ({ resolved: true, reasons: [], updatedAt: '', objects: statuses.map((status, i) => ({ id: `cus_${i}`, status, jobId: null, jobIds: [], errorCodes: [], reasons: [], blockers: [] })) }) as unknown as IdentifierOutcome;

/** The facts of a row `[request id, identifier, channel]`. */
function factsOf(cells: string[], o: Partial<RowOutcome>, identifier?: IdentifierOutcome, due: RowDue = NO_DUE, columns: RecordColumns = { requestId: 0, channel: 2, extension: null }) {
  const classified = classifyIdentifier(cells[1] ?? '');
  return requestFactsOf({ fields: cells, identifier: cells[1] ?? '' }, classified, outcome(o), identifier, due, columns, store);
}

describe('requestFactsOf', () => {
  it('gives no facts for an export footer: no request', () => {
    expect(factsOf(['', 'Total: 3', ''], { status: 'skipped' })).toBeUndefined();
  });

  it("refers to a request by the input's own id, keeps its dates and manner, and lists every job that carried it, oldest first", () => {
    const due: RowDue = { receivedDate: '2026-11-01', dueBy: '2026-12-01', extendedOn: '2026-11-20' };
    const facts = factsOf([' T-1 ', 'Jane@Example.com', ' email '], { status: 'redacted', jobIds: ['rj_2'], earlierJobIds: ['rj_0', 'rj_1'] }, identifierWith('redacted'), due);
    const key = store.emailKey('jane@example.com');
    expect(facts).toEqual({
      ref: 'rid:T-1',
      requestKey: store.requestKeyOf(key),
      identifierKey: key,
      requestId: 'T-1',
      received: '2026-11-01',
      manner: 'email',
      dueBy: '2026-12-01',
      extendedOn: '2026-11-20',
      outcome: 'erased',
      basis: null,
      settledDay: '2026-12-06',
      jobIds: ['rj_0', 'rj_1', 'rj_2'],
    });
  });

  it('refers to a request without an id (a blank cell, or no id column) by its identifier key', () => {
    const key = store.idKey('cus_abc');
    expect(factsOf(['  ', 'cus_abc', ''], { status: 'not_found' })).toMatchObject({ ref: `key:${key}`, requestId: null, manner: null, outcome: 'no_data', identifierKey: key });
    expect(factsOf(['T-9', 'cus_abc', 'web'], { status: 'not_found' }, undefined, NO_DUE, NO_COLUMNS)).toMatchObject({ ref: `key:${key}`, requestId: null, manner: null });
    // A column past the row's last cell reads as empty.
    expect(factsOf(['T-9', 'cus_abc'], { status: 'not_found' }, undefined, NO_DUE, { requestId: 5, channel: 6, extension: null })).toMatchObject({ requestId: null, manner: null });
  });

  it('keys an invalid row by its trimmed cell, says it holds no usable identifier, and never stores the cell itself', () => {
    const facts = factsOf(['', '  not an email ', ''], { status: 'invalid', messages: ['ignored'], updatedAt: '' });
    const requestKey = store.requestKeyOf('invalid:not an email');
    expect(facts).toEqual({
      ref: `invalid:${requestKey}`,
      requestKey,
      identifierKey: null,
      requestId: null,
      received: null,
      manner: null,
      dueBy: null,
      extendedOn: null,
      outcome: 'not_erased',
      basis: 'the row holds no usable identifier',
      settledDay: null,
      jobIds: [],
    });
    expect(JSON.stringify(facts)).not.toContain('not an email');
  });

  it('gives the basis as the blockers, then the messages, with every email in them replaced', () => {
    const facts = factsOf(['R1', 'cus_x', ''], {
      status: 'needs_action',
      blockingCodes: ['invalid_state', 'locked'],
      messages: ['customer jane.doe+x@mail.example.co.uk and <bob@example.com> share it', 'run again'],
    });
    expect(facts?.basis).toBe('blocked by invalid_state; blocked by locked; customer [email] and <[email]> share it; run again');
    expect(facts?.outcome).toBe('pending');
  });

  it('calls a failed or pending request partially erased once one of its objects is erased', () => {
    expect(factsOf(['R1', 'a@example.com', ''], { status: 'failed' }, identifierWith('failed', 'redacted'))?.outcome).toBe('partially_erased');
    expect(factsOf(['R1', 'a@example.com', ''], { status: 'failed' }, identifierWith('failed'))?.outcome).toBe('not_erased');
    expect(factsOf(['R1', 'a@example.com', ''], { status: 'pending' }, identifierWith('pending', 'already_redacted'))?.outcome).toBe('partially_erased');
  });
});
