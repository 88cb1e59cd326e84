import { describe, expect, it } from 'vitest';
import { describeNonRequest, recogniseNonRequest } from '../../src/domain/export-footer.js';

const anywhere = { identifierColumn: 2, isAfterData: false };
const after = { identifierColumn: 2, isAfterData: true };

describe('recogniseNonRequest: an export footer or separator is no request', () => {
  it.each([
    [['Exported by OneTrust on 30.11.2026 18:02', '', '', ''], 'footer'],
    [['Total records: 4', '', '', ''], 'footer'],
    [['Report generated at 2026-11-30', '', ''], 'footer'],
    [['Page 1 of 1'], 'footer'],
    [['-----', '-----', '=====', ''], 'separator'],
  ] as const)('recognises %j anywhere as a %s', (fields, kind) => {
    expect(recogniseNonRequest(fields, anywhere)).toBe(kind);
  });

  it('takes a row of bare delimiters, or one lone cell beside an empty identifier cell, for a footer only after the data', () => {
    expect(recogniseNonRequest(['', '', '', ''], anywhere)).toBeUndefined();
    expect(recogniseNonRequest(['', '', '', ''], after)).toBe('separator');
    expect(recogniseNonRequest(['Acme GmbH', '', '', ''], anywhere)).toBeUndefined();
    expect(recogniseNonRequest(['Acme GmbH', '', '', ''], after)).toBe('footer');
  });

  it('never takes a row with an identifier-like cell, or a filled identifier cell after the data, for a footer', () => {
    expect(recogniseNonRequest(['Exported by', '', 'jane@example.com'], anywhere)).toBeUndefined();
    expect(recogniseNonRequest(['Total 3', '', 'cus_123'], anywhere)).toBeUndefined();
    expect(recogniseNonRequest(['', '', 'jane at example'], after)).toBeUndefined();
    expect(recogniseNonRequest(['DSR-9', '2026-11-01', 'jane at example'], after)).toBeUndefined();
    // A single-column file: a lone unusable cell is an invalid request, not a footer.
    expect(recogniseNonRequest(['not an email'], { identifierColumn: 0, isAfterData: true })).toBeUndefined();
  });

  it('words a skipped row for the report', () => {
    expect(describeNonRequest('footer')).toBe("not a request: an export's footer");
    expect(describeNonRequest('separator')).toBe("not a request: an export's separator line");
  });
});
