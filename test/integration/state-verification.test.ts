/**
 * What the state keeps of Stripe's reads (schema version 5): what Stripe stated and when, written
 * only from an answer; objects awaiting proof per run; and a version-4 state, whose job-redacted
 * objects were never read, migrated to wait for that proof.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStateReadOnly, openStateStore } from '../../src/state/sqlite-state-store.js';
import { SCHEMA_VERSION } from '../../src/state/state-schema.js';

const statePath = () => join(mkdtempSync(join(tmpdir(), 'stripe-redact-verify-state-')), 'state.db');

function clockAt(...instants: string[]): () => Date {
  let i = 0;
  return () => new Date(instants[Math.min(i++, instants.length - 1)] as string);
}

describe('the state of Stripe\'s reads', () => {
  it('records what Stripe stated and when, and makes an object redacted only on a read that proves it', () => {
    const store = openStateStore({ path: ':memory:' });
    const run = store.startRun('redact', 'in.csv');
    const key = store.idKey('cus_v');
    store.noteIdentifier(key, 'customer', run);
    store.recordResolution(key, [{ id: 'cus_v', type: 'customer' }]);
    const job = store.insertJob(['cus_v'], 'error', run);
    store.setObjectStatus(['cus_v'], { status: 'redaction_pending', jobLocalId: job.localId });
    expect(store.objectsAwaitingProof(run)).toEqual([{ id: 'cus_v', type: 'customer' }]);

    store.recordReading('cus_v', { stated: 'validated', created: 1_700_000_000 });
    let object = store.identifierOutcome(key)?.objects[0];
    expect(object).toMatchObject({ status: 'redaction_pending', stripe: { stated: 'validated', created: 1_700_000_000, verifiedAt: null } });
    const readAt = object?.stripe?.readAt as string;
    expect(readAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    store.recordReading('cus_v', { stated: 'deleted', created: null }, { verified: true });
    object = store.identifierOutcome(key)?.objects[0];
    // The object's own created is kept from the read that showed it.
    expect(object).toMatchObject({ status: 'redacted', stripe: { stated: 'deleted', created: 1_700_000_000 } });
    expect(object?.stripe?.verifiedAt).toBe(object?.stripe?.readAt);
    expect(store.objectsAwaitingProof(run)).toEqual([]);
    store.close();
  });

  it('lists objects awaiting proof only for identifiers the run read', () => {
    const store = openStateStore({ path: ':memory:' });
    const first = store.startRun('redact', 'a.csv');
    for (const id of ['cus_a', 'cus_b']) {
      store.noteIdentifier(store.idKey(id), 'customer', first);
      store.recordResolution(store.idKey(id), [{ id, type: 'customer' }]);
    }
    store.setObjectStatus(['cus_a', 'cus_b'], { status: 'redaction_pending' });
    const second = store.startRun('redact', 'b.csv');
    store.noteIdentifier(store.idKey('cus_b'), 'customer', second);
    expect(store.objectsAwaitingProof(second)).toEqual([{ id: 'cus_b', type: 'customer' }]);
    // Awaiting proof is not a reason to look an identifier up again.
    const third = store.startRun('redact', 'b.csv');
    expect(store.noteIdentifier(store.idKey('cus_b'), 'customer', third)).toEqual({ first: true, needsLookup: false });
    store.close();
  });

  it('adds a deleted customer\'s objects to every identifier that resolved to it', () => {
    const store = openStateStore({ path: ':memory:' });
    const run = store.startRun('redact', 'in.csv');
    for (const key of [store.idKey('cus_del'), store.emailKey('del@example.com')]) {
      store.noteIdentifier(key, 'customer', run);
      store.recordResolution(key, [{ id: 'cus_del', type: 'customer' }]);
    }
    store.addRelatedObjects('cus_del', [{ id: 'pi_del', type: 'payment_intent' }]);
    for (const key of [store.idKey('cus_del'), store.emailKey('del@example.com')]) {
      expect(store.identifierOutcome(key)?.objects.map((o) => [o.id, o.status])).toEqual([
        ['cus_del', 'queued'],
        ['pi_del', 'queued'],
      ]);
    }
    store.close();
  });

  it('migrates a version-4 state: its job-redacted objects wait for Stripe\'s word, read by the next run', () => {
    const path = statePath();
    const store = openStateStore({ path, clock: clockAt('2026-11-01T00:00:00.000Z') });
    const run = store.startRun('redact', 'old.csv');
    const key = store.idKey('cus_old');
    store.noteIdentifier(key, 'customer', run);
    store.recordResolution(key, [{ id: 'cus_old', type: 'customer' }]);
    store.setObjectStatus(['cus_old'], { status: 'redacted' });
    store.close();
    const db = new Database(path);
    db.exec(`ALTER TABLE objects DROP COLUMN stripe_stated; ALTER TABLE objects DROP COLUMN stripe_raw; ALTER TABLE objects DROP COLUMN stripe_created;
             ALTER TABLE objects DROP COLUMN stripe_read_at; ALTER TABLE objects DROP COLUMN verified_at;
             UPDATE meta SET value = '4' WHERE key = 'schema_version'`);
    db.close();

    // Read-only, a version-4 state is read as it is: no read of Stripe on record.
    const reader = openStateReadOnly({ path });
    expect(reader.identifierOutcome(key)?.objects[0]).toMatchObject({ status: 'redacted', stripe: null });
    reader.close();

    const reopened = openStateStore({ path });
    expect(reopened.identifierOutcome(key)?.objects[0]).toMatchObject({ status: 'redaction_pending', stripe: null });
    const next = reopened.startRun('redact', 'old.csv');
    reopened.noteIdentifier(key, 'customer', next);
    expect(reopened.objectsAwaitingProof(next)).toEqual([{ id: 'cus_old', type: 'customer' }]);
    reopened.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({ value: SCHEMA_VERSION });
    check.close();
    expect(SCHEMA_VERSION).toBe('6'); // 4 → 5 (Stripe's reads) → 6 (the register and the ledger)
  });
});
