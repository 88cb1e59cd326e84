import { describe, expect, it } from 'vitest';
import { EVENT_RETENTION_SECONDS, isReappearance, planWatch } from '../../src/domain/reappearance.js';

const NOW = 1_800_000_000;
const DAY = 86_400;

describe('planWatch', () => {
  it.each([
    ['first watch: 30 days back (a minute inside the window)', undefined, { source: 'events', from: NOW - EVENT_RETENTION_SECONDS + 60, first: true }],
    ['a cursor of yesterday: events from it', NOW - DAY, { source: 'events', from: NOW - DAY, first: false }],
    ['a cursor of 29 days ago: events still', NOW - 29 * DAY, { source: 'events', from: NOW - 29 * DAY, first: false }],
    ['a cursor just inside 30 days, within the hour of margin: customers', NOW - 30 * DAY + 1800, { source: 'customers', from: NOW - 30 * DAY + 1800 }],
    ['a cursor of 40 days ago: customers created since it', NOW - 40 * DAY, { source: 'customers', from: NOW - 40 * DAY }],
    ['a cursor ahead of this clock (Stripe’s clock ahead): events', NOW + DAY, { source: 'events', from: NOW + DAY, first: false }],
  ])('%s', (_name, cursor, expected) => {
    expect(planWatch(cursor, NOW)).toEqual(expected);
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
