/**
 * Issue 18 through the real SDK against the emulator: the watch's cost over 10,000 new customers,
 * its fall-back past Stripe's 30 days of events and without the events permission, and the
 * recipients a run names from the account's webhook endpoints.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger, type Logger } from '../../src/io/logger.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { openGateway } from '../../src/cli/run-resources.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { DEFAULT_RETRY_POLICY } from '../../src/pipeline/retry.js';
import { reportReappearances, watchReappearances } from '../../src/pipeline/watch-reappearances.js';
import type { RequestLogEntry } from '../../src/emulator/index.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace } from '../helpers/pipeline.js';
import { buildCertificate } from '../../src/cli/certificate.js';
import { classifyIdentifier, type Classified } from '../../src/domain/identifier.js';

let emulator: TestEmulator | undefined;
let store: StateStore | undefined;
afterEach(async () => {
  store?.close();
  store = undefined;
  await emulator?.close();
  emulator = undefined;
});

const DAY = 86_400;

function warningsLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return { logger: { ...createSilentLogger(), warn: (message: string) => warnings.push(message) }, warnings };
}

function gatewayFor(e: TestEmulator) {
  const budget = new RateBudget({ maxRps: 1000, maxSearchRps: 100 });
  const gateway = openGateway({ apiKey: 'sk_test_watch', apiBase: e.url, budget, retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 5, maxDelayMs: 20 } });
  return { gateway, budget };
}

/** A request already erased in the state, settled `daysAgo` days before now. */
function erased(s: StateStore, email: string, requestId: string, settledAt: Date): string {
  const key = s.emailKey(email);
  s.noteErasure(key, { requestId, suppressionDigest: null, settledAt: settledAt.toISOString() });
  return key;
}

describe('the reappearance watch', () => {
  it('over 10,000 new customers reads ⌈10,000/100⌉ event pages plus at most one, and no call per customer', async () => {
    const requests: RequestLogEntry[] = [];
    emulator = await startTestEmulator({ rateLimit: 10_000, logger: (entry) => requests.push(entry) });
    store = openStateStore({ path: ':memory:' });
    const key = erased(store, 'back.9999@example.com', 'DSR-9999', new Date(Date.now() - 60_000));
    for (let i = 0; i < 10_000; i += 1) await emulator.dispatch('POST', '/v1/customers', { email: `back.${i}@example.com` });
    const { gateway, budget } = gatewayFor(emulator);
    try {
      const outcome = await watchReappearances({ gateway, store, logger: createSilentLogger(), runId: null });
      const eventPages = requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/events')).length;
      expect(eventPages).toBeGreaterThanOrEqual(100);
      expect(eventPages).toBeLessThanOrEqual(101);
      expect(requests).toHaveLength(eventPages); // nothing else: no call per customer
      expect(budget.callCounts()).toEqual({ 'events.list': eventPages });
      expect(outcome).toMatchObject({ source: 'events', pages: eventPages, seen: 10_000 });
      expect(outcome.reappeared).toEqual([expect.objectContaining({ requestKey: key, requestId: 'DSR-9999' })]);
    } finally {
      budget.close();
    }
  }, 120_000);

  it('lists a reappearance until a reappeared.csv listed it: a watch stopped before its file loses nothing, a listed one never comes back', async () => {
    emulator = await startTestEmulator();
    store = openStateStore({ path: ':memory:' });
    const key = erased(store, 'twice@example.com', 'DSR-2', new Date(Date.now() - 60_000));
    const customer = (await emulator.dispatch('POST', '/v1/customers', { email: 'twice@example.com' })) as { id: string };
    const { gateway, budget } = gatewayFor(emulator);
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const out = mkdtempSync(`${tmpdir()}/stripe-redact-watch-`);
    try {
      // Found, then the process dies before writing its file.
      expect((await watchReappearances({ gateway, store, logger: createSilentLogger(), runId: null })).reappeared).toEqual([expect.objectContaining({ customerId: customer.id, requestKey: key })]);
      const next = await watchReappearances({ gateway, store, logger: createSilentLogger(), runId: null });
      expect(next.reappeared).toEqual([expect.objectContaining({ customerId: customer.id, requestId: 'DSR-2' })]);
      await reportReappearances(store, out, next.reappeared);
      expect(readFileSync(`${out}/reappeared.csv`, 'utf8')).toContain(customer.id);
      expect((await watchReappearances({ gateway, store, logger: createSilentLogger(), runId: null })).reappeared).toEqual([]);
    } finally {
      budget.close();
    }
  });

  it('a customer written before the request was settled is the erased data itself, not a reappearance', async () => {
    emulator = await startTestEmulator({ seed: { customers: [{ email: 'before@example.com' }] } });
    store = openStateStore({ path: ':memory:' });
    erased(store, 'before@example.com', 'DSR-1', new Date(Date.now() + 60_000));
    const { gateway, budget } = gatewayFor(emulator);
    try {
      expect((await watchReappearances({ gateway, store, logger: createSilentLogger(), runId: null })).reappeared).toEqual([]);
    } finally {
      budget.close();
    }
  });

  it('past the 30 days of events Stripe keeps, lists the customers created since the cursor instead, and says so', async () => {
    emulator = await startTestEmulator();
    store = openStateStore({ path: ':memory:' });
    const now = Math.floor(Date.now() / 1000);
    store.setWatchCursor(now - 40 * DAY);
    erased(store, 'gone@example.com', 'DSR-40', new Date((now - 41 * DAY) * 1000));
    // Created 35 days ago: its event is gone, the customer is not.
    const old = (await emulator.dispatch('POST', '/v1/customers', { email: 'GONE@example.com', created: now - 35 * DAY })) as { id: string };
    const { logger, warnings } = warningsLogger();
    const { gateway, budget } = gatewayFor(emulator);
    try {
      const outcome = await watchReappearances({ gateway, store, logger, runId: null });
      expect(outcome.source).toBe('customers');
      expect(outcome.reappeared).toEqual([expect.objectContaining({ customerId: old.id, requestId: 'DSR-40' })]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/older than the 30 days of events Stripe keeps: listed the customers created since/);
      expect(budget.callCounts()).toEqual({ 'customers.list_created': 1 });
      // The cursor moved on: the next watch reads events again.
      expect(store.watchCursor()).toBeGreaterThan(now - DAY);
      expect((await watchReappearances({ gateway, store, logger, runId: null })).source).toBe('events');
    } finally {
      budget.close();
    }
  });

  it('without the events permission falls back to the customer list with one warning; without either it is skipped, never thrown', async () => {
    emulator = await startTestEmulator();
    store = openStateStore({ path: ':memory:' });
    erased(store, 'perm@example.com', 'DSR-P', new Date(Date.now() - 60_000));
    await emulator.dispatch('POST', '/v1/customers', { email: 'perm@example.com' });
    emulator.faults.use({ path: '/v1/events', status: 403 });
    const { gateway, budget } = gatewayFor(emulator);
    try {
      const first = warningsLogger();
      const fell = await watchReappearances({ gateway, store, logger: first.logger, runId: null });
      expect(fell.source).toBe('customers');
      expect(fell.reappeared).toHaveLength(1);
      expect(first.warnings).toEqual([expect.stringContaining('may not read events (Events: Read)')]);

      emulator.faults.use({ path: '/v1/customers', status: 403 });
      const second = warningsLogger();
      const skipped = await watchReappearances({ gateway, store, logger: second.logger, runId: null });
      expect(skipped.source).toBe('skipped');
      expect(second.warnings).toHaveLength(2);
      expect(second.warnings[1]).toMatch(/watch was skipped/);
    } finally {
      budget.close();
    }
  });
});

describe('recipients of personal data', () => {
  it('names the endpoints for customer.updated and for invoice.paid, not one for payout.paid only', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      settleMs: 0,
      seed: {
        customers: [{ id: 'cus_recipient', email: 'recipient@example.com' }],
        webhook_endpoints: [
          { id: 'we_crm', url: 'https://crm.example.com/stripe?token=secret', enabled_events: ['customer.updated'] },
          { id: 'we_books', url: 'https://books.example.net/hook', enabled_events: ['invoice.paid', 'payout.paid'] },
          { id: 'we_treasury', url: 'https://treasury.example.org/hook', enabled_events: ['payout.paid'] },
        ],
      },
    });
    const ws = pipelineWorkspace(emulator);
    const { summary } = await ws.run('email\nrecipient@example.com\n');
    // Stripe's list order: newest first.
    expect(summary.recipients).toEqual([
      { id: 'we_books', host: 'books.example.net', status: 'enabled', eventTypes: ['invoice.paid'] },
      { id: 'we_crm', host: 'crm.example.com', status: 'enabled', eventTypes: ['customer.updated'] },
    ]);
    expect(summary.apiCalls.byOperation['webhook_endpoints.list']).toBe(1);
    const { readFileSync } = await import('node:fs');
    const html = readFileSync(`${ws.dir}/report.html`, 'utf8');
    expect(html).toContain("<h2>Who else received these people's data</h2>");
    expect(html).toContain('books.example.net');
    expect(html).not.toContain('treasury.example.org');
    expect(html).not.toContain('token=secret');
    const downstream = readFileSync(`${ws.dir}/downstream.csv`, 'utf8').trim().split('\n');
    expect(downstream[0]).toBe('request_key,request_id,object_ids,settled_on');
    expect(downstream[1]).toMatch(/^email:[0-9a-f]{64},,cus_recipient,\d{4}-\d{2}-\d{2}$/);

    // The certificate of the person names them too, with the run that read them (issue 18).
    const store = openStateStore({ path: ws.statePath });
    try {
      const certificate = buildCertificate(store, ws.statePath, 'recipient@example.com', classifyIdentifier('recipient@example.com') as Exclude<Classified, { kind: 'invalid' }>);
      expect(certificate?.recipients).toEqual({ runId: summary.runId, endpoints: summary.recipients });
    } finally {
      store.close();
    }
  });

  it('a key that may not read webhook endpoints leaves recipients unknown (null) and the run whole', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, settleMs: 0, seed: { customers: [{ email: 'noperm@example.com' }] } });
    emulator.faults.use({ path: '/v1/webhook_endpoints', status: 403 });
    const { summary, rows } = await pipelineWorkspace(emulator).run('email\nnoperm@example.com\n');
    expect(rows.map((r) => r.status)).toEqual(['redacted']);
    expect(summary.recipients).toBeNull();
    expect(summary.reappeared).toBe(0);
  });
});
