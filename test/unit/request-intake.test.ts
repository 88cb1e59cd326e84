/**
 * The requests as they come in, without a run: a real state in memory, a look-up that resolves each
 * id to itself, and jobs submitted into a list.
 */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import type { RequestRow } from '../../src/input/request-reader.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { createSilentLogger } from '../../src/io/logger.js';
import { CustomerLookup } from '../../src/pipeline/customer-lookup.js';
import type { PendingLookup } from '../../src/pipeline/resolve-identifiers.js';
import { RequestIntake } from '../../src/pipeline/request-intake.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';

const row = (n: number, identifier: string, notARequest?: RequestRow['notARequest']): RequestRow => ({ row: n, line: n + 1, fields: [identifier], identifier, ...(notARequest ? { notARequest } : {}) });

function intake(mode: 'redact' | 'plan' = 'redact', batchSize = 3, withProgress = true) {
  const store = openStateStore({ path: ':memory:' });
  const runId = store.startRun(mode, 'requests.csv');
  const batches: string[][] = [];
  const submitted: string[][] = [];
  const lookups: { queued?: number; done?: number }[] = [];
  let rooms = 0;
  const lookup = {
    async resolve(batch: readonly PendingLookup[], onLookedUp?: (count: number) => void) {
      batches.push(batch.map((p) => p.key));
      for (const p of batch) {
        if (p.classified.kind === 'object') store.recordResolution(p.key, [{ id: p.classified.id, type: p.classified.type }]);
      }
      onLookedUp?.(batch.length);
    },
  };
  const taker = new RequestIntake({
    store,
    runId,
    mode,
    guests: true,
    lookup,
    batchSize,
    submit: (ids) => submitted.push(ids),
    waitForRoom: async () => {
      rooms += 1;
    },
    ...(withProgress ? { onLookups: (change: { queued?: number; done?: number }) => lookups.push(change) } : {}),
  });
  return { store, runId, taker, batches, submitted, lookups, rooms: () => rooms };
}

describe('RequestIntake', () => {
  it('batches identifiers needing a look-up, resolves a full batch, packs its objects into jobs of ten, and waits for room', async () => {
    const { store, taker, batches, submitted, lookups, rooms } = intake('redact', 12);
    const ids = Array.from({ length: 12 }, (_, i) => `cus_${String(i).padStart(3, '0')}`);
    for (const [i, id] of ids.entries()) await taker.take(row(i + 1, id));
    // Rows are noted a chunk at a time: none noted yet, so nothing batched.
    expect(batches).toEqual([]);
    taker.noteRows();
    expect(taker.hasPending).toBe(true);
    await taker.resolveBatch();
    expect(batches).toEqual([ids.map((id) => store.idKey(id))]);
    expect(submitted).toEqual([ids.slice(0, 10)]);
    expect(lookups).toEqual([{ queued: 12 }, { done: 12 }]);
    expect(rooms()).toBe(1);
    expect(taker.hasPending).toBe(false);
    taker.packRest();
    expect(submitted).toEqual([ids.slice(0, 10), ids.slice(10)]);
    taker.packRest();
    expect(submitted).toHaveLength(2);
  });

  it('notes every 500th row at once, and resolves during reading once a batch is full', async () => {
    const { taker, batches } = intake('redact', 500, false);
    for (let i = 1; i <= 499; i += 1) await taker.take(row(i, `cus_${i}`));
    expect([taker.hasPending, batches]).toEqual([false, []]);
    await taker.take(row(500, 'cus_500'));
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(500);
    await taker.take(row(501, 'cus_501'));
    expect([taker.hasPending, batches.length]).toEqual([false, 1]);
    taker.noteRows();
    taker.noteRows();
    expect(taker.hasPending).toBe(true);
    await taker.resolveBatch();
    expect(batches.at(-1)).toHaveLength(1);
  });

  it('keeps invalid cells by digest, skips blank cells, footers and identifiers already seen', async () => {
    const { store, runId, taker, batches } = intake('redact', 100);
    await taker.take(row(1, 'not an id'));
    await taker.take(row(6, 'Jane Doe Jane.Doe@Example.com'));
    await taker.take(row(2, '   '));
    await taker.take(row(3, 'Total: 3', 'footer'));
    await taker.take(row(4, 'cus_a'));
    await taker.take(row(5, 'cus_a'));
    taker.noteRows();
    await taker.resolveBatch();
    expect(batches).toEqual([[store.idKey('cus_a')]]);
    expect(store.invalidReads([store.cellKey('not an id')])).toEqual([expect.objectContaining({ runId, via: 'cell', firstRow: 1, rows: 1 })]);
    expect(store.invalidReads([store.cellKey('   '), store.cellKey('Total: 3')])).toEqual([]);
    // An unusable cell holding an address: `show` can be asked about the address too.
    expect(store.invalidReads([store.emailKey('jane.doe@example.com')])).toEqual([expect.objectContaining({ via: 'address_in_cell', firstRow: 6 })]);
  });

  it('packs nothing in a plan run', async () => {
    const { taker, submitted, rooms } = intake('plan', 100);
    await taker.take(row(1, 'cus_a'));
    taker.noteRows();
    await taker.resolveBatch();
    taker.packRest();
    expect(submitted).toEqual([]);
    expect(rooms()).toBe(0);
  });
});

describe('CustomerLookup', () => {
  it('owns its search fallback: once the account refuses search, later batches go to the list filter without asking again', async () => {
    const store = openStateStore({ path: ':memory:' });
    const runId = store.startRun('redact', 'requests.csv');
    const asked: string[] = [];
    const gateway = {
      async searchCustomersByEmail(emails: string[]) {
        asked.push(`search ${emails.join(',')}`);
        throw new GatewayError('search is not available', { kind: 'invalid_request', retryable: false, status: 400 });
      },
      async listCustomersByEmail(email: string) {
        asked.push(`list ${email}`);
        return [];
      },
      async listCheckoutSessionsByEmail() {
        return [];
      },
    } as unknown as StripeGateway;
    const lookup = new CustomerLookup({ gateway, store, logger: createSilentLogger(), lookup: 'auto', guests: false, mode: 'redact' });
    const pending = (email: string): PendingLookup => {
      const key = store.emailKey(email);
      store.noteIdentifier(key, 'email', runId);
      return { key, classified: { kind: 'email', type: 'email', raw: email, email } } as PendingLookup;
    };
    expect(lookup.searchUsable).toBe(true);
    const counted: number[] = [];
    await lookup.resolve([pending('a@example.com')], (n) => counted.push(n));
    expect(lookup.searchUsable).toBe(false);
    await lookup.resolve([pending('b@example.com')]);
    expect(asked).toEqual(['search a@example.com', 'list a@example.com', 'list b@example.com']);
    expect(counted).toEqual([1]);
  });
});
