/**
 * The register of requests (CCPA regulations §7101: date of request, nature, manner, date and nature
 * of the response, basis for any denial) and §7102's yearly figures, as pure functions of what the
 * state recorded about each request at each run. No identifier appears here: a request is named by
 * its keyed digest and, when the input had one, its own request id.
 */
import { daysBetween } from './due-date.js';
import type { CalendarDate } from './deadline.js';
import type { ObjectStatus } from './object-status.js';

/** The nature of the response, as the register states it. */
export const REGISTER_OUTCOMES = ['erased', 'partially_erased', 'no_data', 'pending', 'not_erased'] as const;
export type RegisterOutcome = (typeof REGISTER_OUTCOMES)[number];

/**
 * The register's outcome of a row: `erased` (redacted or already redacted), `no_data` (not found),
 * `partially_erased` (some of its objects erased, others not yet), `not_erased` (invalid, failed),
 * `pending` while unsettled (needs action, pending, redaction pending; and previews: ready, planned).
 */
export function registerOutcome(rowStatus: string, objectStatuses: readonly ObjectStatus[]): RegisterOutcome {
  switch (rowStatus) {
    case 'redacted':
    case 'already_redacted':
      return 'erased';
    case 'not_found':
      return 'no_data';
    case 'invalid':
    case 'failed':
      return someErased(objectStatuses) ? 'partially_erased' : 'not_erased';
    default:
      return someErased(objectStatuses) ? 'partially_erased' : 'pending';
  }
}

function someErased(statuses: readonly ObjectStatus[]): boolean {
  return statuses.some((s) => s === 'redacted' || s === 'already_redacted');
}

/** Whether an outcome closes the request: the register's `settled_on` is the first day one did. */
export function isSettledOutcome(outcome: RegisterOutcome): boolean {
  return outcome === 'erased' || outcome === 'no_data';
}

/** What the state keeps of one request (one line of the register). */
export interface RequestRecord {
  /** The state's keyed digest of the identifier (never the identifier). */
  requestKey: string;
  /** The input's own request id, when it had one. */
  requestId: string | null;
  /** The received date the input gave; null without one. */
  received: CalendarDate | null;
  /** The day a run of this state first read the request. */
  firstSeen: CalendarDate;
  /** How the request was made (the input's channel column), as written. */
  manner: string | null;
  dueBy: CalendarDate | null;
  /** The day an extension was notified, when one is in force. */
  extendedOn: CalendarDate | null;
  /** The day the request first reached erased or no data; null while it has not. */
  settledOn: CalendarDate | null;
  outcome: RegisterOutcome;
  /** Why not erased, in words (for partially_erased, pending, not_erased). */
  basis: string | null;
  /** The runs that read it, oldest first. */
  runs: string[];
  /** The Stripe jobs that carried it, oldest first. */
  jobs: string[];
  /** When `expire` removed the identifying half; null while it is kept. */
  expiredAt: string | null;
}

/** The register's columns, in the contract's order. */
export const REGISTER_COLUMNS = [
  'request_key',
  'request_id',
  'received',
  'nature',
  'manner',
  'due_by',
  'extended_on',
  'settled_on',
  'outcome',
  'basis',
  'days_to_settle',
  'runs',
  'jobs',
] as const;

export type RegisterLine = Record<(typeof REGISTER_COLUMNS)[number], string | number | null>;

/** The day a request counts from: its received date, else the day it was first seen. */
export function startOf(record: RequestRecord): CalendarDate {
  return record.received ?? record.firstSeen;
}

/** Days from receipt (or first sight) to the first settling; null while unsettled. */
export function daysToSettle(record: RequestRecord): number | null {
  return record.settledOn === null ? null : Math.max(0, daysBetween(startOf(record), record.settledOn));
}

/** One line of the register. */
export function registerLine(record: RequestRecord): RegisterLine {
  return {
    request_key: record.requestKey,
    request_id: record.requestId,
    received: record.received ?? record.firstSeen,
    nature: 'deletion',
    manner: record.manner,
    due_by: record.dueBy,
    extended_on: record.extendedOn,
    settled_on: record.settledOn,
    outcome: record.outcome,
    basis: record.outcome === 'erased' || record.outcome === 'no_data' ? null : record.basis,
    days_to_settle: daysToSettle(record),
    runs: record.runs.join(' '),
    jobs: record.jobs.join(' '),
  };
}

/** `--from`/`--to` (inclusive) on the day a request counts from. */
export function inPeriod(record: RequestRecord, from?: CalendarDate, to?: CalendarDate): boolean {
  const day = startOf(record);
  return (from === undefined || day >= from) && (to === undefined || day <= to);
}

/** §7102's figures for one calendar year. */
export interface YearMetrics {
  year: number;
  received: number;
  erasedInWhole: number;
  erasedInPart: number;
  notErased: number;
  noData: number;
  pending: number;
  /** Over the requests settled; null when none was. */
  medianDaysToSettle: number | null;
  meanDaysToSettle: number | null;
}

/** The year's figures over the requests received (or first seen) in it. */
export function yearMetrics(records: Iterable<Pick<RequestRecord, 'received' | 'firstSeen' | 'outcome' | 'settledOn'>>, year: number): YearMetrics {
  const metrics: YearMetrics = { year, received: 0, erasedInWhole: 0, erasedInPart: 0, notErased: 0, noData: 0, pending: 0, medianDaysToSettle: null, meanDaysToSettle: null };
  const days: number[] = [];
  for (const record of records) {
    const start = record.received ?? record.firstSeen;
    if (Number(start.slice(0, 4)) !== year) continue;
    metrics.received += 1;
    if (record.outcome === 'erased') metrics.erasedInWhole += 1;
    else if (record.outcome === 'partially_erased') metrics.erasedInPart += 1;
    else if (record.outcome === 'not_erased') metrics.notErased += 1;
    else if (record.outcome === 'no_data') metrics.noData += 1;
    else metrics.pending += 1;
    if (record.settledOn !== null) days.push(Math.max(0, daysBetween(start, record.settledOn)));
  }
  if (days.length > 0) {
    days.sort((a, b) => a - b);
    const mid = Math.floor(days.length / 2);
    metrics.medianDaysToSettle = days.length % 2 === 1 ? (days[mid] as number) : ((days[mid - 1] as number) + (days[mid] as number)) / 2;
    metrics.meanDaysToSettle = Math.round((days.reduce((a, b) => a + b, 0) / days.length) * 100) / 100;
  }
  return metrics;
}
