/**
 * The date a request is due by under the law's own counting rules, not "received + N":
 *
 * - a month period runs to the corresponding calendar date of the month it ends in; where that month
 *   has no such date, to its last day (the UK regulator's published rule for GDPR art. 12(3));
 * - days (`45d`, CCPA §1798.130) and weeks count calendar days;
 * - an extension (GDPR art. 12(3): two further months; CCPA §7021: 45 further days), notified to the
 *   requester within the first period, is added to the unrolled date;
 * - the result, and only the result, rolls forward off a Saturday, a Sunday or a listed holiday to
 *   the next working day.
 *
 * Pure: calendar dates in, calendar date and the reasons it moved out. Deadline specs and received
 * dates are read by deadline.ts.
 */
import { dueDate, type CalendarDate, type DeadlineSpec } from './deadline.js';

/** What decides a request's due date besides its received date. */
export interface DueDateRules {
  deadline: DeadlineSpec;
  /** `--holidays`: days that are not working days, besides Saturdays and Sundays. */
  holidays: ReadonlySet<CalendarDate>;
  /** `--extension`; without it, {@link defaultExtension} of the deadline. */
  extension?: DeadlineSpec;
}

/** Why a due date moved off the date the period gave. */
export interface DueDateRoll {
  /** The date the period (and any extension) gave, before rolling. */
  from: CalendarDate;
  /** Each day skipped, and why: `saturday`, `sunday`, `holiday`. */
  skipped: { date: CalendarDate; why: 'saturday' | 'sunday' | 'holiday' }[];
}

/** A request's due date and how it was reached. */
export interface LawfulDueDate {
  /** The date in force: the one results.csv, `show`, the register and the certificate give. */
  dueBy: CalendarDate;
  /** The first period's end, unrolled. */
  periodEnd: CalendarDate;
  /** The extension in force: notified on `notifiedOn`, moving the unrolled date by `by`. */
  extension: { notifiedOn: CalendarDate; by: DeadlineSpec } | null;
  /** An extension date that was not applied, and why (after the period ended, or before receipt). */
  refusedExtension: { notifiedOn: CalendarDate; why: 'after_period' | 'before_receipt' } | null;
  /** Set when the date rolled off a weekend or holiday. */
  roll: DueDateRoll | null;
}

/** GDPR art. 12(3): two further months for a month deadline; CCPA §7021: 45 further days otherwise. */
export function defaultExtension(deadline: DeadlineSpec): DeadlineSpec {
  return deadline.unit === 'm' ? { amount: 2, unit: 'm' } : { amount: 45, unit: 'd' };
}

/**
 * The due date of a request received on `received`, extended if `extendedOn` names the day an
 * extension was notified. An extension counts only when notified on or after receipt and on or
 * before the end of the first period (rolled: the requester must hear of it within the time they were
 * promised); otherwise the first period's date stays, and `refusedExtension` says why.
 */
export function lawfulDueDate(received: CalendarDate, rules: DueDateRules, extendedOn?: CalendarDate): LawfulDueDate {
  const periodEnd = dueDate(received, rules.deadline);
  const firstDue = rollToWorkingDay(periodEnd, rules.holidays);
  let extension: LawfulDueDate['extension'] = null;
  let refusedExtension: LawfulDueDate['refusedExtension'] = null;
  if (extendedOn !== undefined) {
    if (extendedOn < received) refusedExtension = { notifiedOn: extendedOn, why: 'before_receipt' };
    else if (extendedOn > firstDue.date) refusedExtension = { notifiedOn: extendedOn, why: 'after_period' };
    else extension = { notifiedOn: extendedOn, by: rules.extension ?? defaultExtension(rules.deadline) };
  }
  // The extension is added to the date before any roll; the result rolls once, at the end.
  const unrolled = extension === null ? periodEnd : dueDate(periodEnd, extension.by);
  const rolled = extension === null ? firstDue : rollToWorkingDay(unrolled, rules.holidays);
  return {
    dueBy: rolled.date,
    periodEnd,
    extension,
    refusedExtension,
    roll: rolled.skipped.length === 0 ? null : { from: unrolled, skipped: rolled.skipped },
  };
}

/** The first working day on or after `date`: not a Saturday, a Sunday or a holiday. */
export function rollToWorkingDay(date: CalendarDate, holidays: ReadonlySet<CalendarDate>): { date: CalendarDate; skipped: DueDateRoll['skipped'] } {
  const skipped: DueDateRoll['skipped'] = [];
  let day = date;
  // A year of holidays cannot hold more than 366 days in a row; the bound keeps a bad list finite.
  for (let i = 0; i < 400; i += 1) {
    const why = nonWorkingReason(day, holidays);
    if (why === null) break;
    skipped.push({ date: day, why });
    day = addDays(day, 1);
  }
  return { date: day, skipped };
}

function nonWorkingReason(date: CalendarDate, holidays: ReadonlySet<CalendarDate>): 'saturday' | 'sunday' | 'holiday' | null {
  const weekday = weekdayOf(date);
  if (weekday === 6) return 'saturday';
  if (weekday === 0) return 'sunday';
  return holidays.has(date) ? 'holiday' : null;
}

/** 0 Sunday … 6 Saturday. */
export function weekdayOf(date: CalendarDate): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function addDays(date: CalendarDate, days: number): CalendarDate {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/**
 * The row messages a due date earns: an extension applied (or refused, and why), and a roll off a
 * weekend or holiday. None for a date that is simply the period's end.
 */
export function describeDueDate(due: LawfulDueDate): string[] {
  const messages: string[] = [];
  if (due.extension) {
    messages.push(
      `due date extended by ${due.extension.by.amount}${due.extension.by.unit} (extension notified ${due.extension.notifiedOn}); first period ended ${due.periodEnd}`,
    );
  }
  if (due.refusedExtension) {
    messages.push(
      due.refusedExtension.why === 'after_period'
        ? `extension notified ${due.refusedExtension.notifiedOn}, after the first period ended: not applied, due_by stays the first period's`
        : `extension date ${due.refusedExtension.notifiedOn} is before the request was received: not applied`,
    );
  }
  if (due.roll) {
    const whys = [...new Set(due.roll.skipped.map((s) => (s.why === 'holiday' ? `${s.date} a holiday` : `${s.date} a ${s.why === 'saturday' ? 'Saturday' : 'Sunday'}`)))];
    messages.push(`due date moved from ${due.roll.from} to the next working day ${due.dueBy} (${whys.join(', ')})`);
  }
  return messages;
}

/**
 * Reads a `--holidays` file: one `YYYY-MM-DD` a line; blank lines and `#` comments are ignored.
 * Returns every bad line (1-based) at once, for the caller to name the file with.
 */
export function parseHolidays(text: string): { holidays: Set<CalendarDate> } | { problems: string[] } {
  const holidays = new Set<CalendarDate>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim().replace(/^\uFEFF/, '');
    if (line === '') return;
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(line);
    const valid = m !== null && (() => {
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const date = new Date(Date.UTC(y, mo - 1, d));
      return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
    })();
    if (!valid) problems.push(`line ${index + 1}: '${raw.trim()}' is not a date YYYY-MM-DD`);
    else holidays.add(line);
  });
  return problems.length > 0 ? { problems } : { holidays };
}
