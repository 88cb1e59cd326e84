/**
 * What a run does after its erasures (issue 18), called as the report pass calls it, through the
 * real SDK against the emulator and a real state: which erased rows it notes and with what, what
 * it reads and writes for a redact run, a plan run and an interrupted one, and which failures cost
 * a warning (Stripe could not be read) rather than the run (a defect).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger, type Logger } from '../../src/io/logger.js';
import { afterErasure, ErasureNotes } from '../../src/pipeline/after-erasure.js';
import { openGateway } from '../../src/cli/run-resources.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import type { ResultRow } from '../../src/report/result-writer.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { suppressionDigest } from '../../src/state/suppression-digest.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

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

function warningsLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return { logger: { ...createSilentLogger(), warn: (message: string) => void warnings.push(message) }, warnings };
}

/** A result row as the report pass sees it; `fields` is `[identifier, request id]`. */
function resultRow(fields: string[], status: string, updatedAt = '2026-12-01T10:00:00.000Z'): ResultRow {
  return {
    fields,
    row: 1,
    identifierType: 'email',
    status,
    objectIds: [],
    jobId: null,
    earlierJobIds: [],
    blockingCodes: [],
    fixes: [],
    messages: [],
    dueBy: null,
    runId: 'run',
    livemode: false,
    updatedAt,
    verifiedAt: null,
  };
}

/** The emulator, a budgeted gateway with quick retries, a state with a redact run, and an output folder. */
async function setUp(seed: Parameters<typeof startTestEmulator>[0] = {}) {
  emulator = await startTestEmulator(seed);
  store = openStateStore({ path: ':memory:' });
  budget = new RateBudget({ maxRps: 1000, maxSearchRps: 100 });
  const gateway = openGateway({ apiKey: 'sk_test_after', apiBase: emulator.url, budget, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
  const runId = store.startRun('redact', 'in.csv');
  const outDir = mkdtempSync(join(tmpdir(), 'stripe-redact-after-'));
  return { emulator, store, budget, gateway, runId, outDir };
}

/** Notes `email` as read by `runId`, resolved to `customerId`, and erased as of `settledAt`. */
function erasedInRun(s: StateStore, runId: string, email: string, customerId: string, requestId: string, settledAt: string): string {
  const key = s.emailKey(email);
  s.noteIdentifier(key, 'email', runId);
  s.recordResolution(key, [{ id: customerId, type: 'customer' }]);
  const notes = new ErasureNotes(s, 0, 1);
  notes.add(resultRow([email, requestId], 'redacted', settledAt));
  notes.flush();
  return key;
}

describe('ErasureNotes', () => {
  it('notes each erased row with its trimmed request id, its email\'s suppression digest and when it settled; nothing for other rows', () => {
    const s = openStateStore({ path: ':memory:' });
    store = s;
    const notes = new ErasureNotes(s, 0, 1);
    notes.add(resultRow(['Ann@Example.com', '  DSR-1 '], 'redacted', '2026-12-01T10:00:00.000Z'));
    notes.add(resultRow(['cus_already', ''], 'already_redacted', '2026-12-02T11:00:00.000Z'));
    for (const status of ['not_found', 'needs_action', 'redaction_pending', 'invalid', 'planned']) notes.add(resultRow([`${status}@example.com`, 'DSR-X'], status));
    // Nothing is written before flush: a chunk is one transaction.
    expect(s.erasureOf(s.emailKey('ann@example.com'))).toBeUndefined();
    notes.flush();
    expect(s.erasureOf(s.emailKey('ann@example.com'))).toEqual({ key: s.emailKey('ann@example.com'), requestId: 'DSR-1', settledAt: '2026-12-01T10:00:00.000Z' });
    expect(s.erasureOf(s.idKey('cus_already'))).toEqual({ key: s.idKey('cus_already'), requestId: null, settledAt: '2026-12-02T11:00:00.000Z' });
    for (const status of ['not_found', 'needs_action', 'redaction_pending', 'invalid', 'planned']) expect(s.erasureOf(s.emailKey(`${status}@example.com`))).toBeUndefined();
    // Only the email has a digest, made with the state's suppression key from the email as Stripe matches it.
    const key = s.suppressionKey() as Buffer;
    expect(s.suppressionEntries()).toEqual({ entries: [{ digest: suppressionDigest(key, 'ann@example.com'), settledAt: '2026-12-01T10:00:00.000Z' }], withoutDigest: 0 });
  });

  it('without a request id column notes no request id', () => {
    const s = openStateStore({ path: ':memory:' });
    store = s;
    const notes = new ErasureNotes(s, 0, null);
    notes.add(resultRow(['bo@example.com', 'not a request id'], 'redacted', '2026-12-03T12:00:00.000Z'));
    notes.flush();
    expect(s.erasureOf(s.emailKey('bo@example.com'))).toEqual({ key: s.emailKey('bo@example.com'), requestId: null, settledAt: '2026-12-03T12:00:00.000Z' });
  });

  it('notes no request id for a row that has no cell in the request id column', () => {
    const s = openStateStore({ path: ':memory:' });
    store = s;
    const notes = new ErasureNotes(s, 0, 1);
    notes.add(resultRow(['short@example.com'], 'redacted'));
    notes.flush();
    expect(s.erasureOf(s.emailKey('short@example.com'))?.requestId).toBeNull();
  });

  it('notes every erased row of a long report, across chunks', () => {
    const s = openStateStore({ path: ':memory:' });
    store = s;
    const notes = new ErasureNotes(s, 0, 1);
    for (let i = 0; i < 1001; i++) notes.add(resultRow([`p${i}@example.com`, `DSR-${i}`], 'redacted'));
    notes.flush();
    expect(s.suppressionEntries().entries).toHaveLength(1001);
    expect(s.erasureOf(s.emailKey('p1000@example.com'))?.requestId).toBe('DSR-1000');
  });
});

describe('afterErasure', () => {
  it('after a redact run: names the recipients, watches, and writes downstream.csv and reappeared.csv', async () => {
    const { emulator: em, store: s, budget: b, gateway, runId, outDir } = await setUp({
      seed: { webhook_endpoints: [{ id: 'we_crm', url: 'https://crm.example.com/hook', enabled_events: ['customer.updated'] }] },
    });
    const settledAt = new Date(Date.now() - 60_000).toISOString();
    const key = erasedInRun(s, runId, 'back@example.com', 'cus_gone', 'DSR-7', settledAt);
    const back = (await em.dispatch('POST', '/v1/customers', { email: 'back@example.com' })) as { id: string; created: number };
    const report = await afterErasure({ gateway, store: s, logger: createSilentLogger(), runId, outDir, redact: true });
    expect(report.recipients).toEqual([{ id: 'we_crm', host: 'crm.example.com', status: 'enabled', eventTypes: ['customer.updated'] }]);
    expect(report.reappeared).toBe(1);
    expect(report.watch).toMatchObject({ source: 'events', pages: 1, seen: 1 });
    expect(report.watch).not.toHaveProperty('reappeared');
    const reappearedRow = { customerId: back.id, customerCreated: new Date(back.created * 1000).toISOString(), requestKey: key, requestId: 'DSR-7', settledOn: settledAt.slice(0, 10) };
    expect(report.reappearedRows).toEqual([reappearedRow]);
    expect(report.reappearedPath).toBe(join(outDir, 'reappeared.csv'));
    expect(report.downstreamPath).toBe(join(outDir, 'downstream.csv'));
    expect(readFileSync(join(outDir, 'downstream.csv'), 'utf8')).toBe(`request_key,request_id,object_ids,settled_on\n${key},DSR-7,cus_gone,${settledAt.slice(0, 10)}\n`);
    expect(readFileSync(join(outDir, 'reappeared.csv'), 'utf8')).toBe(
      `customer_id,customer_created,request_key,request_id,settled_on\n${back.id},${reappearedRow.customerCreated},${key},DSR-7,${settledAt.slice(0, 10)}\n`,
    );
    expect(b.callCounts()).toEqual({ 'events.list': 1, 'webhook_endpoints.list': 1 });
  });

  it('after a plan run: names the recipients only — no watch, no file', async () => {
    const { store: s, budget: b, gateway, runId, outDir } = await setUp();
    erasedInRun(s, runId, 'plan@example.com', 'cus_plan', 'DSR-P', new Date(Date.now() - 60_000).toISOString());
    const report = await afterErasure({ gateway, store: s, logger: createSilentLogger(), runId, outDir, redact: false });
    expect(report).toEqual({ reappeared: null, watch: null, recipients: [], reappearedPath: null, downstreamPath: null, reappearedRows: [] });
    expect(b.callCounts()).toEqual({ 'webhook_endpoints.list': 1 });
    expect(existsSync(join(outDir, 'downstream.csv'))).toBe(false);
    expect(s.watchCursor()).toBeUndefined();
  });

  it('after an interrupted run: sends no request and writes nothing', async () => {
    const { store: s, budget: b, gateway, runId, outDir } = await setUp();
    erasedInRun(s, runId, 'stop@example.com', 'cus_stop', 'DSR-S', new Date(Date.now() - 60_000).toISOString());
    const interrupt = new AbortController();
    interrupt.abort();
    const report = await afterErasure({ gateway, store: s, logger: createSilentLogger(), runId, outDir, redact: true, signal: interrupt.signal });
    expect(report).toEqual({ reappeared: null, watch: null, recipients: null, reappearedPath: null, downstreamPath: null, reappearedRows: [] });
    expect(b.callCounts()).toEqual({});
    expect(existsSync(join(outDir, 'downstream.csv'))).toBe(false);
  });

  it('passes the run\'s interrupt on to the watch: interrupted between two pages, it reads no further and still writes downstream.csv', async () => {
    const { emulator: em, store: s, budget: b, gateway, runId, outDir } = await setUp();
    erasedInRun(s, runId, 'late@example.com', 'cus_late', 'DSR-L', new Date(Date.now() - 60_000).toISOString());
    for (let i = 0; i < 150; i++) await em.dispatch('POST', '/v1/customers', { email: `late${i}@example.com` });
    const interrupt = new AbortController();
    const interrupting: StripeGateway = {
      ...gateway,
      listCustomerEvents: async (params) => {
        const page = await gateway.listCustomerEvents(params);
        interrupt.abort();
        return page;
      },
    };
    const report = await afterErasure({ gateway: interrupting, store: s, logger: createSilentLogger(), runId, outDir, redact: true, signal: interrupt.signal });
    expect(report.watch).toMatchObject({ source: 'events', pages: 1, seen: 100 });
    expect(b.callCounts()).toEqual({ 'events.list': 1, 'webhook_endpoints.list': 1 });
    expect(report.downstreamPath).toBe(join(outDir, 'downstream.csv'));
    expect(s.watchCursor()).toBeUndefined();
  });

  it('when the watch cannot read Stripe: one warning, no count, downstream.csv still written, and the cursor left for the next run', async () => {
    const { emulator: em, store: s, gateway, runId, outDir } = await setUp();
    const key = erasedInRun(s, runId, 'down@example.com', 'cus_down', 'DSR-D', new Date(Date.now() - 60_000).toISOString());
    em.faults.use({ path: '/v1/events', status: 500 });
    const { logger, warnings } = warningsLogger();
    const report = await afterErasure({ gateway, store: s, logger, runId, outDir, redact: true });
    expect(report).toMatchObject({ reappeared: null, watch: null, recipients: [], reappearedPath: null, downstreamPath: join(outDir, 'downstream.csv'), reappearedRows: [] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^the reappearance watch could not read Stripe; the next run reads from the same cursor: .+/);
    expect(readFileSync(join(outDir, 'downstream.csv'), 'utf8')).toContain(`${key},DSR-D,cus_down,`);
    expect(existsSync(join(outDir, 'reappeared.csv'))).toBe(false);
    expect(s.watchCursor()).toBeUndefined();
  });

  it('when the key may read neither events nor customers: the watch says it was skipped, and no reappeared.csv is written', async () => {
    const { emulator: em, store: s, gateway, runId, outDir } = await setUp();
    erasedInRun(s, runId, 'skip@example.com', 'cus_skip', 'DSR-K', new Date(Date.now() - 60_000).toISOString());
    em.faults.use({ path: '/v1/events', status: 403 }, { path: '/v1/customers', status: 403 });
    const report = await afterErasure({ gateway, store: s, logger: createSilentLogger(), runId, outDir, redact: true });
    expect(report).toMatchObject({ reappeared: null, recipients: [], reappearedPath: null, downstreamPath: join(outDir, 'downstream.csv'), reappearedRows: [] });
    expect(report.watch).toMatchObject({ source: 'skipped', note: expect.stringMatching(/watch was skipped/) });
    expect(existsSync(join(outDir, 'reappeared.csv'))).toBe(false);
  });

  it('names no recipients with a warning that says why: the permission it lacks, or that Stripe could not be read', async () => {
    const { emulator: em, store: s, gateway, runId, outDir } = await setUp();
    em.faults.use({ path: '/v1/webhook_endpoints', status: 403, times: 1 });
    const denied = warningsLogger();
    expect((await afterErasure({ gateway, store: s, logger: denied.logger, runId, outDir, redact: false })).recipients).toBeNull();
    expect(denied.warnings).toEqual(['the recipients of webhook events are not named: the key may not read webhook endpoints (Webhook Endpoints: Read)']);

    em.faults.use({ path: '/v1/webhook_endpoints', status: 500 });
    const down = warningsLogger();
    expect((await afterErasure({ gateway, store: s, logger: down.logger, runId, outDir, redact: false })).recipients).toBeNull();
    expect(down.warnings).toHaveLength(1);
    expect(down.warnings[0]).toMatch(/^the webhook endpoints could not be read: .+/);
  });

  it('does not turn a defect into a warning: an error that is not Stripe\'s fails the call', async () => {
    const { store: s, gateway, runId, outDir } = await setUp();
    erasedInRun(s, runId, 'bug@example.com', 'cus_bug', 'DSR-B', new Date(Date.now() - 60_000).toISOString());
    const brokenRecipients: StripeGateway = { ...gateway, listWebhookEndpoints: () => Promise.reject(new TypeError('a defect')) };
    await expect(afterErasure({ gateway: brokenRecipients, store: s, logger: createSilentLogger(), runId, outDir, redact: true })).rejects.toThrow(TypeError);
    const brokenWatch: StripeGateway = { ...gateway, listCustomerEvents: () => Promise.reject(new TypeError('another defect')) };
    await expect(afterErasure({ gateway: brokenWatch, store: s, logger: createSilentLogger(), runId, outDir, redact: true })).rejects.toThrow('another defect');
  });
});
