import { describe, expect, it } from 'vitest';
import { EVENT_RETENTION_SECONDS, isReappearance, planWatch } from '../../src/domain/reappearance.js';

const NOW = 1_800_000_000;
const DAY = 86_400;

describe('planWatch', () => {
  const LONG_AGO = NOW - 365 * DAY;
  it.each([
    ['nothing erased yet: nothing to read', undefined, undefined, { source: 'nothing_erased' }],
    ['first watch: 30 days back (a minute inside the window)', undefined, LONG_AGO, { source: 'events', from: NOW - EVENT_RETENTION_SECONDS + 60, first: true }],
    ['first watch, the first erasure yesterday: from it', undefined, NOW - DAY, { source: 'events', from: NOW - DAY, first: true }],
    ['a cursor of yesterday: events from it', NOW - DAY, LONG_AGO, { source: 'events', from: NOW - DAY, first: false }],
    ['a cursor before the first erasure: from the erasure', NOW - 5 * DAY, NOW - 2 * DAY, { source: 'events', from: NOW - 2 * DAY, first: false }],
    ['a cursor of 29 days ago: events still', NOW - 29 * DAY, LONG_AGO, { source: 'events', from: NOW - 29 * DAY, first: false }],
    ['a cursor just inside 30 days, within the hour of margin: customers', NOW - 30 * DAY + 1800, LONG_AGO, { source: 'customers', from: NOW - 30 * DAY + 1800 }],
    ['a cursor of 40 days ago: customers created since it', NOW - 40 * DAY, LONG_AGO, { source: 'customers', from: NOW - 40 * DAY }],
    ['a cursor of 40 days ago, the first erasure 3 days ago: events from the erasure', NOW - 40 * DAY, NOW - 3 * DAY, { source: 'events', from: NOW - 3 * DAY, first: false }],
    ['a cursor ahead of this clock (Stripe’s clock ahead): events', NOW + DAY, LONG_AGO, { source: 'events', from: NOW + DAY, first: false }],
  ])('%s', (_name, cursor, earliestSettled, expected) => {
    expect(planWatch(cursor, NOW, earliestSettled)).toEqual(expected);
  });
});

describe('isReappearance', () => {
  const settledAt = new Date(NOW * 1000).toISOString();
  it.each([
    ['no erased request', undefined, NOW + DAY, false],
    ['written after settlement', { settledAt }, NOW + 1, true],
    ['written in the second of settlement', { settledAt }, NOW, false],
    ['written before settlement (the erased data itself)', { settledAt }, NOW - DAY, false],
    ['an unreadable settlement time', { settledAt: 'not a date' }, NOW + DAY, false],
  ])('%s → %s', (_name, request, seenAt, expected) => {
    expect(isReappearance(request, seenAt)).toBe(expected);
  });
});
