import { describe, expect, it } from 'vitest';
import { findRequestIdColumn } from '../../src/input/request-id-column.js';

describe('findRequestIdColumn', () => {
  it('finds a known header whatever its case, spaces, underscores or hyphens, never the identifier column', () => {
    for (const name of ['request_id', 'Request ID', 'REQUEST-ID', 'RequestId', 'dsr_id', 'DSR ID', 'Ticket', 'ticket_id', 'Case ID', 'case_id']) {
      expect(findRequestIdColumn('in.csv', ['email', name], 2, 0, undefined), name).toBe(1);
    }
    expect(findRequestIdColumn('in.csv', ['ticket', 'email'], 2, 0, undefined)).toBeNull();
    expect(findRequestIdColumn('in.csv', ['email', 'notes'], 2, 0, undefined)).toBeNull();
    expect(findRequestIdColumn('in.csv', null, 2, 0, undefined)).toBeNull();
  });

  it('prefers request_id over dsr_id over ticket over case_id', () => {
    expect(findRequestIdColumn('in.csv', ['email', 'case_id', 'ticket', 'dsr_id', 'request_id'], 5, 0, undefined)).toBe(4);
    expect(findRequestIdColumn('in.csv', ['email', 'case_id', 'ticket'], 3, 0, undefined)).toBe(2);
  });

  it('takes the column --request-id-column names, by header (case, spaces and _ ignored) or 1-based number', () => {
    expect(findRequestIdColumn('in.csv', ['Case Number', 'email'], 2, 1, 'case_number')).toBe(0);
    expect(findRequestIdColumn('in.csv', null, 3, 0, '3')).toBe(2);
    expect(() => findRequestIdColumn('in.csv', null, 3, 0, '4')).toThrow(/--request-id-column '4' names no column; the file has no header, so pass a column number from 1 to 3/);
    expect(() => findRequestIdColumn('in.csv', ['email', 'ref'], 2, 0, 'dsr')).toThrow(/in\.csv: --request-id-column 'dsr' names no column; the header is "email", "ref"/);
  });
});
