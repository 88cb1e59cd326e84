/**
 * How the in-process pipeline finds what an email stands for (resolve-identifiers.ts): guest
 * Checkout Sessions, several customers on one address, the case-sensitive list filter, search
 * refused for the account, and the progress it reports per identifier looked up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyIdentifier } from '../../src/domain/identifier.js';
import { createSilentLogger, type Logger } from '../../src/io/logger.js';
import type { StateStore } from '../../src/state/state-store.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { resolveIdentifiers, type PendingLookup, type ResolveContext } from '../../src/pipeline/resolve-identifiers.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace } from '../helpers/pipeline.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const guest = (id: string, email: string) => ({ id, status: 'complete', payment_status: 'paid', customer_details: { email, name: 'Guest' } });

describe('runPipeline lookups, guest checkouts', () => {
  it('redacts the guest sessions of an email no customer carries, and says how many were found', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: {
        customers: [{ id: 'cus_member', email: 'member@example.com' }],
        checkout_sessions: [
          guest('cs_test_once', 'once@example.com'),
          guest('cs_test_twice_a', 'twice@example.com'),
          guest('cs_test_twice_b', 'twice@example.com'),
          // The sessions' filter is case-sensitive: found by the address as written, trimmed.
          guest('cs_test_mixed', 'Walk.In@Example.com'),
        ],
      },
    });
    const { rows, summary } = await pipelineWorkspace(emulator).run('email\nonce@example.com\ntwice@example.com\nmember@example.com\nnobody@example.com\n" Walk.In@Example.com "\n');
    expect(rows.map((r) => [r.status, r.object_ids])).toEqual([
      ['redacted', 'cs_test_once'],
      ['redacted', 'cs_test_twice_a cs_test_twice_b'],
      ['redacted', 'cus_member'],
      ['not_found', ''],
      ['redacted', 'cs_test_mixed'],
    ]);
    expect(rows[0]?.messages).toBe('found as guest Checkout Session of this email (no customer carries it)');
    expect(rows[1]?.messages).toBe('found as guest Checkout Sessions of this email (no customer carries it)');
    expect(rows[2]?.messages).toBe('');
    expect(rows[3]?.messages?.split('\n')).toEqual(['no Stripe customer has this email (search, confirmed by the list filter)', 'no guest Checkout Session has it either']);
    // Sessions are asked for only where no customer was found: once, twice, nobody (one spelling
    // each), and the mixed-case address as written and lower-cased.
    expect(summary.apiCalls.byOperation['checkout.sessions.list']).toBe(5);
  });

  it('without guests leaves such an email not_found and never lists sessions', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { checkout_sessions: [guest('cs_test_later', 'later@example.com')] } });
    const ws = pipelineWorkspace(emulator);
    const off = await ws.run('email\nlater@example.com\n', { guests: false });
    expect(off.rows.map((r) => [r.status, r.object_ids, r.messages])).toEqual([['not_found', '', 'no Stripe customer has this email (search, confirmed by the list filter)']]);
    expect(off.summary.apiCalls.byOperation['checkout.sessions.list']).toBeUndefined();
    // That run confirmed "no customer" only: a run with guests looks again.
    const on = await ws.run('email\nlater@example.com\n');
    expect(on.rows.map((r) => [r.status, r.object_ids])).toEqual([['redacted', 'cs_test_later']]);
  });

  it('looks for guests only once the list filter confirmed the miss, never after a search miss alone', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { checkout_sessions: [guest('cs_test_s', 'searched@example.com')] } });
    const { rows, summary } = await pipelineWorkspace(emulator).run('email\nsearched@example.com\n', { lookup: 'search', mode: 'plan' });
    expect(rows.map((r) => [r.status, r.object_ids])).toEqual([['not_found', '']]);
    expect(summary.apiCalls.byOperation['checkout.sessions.list']).toBeUndefined();
  });
});

describe('runPipeline lookups, customers', () => {
  it("takes every customer carrying an email as that person's, and says how many", async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [{ id: 'cus_a1', email: 'a@example.com' }, { id: 'cus_a2', email: 'a@example.com' }, { id: 'cus_b', email: 'b@example.com' }] },
    });
    const { rows } = await pipelineWorkspace(emulator).run('email\na@example.com\nb@example.com\n');
    expect(rows.map((r) => [r.status, r.object_ids, r.messages])).toEqual([
      ['redacted', 'cus_a1 cus_a2', "2 customers carry this email; all of them are that person's data"],
      ['redacted', 'cus_b', ''],
    ]);
  });

  it('with the case-sensitive list filter, finds an address stored as written and one stored lower-cased', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [{ id: 'cus_mixed', email: 'Mixed.Case@Example.com' }, { id: 'cus_lower', email: 'shouty@example.com' }] },
    });
    const { rows, summary } = await pipelineWorkspace(emulator).run('email\n Mixed.Case@Example.com \nSHOUTY@EXAMPLE.COM\n', { lookup: 'list', mode: 'plan' });
    expect(rows.map((r) => [r.status, r.object_ids, r.messages])).toEqual([
      ['planned', 'cus_mixed', ''],
      ['planned', 'cus_lower', ''],
    ]);
    // Each address as written (trimmed) and lower-cased: two list calls each.
    expect(summary.apiCalls.byOperation['customers.list']).toBe(4);
    expect(summary.apiCalls.byOperation['customers.search']).toBeUndefined();
  });

  it('falls back to the list filter when search is refused for the account (403, 404), and says which lookup found nothing', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [{ id: 'cus_x', email: 'x@example.com' }] } });
    // Forbidden for the key, or an endpoint the account does not have.
    for (const fault of [{ status: 403 }, { status: 404, code: 'resource_missing' }]) {
      emulator.faults.use({ method: 'GET', path: '/v1/customers/search', ...fault, times: 1 });
      const { rows, summary } = await pipelineWorkspace(emulator).run('email\nx@example.com\nnone@example.com\n', { mode: 'plan', guests: false });
      expect(rows.map((r) => [r.status, r.object_ids, r.messages])).toEqual([
        ['planned', 'cus_x', ''],
        ['not_found', '', 'no Stripe customer has this email (exact list filter)'],
      ]);
      expect(summary.apiCalls.byOperation['customers.search']).toBe(1);
    }
  });

  it('in search mode, stops the run when search is refused rather than using the list filter', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [{ id: 'cus_x', email: 'x@example.com' }] } });
    emulator.faults.use({ method: 'GET', path: '/v1/customers/search', status: 400, code: 'feature_not_available' });
    await expect(pipelineWorkspace(emulator).run('email\nx@example.com\n', { lookup: 'search', mode: 'plan' })).rejects.toMatchObject({ kind: 'invalid_request' });
  });

  it('asks search again on the next run after a miss by search alone, guests or not', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5 });
    const ws = pipelineWorkspace(emulator);
    await ws.run('email\nnobody@example.com\n', { lookup: 'search', guests: false });
    const again = await ws.run('email\nnobody@example.com\n', { lookup: 'search', guests: false });
    expect(again.rows[0]?.status).toBe('not_found');
    expect(again.summary.apiCalls.byOperation['customers.search']).toBe(1);
  });

  it('stops the run when search fails for a passing reason the retries did not cure', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5 });
    emulator.faults.use({ method: 'GET', path: '/v1/customers/search', status: 500 });
    await expect(pipelineWorkspace(emulator).run('email\nx@example.com\n', { mode: 'plan' })).rejects.toMatchObject({ kind: 'api' });
  });
});

describe('resolveIdentifiers', () => {
  /** A logger that keeps the warnings. */
  function warningsLogger(): { logger: Logger; warnings: string[] } {
    const warnings: string[] = [];
    return { logger: { ...createSilentLogger(), warn: (msg, fields) => void warnings.push(`${msg} ${JSON.stringify(fields)}`) }, warnings };
  }

  function pending(store: StateStore, identifiers: string[]): PendingLookup[] {
    return identifiers.map((identifier) => {
      const classified = classifyIdentifier(identifier);
      if (classified.kind === 'invalid') throw new Error(`test input ${identifier} is invalid`);
      return { key: store.keyOf(classified), classified };
    });
  }

  it('tells progress one count per identifier looked up, by search, list filter or id', async () => {
    emulator = await startTestEmulator({ seed: { customers: [{ id: 'cus_p0', email: 'p0@example.com' }, { id: 'cus_p1', email: 'p1@example.com' }] } });
    const store = openStateStore({ path: join(mkdtempSync(join(tmpdir(), 'stripe-redact-resolve-')), 'state.db') });
    try {
      const counts: number[] = [];
      // Twelve emails are two search queries, each with misses that the list filter confirms.
      const misses = Array.from({ length: 10 }, (_, i) => `missing${i}@example.com`);
      const batch = pending(store, ['p0@example.com', 'p1@example.com', ...misses, 'cus_p0', 'pi_123']);
      const ctx: ResolveContext = {
        gateway: recordingGateway(emulator).gateway,
        store,
        logger: createSilentLogger(),
        lookup: 'auto',
        guests: false,
        mode: 'redact',
        searchUsable: { value: true },
        onLookedUp: (count) => void counts.push(count),
      };
      await resolveIdentifiers(batch, ctx);
      // Each id once; each search query for the emails it found (2 of the first ten, none of the
      // other two); then each miss once the list filter confirmed it.
      expect(counts.reduce((a, b) => a + b, 0)).toBe(14);
      expect([...counts].sort((a, b) => a - b)).toEqual([...Array(12).fill(1), 0, 2].sort((a, b) => a - b));
    } finally {
      store.close();
    }
  });

  it('warns once that search is unavailable, and uses the list filter for the rest of the run', async () => {
    emulator = await startTestEmulator({ seed: { customers: [{ id: 'cus_r0', email: 'r0@example.com' }] } });
    emulator.faults.use({ method: 'GET', path: '/v1/customers/search', status: 400, code: 'feature_not_available' });
    const store = openStateStore({ path: join(mkdtempSync(join(tmpdir(), 'stripe-redact-resolve-')), 'state.db') });
    try {
      const { logger, warnings } = warningsLogger();
      const { gateway, sent } = recordingGateway(emulator);
      const searchUsable = { value: true };
      const ctx: ResolveContext = { gateway, store, logger, lookup: 'auto', guests: false, mode: 'plan', searchUsable };
      // Eleven emails are two search queries, both refused: one warning.
      const emails = Array.from({ length: 11 }, (_, i) => `r${i}@example.com`);
      await resolveIdentifiers(pending(store, emails), ctx);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^customer search is unavailable; using the list filter for the rest of the run \{"error":".+"\}$/);
      expect(searchUsable.value).toBe(false);
      expect(sent.filter((op) => op === 'customers.search')).toHaveLength(2);

      sent.length = 0;
      // No progress listener here: nothing asks for one.
      await resolveIdentifiers(pending(store, ['later@example.com', 'cus_r0']), ctx);
      expect(sent.filter((op) => op.startsWith('customers.'))).toEqual(['customers.list']);
      expect(warnings).toHaveLength(1);
    } finally {
      store.close();
    }
  });
});
