/**
 * The retention period of `expire --older-than`: how long the identifying half of a settled request
 * is kept. Pure: a period in, the cut-off day out.
 */
import type { CalendarDate, DeadlineSpec } from './deadline.js';

/**
 * Reads `--older-than`: `24m`, `104w`, `730d`; up to 10 years. `0d` expires whatever is settled up
 * to today (a record kept only for its accountability half).
 */
export function parseRetention(text: string): DeadlineSpec | { problem: string } {
  const m = /^\s*(\d{1,4})\s*([dwm])\s*$/i.exec(text);
  if (!m) return { problem: `expected a count and a unit such as 24m (calendar months), 730d (days) or 104w (weeks); got '${text}'` };
  const amount = Number(m[1]);
  const unit = (m[2] as string).toLowerCase() as DeadlineSpec['unit'];
  const max = { d: 3660, w: 522, m: 120 }[unit];
  if (amount > max) return { problem: `expected at most 10 years; got '${text}'` };
  return { amount, unit };
}

/** The day `period` before `today` (a month back from 31 March is 28 or 29 February): what settled on or before it expires. */
export function cutoffDay(today: CalendarDate, period: DeadlineSpec): CalendarDate {
  const [year, month, day] = today.split('-').map(Number) as [number, number, number];
  if (period.unit === 'm') {
    const index = year * 12 + (month - 1) - period.amount;
    const toYear = Math.floor(index / 12);
    const toMonth = (index - toYear * 12) + 1;
    const last = new Date(Date.UTC(toYear, toMonth, 0)).getUTCDate();
    return `${String(toYear).padStart(4, '0')}-${String(toMonth).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
  }
  const days = period.amount * (period.unit === 'w' ? 7 : 1);
  return new Date(Date.UTC(year, month - 1, day - days)).toISOString().slice(0, 10);
}
