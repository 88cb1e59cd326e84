/**
 * The reappearance watch's cursor and outcome (issue 18), through the real SDK against the
 * emulator, with the watch's own clock (`nowSeconds`) given by the test: where the next watch
 * starts, what it reads and reports, what it says when it falls back, and what an interrupted
 * watch leaves for the next one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger, type Logger, type LogFields } from '../../src/io/logger.js';
import { openGateway } from '../../src/cli/run-resources.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { watchReappearances } from '../../src/pipeline/watch-reappearances.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const DAY = 86_400;

let emulator: TestEmulator | undefined;
let store: StateStore | undefined;
let budget: RateBudget | undefined;
afterEach(async () => {
  budget?.close();
  budget = undefined;
  store?.close();
  store = undefined;
  await emulator?.close();
  emulator = undefined;
});

function recordingLogger(): { logger: Logger; warnings: string[]; infos: [string, LogFields | undefined][] } {
  const warnings: string[] = [];
  const infos: [string, LogFields | undefined][] = [];
  return {
    logger: { ...createSilentLogger(), warn: (message: string) => void warnings.push(message), info: (message, fields) => void infos.push([message, fields]) },
    warnings,
    infos,
  };
}

async function setUp() {
  emulator = await startTestEmulator();
  store = openStateStore({ path: ':memory:' });
  budget = new RateBudget({ maxRps: 1000, maxSearchRps: 100 });
  const gateway = openGateway({ apiKey: 'sk_test_cursor', apiBase: emulator.url, budget, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
  return { emulator, store, budget, gateway, now: Math.floor(Date.now() / 1000) };
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe('the reappearance watch', () => {
  it('with nothing erased reads nothing, and starts the next watch five minutes before now', async () => {
    const { store: s, budget: b, gateway, now } = await setUp();
    const outcome = await watchReappearances({ gateway, store: s, logger: createSilentLogger(), runId: null, nowSeconds: () => now });
    expect(outcome).toEqual({ source: 'events', from: iso(now - 300), pages: 0, seen: 0, reappeared: [] });
    expect(b.callCounts()).toEqual({});
    expect(s.watchCursor()).toBe(now - 300);
  });

  it('reads events from the earliest settlement, reports who came back with the request\'s facts, logs its counts, and moves the cursor to five minutes before now', async () => {
    const { emulator: em, store: s, gateway, now } = await setUp();
    const settledAt = iso(now - 3600);
    const key = s.emailKey('back@example.com');
    s.noteErasure(key, { requestId: 'DSR-1', suppressionDigest: null, settledAt });
    const back = (await em.dispatch('POST', '/v1/customers', { email: '  Back@Example.com ' })) as { id: string; created: number };
    // Seen (counted) but nobody's request: a customer without an email, and one with another email.
    await em.dispatch('POST', '/v1/customers', { name: 'No Email' });
    await em.dispatch('POST', '/v1/customers', { email: 'stranger@example.com' });
    const { logger, infos, warnings } = recordingLogger();
    const outcome = await watchReappearances({ gateway, store: s, logger, runId: 'run-1', nowSeconds: () => now });
    expect(outcome).toEqual({
      source: 'events',
      from: settledAt,
      pages: 1,
      seen: 3,
      reappeared: [{ customerId: back.id, customerCreated: iso(back.created), requestKey: key, requestId: 'DSR-1', settledOn: settledAt.slice(0, 10) }],
    });
    expect(warnings).toEqual([]);
    // It read events as planned: nothing to say.
    expect(outcome).not.toHaveProperty('note');
    expect(infos).toEqual([['reappearance watch', { source: 'events', from: settledAt, pages: 1, seen: 3, reappeared: 1 }]]);
    expect(s.watchCursor()).toBe(now - 300);
  });

  it('never moves the cursor back before where it read from', async () => {
    const { store: s, gateway, now } = await setUp();
    // Settled a minute ago: the watch reads from there, which is later than five minutes ago.
    s.noteErasure(s.emailKey('recent@example.com'), { requestId: null, suppressionDigest: null, settledAt: iso(now - 60) });
    await watchReappearances({ gateway, store: s, logger: createSilentLogger(), runId: null, nowSeconds: () => now });
    expect(s.watchCursor()).toBe(now - 60);
  });

  it('falling back to the customer list past 30 days, says why in its outcome and logs it once', async () => {
    const { store: s, gateway, now } = await setUp();
    s.setWatchCursor(now - 40 * DAY);
    s.noteErasure(s.emailKey('old@example.com'), { requestId: null, suppressionDigest: null, settledAt: iso(now - 41 * DAY) });
    const { logger, warnings } = recordingLogger();
    const outcome = await watchReappearances({ gateway, store: s, logger, runId: null, nowSeconds: () => now });
    expect(outcome.source).toBe('customers');
    expect(outcome.from).toBe(iso(now - 40 * DAY));
    expect(outcome.note).toBe(
      `the watch starts at ${iso(now - 40 * DAY)} (its cursor: no watch since), older than the 30 days of events Stripe keeps: listed the customers created since then instead (a customer whose email was changed to an erased one is not seen this time)`,
    );
    expect(warnings).toEqual([outcome.note]);
    expect(s.watchCursor()).toBe(now - 300);
  });

  it('without the events permission says which permission it lacks, in its outcome too', async () => {
    const { emulator: em, store: s, budget: b, gateway, now } = await setUp();
    s.noteErasure(s.emailKey('perm@example.com'), { requestId: null, suppressionDigest: null, settledAt: iso(now - 3600) });
    em.faults.use({ path: '/v1/events', status: 403 });
    const { logger, warnings } = recordingLogger();
    const outcome = await watchReappearances({ gateway, store: s, logger, runId: null, nowSeconds: () => now });
    const note = `the key may not read events (Events: Read): listed the customers created since ${iso(now - 3600)} instead (a changed email is not seen)`;
    expect(outcome).toMatchObject({ source: 'customers', from: iso(now - 3600), pages: 1, note });
    expect(warnings).toEqual([note]);
    expect(b.callCounts()).toEqual({ 'events.list': 1, 'customers.list_created': 1 });
  });

  it('without either permission is skipped, naming both, and leaves the cursor where it was', async () => {
    const { emulator: em, store: s, gateway, now } = await setUp();
    s.noteErasure(s.emailKey('none@example.com'), { requestId: null, suppressionDigest: null, settledAt: iso(now - 3600) });
    em.faults.use({ path: '/v1/events', status: 403 }, { path: '/v1/customers', status: 403 });
    const { logger, warnings } = recordingLogger();
    const outcome = await watchReappearances({ gateway, store: s, logger, runId: null, nowSeconds: () => now });
    const note = 'the reappearance watch was skipped: the key may read neither events (Events: Read) nor customers (Customers: Read)';
    expect(outcome).toEqual({ source: 'skipped', from: iso(now - 3600), pages: 0, seen: 0, reappeared: [], note });
    expect(warnings[1]).toBe(note);
    expect(s.watchCursor()).toBeUndefined();
  });

  it('fails on a failure that is not a missing permission, leaving the cursor for the next watch', async () => {
    const { emulator: em, store: s, gateway, now } = await setUp();
    s.noteErasure(s.emailKey('fail@example.com'), { requestId: null, suppressionDigest: null, settledAt: iso(now - 3600) });
    em.faults.use({ path: '/v1/events', status: 500 });
    await expect(watchReappearances({ gateway, store: s, logger: createSilentLogger(), runId: null, nowSeconds: () => now })).rejects.toMatchObject({ kind: 'api' });
    expect(s.watchCursor()).toBeUndefined();
  });

  it('interrupted between two pages, reads no further, lists nothing, and leaves the cursor for the next watch', async () => {
    const { emulator: em, store: s, budget: b, gateway, now } = await setUp();
    s.noteErasure(s.emailKey('p5@example.com'), { requestId: 'DSR-5', suppressionDigest: null, settledAt: iso(now - 3600) });
    for (let i = 0; i < 150; i++) await em.dispatch('POST', '/v1/customers', { email: `p${i}@example.com` });
    const interrupt = new AbortController();
    const interrupting: StripeGateway = {
      ...gateway,
      listCustomerEvents: async (params) => {
        const page = await gateway.listCustomerEvents(params);
        interrupt.abort();
        return page;
      },
    };
    const outcome = await watchReappearances({ gateway: interrupting, store: s, logger: createSilentLogger(), runId: null, nowSeconds: () => now, signal: interrupt.signal });
    expect(outcome).toMatchObject({ source: 'events', pages: 1, seen: 100, reappeared: [] });
    expect(outcome).not.toHaveProperty('note');
    expect(b.callCounts()).toEqual({ 'events.list': 1 });
    expect(s.watchCursor()).toBeUndefined();
    // The next watch reads both pages and finds who came back (p5 was written early: on the second page).
    const next = await watchReappearances({ gateway, store: s, logger: createSilentLogger(), runId: null, nowSeconds: () => now });
    expect(next).toMatchObject({ pages: 2, seen: 150, reappeared: [expect.objectContaining({ requestId: 'DSR-5' })] });
  });

  it('interrupted before it starts, reads nothing and keeps its fallback note', async () => {
    const { store: s, budget: b, gateway, now } = await setUp();
    s.setWatchCursor(now - 40 * DAY);
    s.noteErasure(s.emailKey('x@example.com'), { requestId: null, suppressionDigest: null, settledAt: iso(now - 41 * DAY) });
    const interrupt = new AbortController();
    interrupt.abort();
    const outcome = await watchReappearances({ gateway, store: s, logger: createSilentLogger(), runId: null, nowSeconds: () => now, signal: interrupt.signal });
    expect(outcome).toMatchObject({ source: 'customers', pages: 0, seen: 0, reappeared: [], note: expect.stringMatching(/older than the 30 days/) });
    expect(b.callCounts()).toEqual({});
    expect(s.watchCursor()).toBe(now - 40 * DAY);
  });
});
