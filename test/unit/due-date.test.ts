import { describe, expect, it } from 'vitest';
import { daysBetween, describeDueDate, lawfulDueDate, parseHolidays, rollToWorkingDay } from '../../src/domain/due-date.js';
import type { DeadlineSpec } from '../../src/domain/deadline.js';

const month: DeadlineSpec = { amount: 1, unit: 'm' };
const days45: DeadlineSpec = { amount: 45, unit: 'd' };
const none = new Set<string>();

describe('lawfulDueDate: the counting rules', () => {
  it.each([
    // [case, received, deadline, holidays, extendedOn, extension, dueBy, periodEnd]
    ['a month runs to the corresponding date', '2026-03-06', month, [], undefined, undefined, '2026-04-06', '2026-04-06'],
    ['31 January: no 31 February, so its last day (a Saturday, rolled to Monday)', '2026-01-31', month, [], undefined, undefined, '2026-03-02', '2026-02-28'],
    ['31 January in a leap year: 29 February, a Tuesday', '2028-01-31', month, [], undefined, undefined, '2028-02-29', '2028-02-29'],
    ['29 February: 29 March', '2028-02-29', month, [], undefined, undefined, '2028-03-29', '2028-03-29'],
    ['29 February, twelve months: 28 February', '2028-02-29', { amount: 12, unit: 'm' }, [], undefined, undefined, '2029-02-28', '2029-02-28'],
    ['31 March: 30 April', '2026-03-31', month, [], undefined, undefined, '2026-04-30', '2026-04-30'],
    ['a due date on a holiday Monday rolls to Tuesday', '2026-04-25', month, ['2026-05-25'], undefined, undefined, '2026-05-26', '2026-05-25'],
    ['Easter Monday after Good Friday', '2026-03-06', month, ['2026-04-03', '2026-04-06'], undefined, undefined, '2026-04-07', '2026-04-06'],
    ['a Friday holiday, the weekend, a Monday holiday', '2026-11-25', month, ['2026-12-25', '2026-12-28'], undefined, undefined, '2026-12-29', '2026-12-25'],
    ['a Sunday rolls to Monday', '2027-01-01', { amount: 30, unit: 'd' }, [], undefined, undefined, '2027-02-01', '2027-01-31'],
    ['45 days count calendar days', '2026-10-31', days45, [], undefined, undefined, '2026-12-15', '2026-12-15'],
    ['45 days ending on a Sunday roll to Monday', '2026-01-01', days45, [], undefined, undefined, '2026-02-16', '2026-02-15'],
    ['weeks count days', '2026-03-06', { amount: 2, unit: 'w' }, [], undefined, undefined, '2026-03-20', '2026-03-20'],
    ['a holiday that is no due date changes nothing', '2026-03-06', month, ['2026-04-07'], undefined, undefined, '2026-04-06', '2026-04-06'],
    ['extension: two months added to the unrolled date, rolled once at the end', '2026-01-31', month, [], '2026-02-10', undefined, '2026-04-28', '2026-02-28'],
    ['extension of a day deadline: 45 days, from the unrolled Sunday', '2026-01-01', days45, [], '2026-02-16', undefined, '2026-04-01', '2026-02-15'],
    ['extension notified on the rolled last day still counts', '2026-01-31', month, [], '2026-03-02', undefined, '2026-04-28', '2026-02-28'],
    ['--extension 1m', '2026-03-06', month, [], '2026-03-07', { amount: 1, unit: 'm' }, '2026-05-06', '2026-04-06'],
    ['extension landing on a holiday rolls', '2026-02-25', month, ['2026-05-25'], '2026-03-01', undefined, '2026-05-26', '2026-03-25'],
    ['extension notified after the period: not applied', '2026-03-02', month, [], '2026-04-10', undefined, '2026-04-02', '2026-04-02'],
    ['extension dated before receipt: not applied', '2026-03-02', month, [], '2026-03-01', undefined, '2026-04-02', '2026-04-02'],
  ] as const)('%s', (_name, received, deadline, holidays, extendedOn, extension, dueBy, periodEnd) => {
    const due = lawfulDueDate(received, { deadline, holidays: new Set(holidays), ...(extension ? { extension } : {}) }, extendedOn);
    expect(due.dueBy).toBe(dueBy);
    expect(due.periodEnd).toBe(periodEnd);
  });

  it('says why it moved: extension and roll', () => {
    const due = lawfulDueDate('2026-02-25', { deadline: month, holidays: new Set(['2026-05-25']) }, '2026-03-01');
    expect(due.extension).toEqual({ notifiedOn: '2026-03-01', by: { amount: 2, unit: 'm' } });
    expect(due.roll).toEqual({ from: '2026-05-25', skipped: [{ date: '2026-05-25', why: 'holiday' }] });
    expect(describeDueDate(due)).toEqual([
      'due date extended by 2m (extension notified 2026-03-01); first period ended 2026-03-25',
      'due date moved from 2026-05-25 to the next working day 2026-05-26 (2026-05-25 a holiday)',
    ]);
  });

  it('says nothing for a plain date, and why an extension was not applied', () => {
    expect(describeDueDate(lawfulDueDate('2026-03-06', { deadline: month, holidays: none }))).toEqual([]);
    const late = lawfulDueDate('2026-03-02', { deadline: month, holidays: none }, '2026-04-10');
    expect(late.extension).toBeNull();
    expect(describeDueDate(late)).toEqual(["extension notified 2026-04-10, after the first period ended: not applied, due_by stays the first period's"]);
    expect(describeDueDate(lawfulDueDate('2026-01-31', { deadline: month, holidays: none }))).toEqual([
      'due date moved from 2026-02-28 to the next working day 2026-03-02 (2026-02-28 a Saturday, 2026-03-01 a Sunday)',
    ]);
  });
});

describe('rollToWorkingDay', () => {
  it.each([
    ['2026-03-06', [], '2026-03-06', 0],
    ['2026-03-07', [], '2026-03-09', 2],
    ['2026-03-08', [], '2026-03-09', 1],
    ['2026-03-09', ['2026-03-09', '2026-03-10'], '2026-03-11', 2],
  ] as const)('%s with holidays %j → %s', (date, holidays, expected, skipped) => {
    const rolled = rollToWorkingDay(date, new Set(holidays));
    expect(rolled.date).toBe(expected);
    expect(rolled.skipped).toHaveLength(skipped);
  });
});

describe('parseHolidays', () => {
  it('reads one date a line, comments and blank lines ignored', () => {
    expect(parseHolidays('\uFEFF2026-12-25\r\n# Boxing Day, substitute\n2026-12-28  # Monday\n\n')).toEqual({ holidays: new Set(['2026-12-25', '2026-12-28']) });
  });
  it('names every bad line', () => {
    expect(parseHolidays('2026-12-25\n25/12/2026\n2026-02-30\n')).toEqual({
      problems: ["line 2: '25/12/2026' is not a date YYYY-MM-DD", "line 3: '2026-02-30' is not a date YYYY-MM-DD"],
    });
  });
});

describe('daysBetween', () => {
  it.each([
    ['2026-03-01', '2026-03-01', 0],
    ['2026-02-28', '2026-03-01', 1],
    ['2028-02-28', '2028-03-01', 2],
    ['2026-03-29', '2026-03-30', 1],
    ['2026-12-31', '2027-01-01', 1],
    ['2026-03-10', '2026-03-01', -9],
  ] as const)('%s → %s: %i', (a, b, n) => {
    expect(daysBetween(a, b)).toBe(n);
  });
});
