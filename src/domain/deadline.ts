/**
 * Deadlines of data-subject requests: the date a request was received, the time the law allows
 * (GDPR art. 12(3): one month from receipt; CCPA §1798.130: 45 days), the date it is due by, and
 * how an unsettled row stands against it. Pure: dates are calendar dates (`YYYY-MM-DD`), compared
 * as strings, with no time zone but the one the received date was written in.
 */

/** A calendar date, `YYYY-MM-DD`. */
export type CalendarDate = string;

/**
 * How a date written `NN/NN/YYYY` is read: spreadsheets write both `03/11/2026` (3 November, most of
 * Europe) and `11/03/2026` (November 3, the US), and nothing in the cell tells which. Without a
 * stated order such a date is refused as ambiguous rather than guessed.
 */
export type DateOrder = 'dmy' | 'mdy';

/** `--deadline`: a count of calendar days, weeks or months. */
export interface DeadlineSpec {
  amount: number;
  unit: 'd' | 'w' | 'm';
}

/** GDPR art. 12(3): one month from receipt of the request. */
export const DEFAULT_DEADLINE: DeadlineSpec = { amount: 1, unit: 'm' };

/** Days ahead within which an unsettled row counts as due soon. */
export const DUE_SOON_DAYS = 7;

/**
 * The longest `--deadline` accepted, per unit: three years (beyond a few years a value is a typo,
 * not a legal term), counted in that unit — 36 calendar months, not 36 × 31 days.
 */
const MAX_DEADLINE: Record<DeadlineSpec['unit'], number> = { d: 3 * 366, w: 156, m: 36 };

/**
 * Reads `--deadline`: `30d`, `6w`, `1m`, `45d` (days, weeks, calendar months). Returns a reason
 * on a bad value, for the caller to name the option with.
 */
export function parseDeadlineSpec(text: string): DeadlineSpec | { problem: string } {
  const match = /^\s*(\d{1,4})\s*([dwm])\s*$/i.exec(text);
  const problem = `expected a count and a unit such as 1m (calendar months), 30d or 45d (days), 6w (weeks); got '${text}'`;
  if (!match) return { problem };
  const amount = Number(match[1]);
  const unit = (match[2] as string).toLowerCase() as DeadlineSpec['unit'];
  if (amount < 1 || amount > MAX_DEADLINE[unit]) return { problem: `expected from 1 day up to 3 years; got '${text}'` };
  return { amount, unit };
}

/** `1m`, `45d`: how a spec is written back in messages and the summary. */
export function formatDeadlineSpec(spec: DeadlineSpec): string {
  return `${spec.amount}${spec.unit}`;
}

/**
 * Reads a received date as a calendar date. Accepted: `YYYY-MM-DD`, `YYYY/MM/DD`, ISO-8601 date-times
 * (`2026-11-03T10:00:00Z`, `2026-11-03 10:00`, Zendesk's `2026-11-03 10:12:00 +0100`; the date as written, whatever the offset: the day the
 * requester's system said), `DD.MM.YYYY` (the dotted form is day-first everywhere it is used), and
 * `DD/MM/YYYY` or `MM/DD/YYYY` only when `order` says which. Returns a reason on anything else.
 */
export function parseReceivedDate(text: string, order?: DateOrder): { date: CalendarDate } | { problem: string } {
  const value = text.trim();
  if (value === '') return { problem: 'no received date' };
  let parts: [number, number, number] | undefined;
  let m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s?(?:Z|UTC|[+-]\d{2}:?\d{2})?)?$/i.exec(value);
  if (m) parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(value))) parts = [Number(m[3]), Number(m[2]), Number(m[1])];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value))) {
    if (order === undefined) {
      return { problem: `received date '${value}' is ambiguous (day-first or month-first?); write it as YYYY-MM-DD or pass --date-order dmy|mdy` };
    }
    const [first, second] = [Number(m[1]), Number(m[2])];
    parts = order === 'dmy' ? [Number(m[3]), second, first] : [Number(m[3]), first, second];
  }
  if (!parts) return { problem: `received date '${value}' is not a date this reads (YYYY-MM-DD, an ISO date-time, DD.MM.YYYY)` };
  const [year, month, day] = parts;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { problem: `received date '${value}' names no day of the calendar` };
  }
  return { date: formatDate(year, month, day) };
}

/**
 * The date a request received on `received` is due by. Months are calendar months, clamped to the
 * month's last day (received 31 January, one month → 28 or 29 February).
 */
export function dueDate(received: CalendarDate, spec: DeadlineSpec): CalendarDate {
  const [year, month, day] = received.split('-').map(Number) as [number, number, number];
  if (spec.unit === 'm') {
    const index = year * 12 + (month - 1) + spec.amount;
    const toYear = Math.floor(index / 12);
    const toMonth = (index % 12) + 1;
    return formatDate(toYear, toMonth, Math.min(day, daysInMonth(toYear, toMonth)));
  }
  return addDays(received, spec.amount * (spec.unit === 'w' ? 7 : 1));
}

/** Where an unsettled row stands on `today`: past its due date, due within {@link DUE_SOON_DAYS} days, or neither. */
export type DeadlineStanding = 'overdue' | 'due_soon' | 'in_time';

export function classifyDeadline(dueBy: CalendarDate, today: CalendarDate): DeadlineStanding {
  if (dueBy < today) return 'overdue';
  return dueBy <= addDays(today, DUE_SOON_DAYS) ? 'due_soon' : 'in_time';
}

/** Days from `dueBy` to `settledOn`: positive when settled late, 0 on the due day itself, negative when early. */
export function daysLate(dueBy: CalendarDate, settledOn: CalendarDate): number {
  return Math.round((Date.parse(`${settledOn}T00:00:00Z`) - Date.parse(`${dueBy}T00:00:00Z`)) / 86_400_000);
}

/** The calendar date (UTC) of an ISO-8601 instant such as the run's end. */
export function dateOfInstant(iso: string): CalendarDate {
  return new Date(iso).toISOString().slice(0, 10);
}

function addDays(date: CalendarDate, days: number): CalendarDate {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function formatDate(year: number, month: number, day: number): CalendarDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
