import { describe, expect, it } from 'vitest';
import { classifyDeadline, dueDate, parseDeadlineSpec, parseReceivedDate } from '../../src/domain/deadline.js';

describe('parseReceivedDate', () => {
  it.each([
    ['2026-11-03', undefined, '2026-11-03'],
    [' 2026-1-3 ', undefined, '2026-01-03'],
    ['2026/11/03', undefined, '2026-11-03'],
    ['2026-11-03T10:00:00Z', undefined, '2026-11-03'],
    ['2026-11-03T23:30:00.123+05:30', undefined, '2026-11-03'],
    ['2026-11-03 10:00', undefined, '2026-11-03'],
    ['03.11.2026', undefined, '2026-11-03'],
    ['03/11/2026', 'dmy', '2026-11-03'],
    ['03/11/2026', 'mdy', '2026-03-11'],
    ['2028-02-29', undefined, '2028-02-29'],
    ['2026-12-01', undefined, '2026-12-01'],
    ['2026-11-03T10:00+0100', undefined, '2026-11-03'],
    // Zendesk's export: a numeric offset after a space.
    ['2026-11-03 10:12:00 +0100', undefined, '2026-11-03'],
    ['2026-11-03 23:59:59 -05:00', undefined, '2026-11-03'],
    ['2026-11-03 10:12:00 UTC', undefined, '2026-11-03'],
    ['0999-01-01', undefined, '0999-01-01'],
  ] as const)('%s (%s) → %s', (text, order, date) => {
    expect(parseReceivedDate(text, order)).toEqual({ date });
  });

  it.each([
    ['', /no received date/],
    ['03/11/2026', /ambiguous.*--date-order/],
    ['2026-02-30', /no day of the calendar/],
    ['2026-13-01', /no day of the calendar/],
    ['31.04.2026', /no day of the calendar/],
    ['yesterday', /not a date/],
    ['46000', /not a date/],
    ['2026-11-03T25', /not a date/],
    ['2026-00-10', /no day of the calendar/],
    ['2026-11-00', /no day of the calendar/],
    ['on 2026-11-03', /not a date/],
    ['103.11.2026', /not a date/],
    ['03.11.20261', /not a date/],
    ['103/11/2026', /not a date/],
    ['03/11/20261', /not a date/],
  ])('refuses %j', (text, problem) => {
    // With a date order given, so that slashed dates are refused for their form, not as ambiguous.
    const result = parseReceivedDate(text, text.includes('/') && text.length > 10 ? 'dmy' : undefined);
    expect(result).toHaveProperty('problem');
    expect((result as { problem: string }).problem).toMatch(problem);
  });
});

describe('parseDeadlineSpec', () => {
  it.each([
    ['1m', { amount: 1, unit: 'm' }],
    ['45d', { amount: 45, unit: 'd' }],
    ['30D', { amount: 30, unit: 'd' }],
    ['6w', { amount: 6, unit: 'w' }],
    // The longest: 3 × 366 days, with a month counted as 31.
    ['1098d', { amount: 1098, unit: 'd' }],
    ['156w', { amount: 156, unit: 'w' }],
    ['36m', { amount: 36, unit: 'm' }],
    ['35m', { amount: 35, unit: 'm' }],
  ])('%s', (text, spec) => expect(parseDeadlineSpec(text)).toEqual(spec));

  it.each(['', 'm', '1', '1y', '-3d', '0d', '1.5m', '2000d', '45 days'])('refuses %j', (text) => {
    expect(parseDeadlineSpec(text)).toHaveProperty('problem');
  });

  it.each(['0d', '1099d', '157w', '37m', '40m'])('refuses %j as out of range, saying the range', (text) => {
    expect(parseDeadlineSpec(text)).toEqual({ problem: `expected from 1 day up to 3 years; got '${text}'` });
  });
});

describe('dueDate', () => {
  it.each([
    ['2026-11-03', '1m', '2026-12-03'],
    ['2026-12-15', '1m', '2027-01-15'],
    ['2026-01-31', '1m', '2026-02-28'],
    ['2028-01-31', '1m', '2028-02-29'],
    ['2026-08-31', '3m', '2026-11-30'],
    ['2026-11-03', '45d', '2026-12-18'],
    ['2026-12-20', '30d', '2027-01-19'],
    ['2026-11-03', '2w', '2026-11-17'],
  ])('%s + %s → %s', (received, spec, due) => {
    expect(dueDate(received, parseDeadlineSpec(spec) as never)).toBe(due);
  });
});

describe('classifyDeadline', () => {
  it.each([
    ['2026-11-28', '2026-11-29', 'overdue'],
    ['2026-11-29', '2026-11-29', 'due_soon'],
    ['2026-12-06', '2026-11-29', 'due_soon'],
    ['2026-12-07', '2026-11-29', 'in_time'],
  ] as const)('due %s on %s → %s', (due, today, standing) => {
    expect(classifyDeadline(due, today)).toBe(standing);
  });
});
