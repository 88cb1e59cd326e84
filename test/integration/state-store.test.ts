import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StateStoreError } from '../../src/errors.js';
import { acquireStateLock } from '../../src/state/state-lock.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';

const statePath = () => join(mkdtempSync(join(tmpdir(), 'stripe-redact-state-')), 'state.db');

describe('StateStore', () => {
  it('hashes emails with a key kept in the state, so the same email maps to the same key across opens', () => {
    const path = statePath();
    const first = openStateStore({ path });
    const key = first.emailKey('a@example.com');
    first.close();
    const again = openStateStore({ path });
    expect(again.emailKey('a@example.com')).toBe(key);
    expect(key).toMatch(/^email:[0-9a-f]{64}$/);
    expect(key).not.toContain('example');
    expect(openStateStore({ path: ':memory:', hashKey: 'other' }).emailKey('a@example.com')).not.toBe(key);
    // The state holds the hashing key: only its owner may read it.
    expect(statSync(path).mode & 0o777).toBe(0o600);
    again.close();
  });

  it('plans an identifier once per run and again in a later run only while it is unsettled', () => {
    const store = openStateStore({ path: ':memory:' });
    const key = store.idKey('cus_1');
    expect(store.noteIdentifier(key, 'customer', 'run_a')).toEqual({ first: true, needsLookup: true });
    expect(store.noteIdentifier(key, 'customer', 'run_a')).toEqual({ first: false, needsLookup: false });
    store.recordResolution(key, [{ id: 'cus_1', type: 'customer' }]);
    expect(store.noteIdentifier(key, 'customer', 'run_b')).toEqual({ first: true, needsLookup: true });
    store.setObjectStatus(['cus_1'], { status: 'redacted' });
    expect(store.noteIdentifier(key, 'customer', 'run_c')).toEqual({ first: true, needsLookup: false });
  });

  it('lists runs started in the same instant in the order they started, in history and in the ledger', () => {
    // Run ids end in a random tail, so ordering ties by id shuffled runs of one millisecond.
    const at = new Date('2026-12-07T00:10:35.000Z');
    const store = openStateStore({ path: ':memory:', clock: () => at });
    const started = Array.from({ length: 12 }, () => store.startRun('redact', 'night.csv'));
    expect(store.runs().map((r) => r.id)).toEqual(started);
    expect(store.ledgerRuns().map((r) => r.id)).toEqual(started);
    store.close();
  });

  it('records a run among an identifier\'s runs while it may act on it, and reads a settled one again without a write', () => {
    const path = statePath();
    const store = openStateStore({ path });
    const [redacted, pending, absent] = [store.idKey('cus_done'), store.idKey('cus_pending'), store.emailKey('nobody@example.com')];
    const first = store.startRun('redact', 'night.csv');
    for (const key of [redacted, pending]) store.noteIdentifier(key, 'customer', first, { row: 1 });
    store.noteIdentifier(absent, 'email', first, { row: 3 });
    store.recordResolution(redacted, [{ id: 'cus_done', type: 'customer' }]);
    store.recordResolution(pending, [{ id: 'cus_pending', type: 'customer' }]);
    store.recordResolution(absent, [], [], { absenceConfirmed: true, guestsChecked: true });
    store.setObjectStatus(['cus_done'], { status: 'redacted' });
    store.setObjectStatus(['cus_pending'], { status: 'redaction_pending' });
    store.endRun(first, {});
    const second = store.startRun('redact', 'night.csv');
    store.transaction(() => {
      expect(store.noteIdentifier(redacted, 'customer', second, { row: 2 })).toEqual({ first: true, needsLookup: false });
      expect(store.noteIdentifier(absent, 'email', second, { row: 4 })).toEqual({ first: true, needsLookup: false });
      // A repeat in the same run is a duplicate of the first row that named it.
      expect(store.noteIdentifier(redacted, 'customer', second, { row: 7 })).toEqual({ first: false, needsLookup: false });
    });
    expect(store.firstRowOf(redacted, second)).toBe(2);
    expect(store.firstRowOf(absent, second)).toBe(4);
    // Awaiting Stripe's proof: the run reads its object again, so it is among the runs that acted on it.
    store.noteIdentifier(pending, 'customer', second, { row: 5 });
    expect(store.identifierRuns(redacted).map((r) => r.id)).toEqual([first]);
    expect(store.identifierRuns(absent).map((r) => r.id)).toEqual([first]);
    expect(store.identifierRuns(pending).map((r) => r.id)).toEqual([first, second]);
    // Its erasure is still one the run's input named: downstream.csv lists it every night it is asked for.
    store.noteErasure(redacted, { requestId: null, suppressionDigest: null, settledAt: '2026-12-01T00:00:00.000Z' });
    expect([...store.erasuresOfRun(second)].map((e) => ({ key: e.key, objectIds: e.objectIds }))).toEqual([{ key: redacted, objectIds: ['cus_done'] }]);
    store.close();
  });

  it('passes by, in a later process, what an earlier run found settled for good — as wide as that lookup was', () => {
    const path = statePath();
    const store = openStateStore({ path });
    const [redacted, absentCustomers, absentAll, open] = [store.idKey('cus_done'), store.emailKey('a@example.com'), store.emailKey('b@example.com'), store.idKey('cus_open')];
    const first = store.startRun('redact', 'night.csv');
    for (const key of [redacted, absentCustomers, absentAll, open]) store.noteIdentifier(key, key.startsWith('id:') ? 'customer' : 'email', first);
    store.recordResolution(redacted, [{ id: 'cus_done', type: 'customer' }]);
    store.setObjectStatus(['cus_done'], { status: 'redacted' });
    store.recordResolution(absentCustomers, [], [], { absenceConfirmed: true });
    store.recordResolution(absentAll, [], [], { absenceConfirmed: true, guestsChecked: true });
    store.recordResolution(open, [{ id: 'cus_open', type: 'customer' }]);
    // The second run finds them settled (the third and the open one not), and notes so.
    const second = store.startRun('redact', 'night.csv');
    expect([redacted, absentCustomers, absentAll, open].map((key) => store.noteIdentifier(key, 'email', second, { guests: false }).needsLookup)).toEqual([false, false, false, true]);
    store.close();

    // A later process: the settled ones cost no read of the state. Emptying the tables they would be
    // read from shows it (read, the redacted one would look unresolved and need a lookup).
    const db = new Database(path);
    db.exec('DELETE FROM resolutions; DELETE FROM objects');
    db.close();
    const later = openStateStore({ path });
    const third = later.startRun('redact', 'night.csv');
    later.transaction(() => {
      expect(later.noteIdentifier(redacted, 'customer', third, { guests: false, row: 4 })).toEqual({ first: true, needsLookup: false });
      expect(later.noteIdentifier(redacted, 'customer', third, { guests: false, row: 9 })).toEqual({ first: false, needsLookup: false });
      expect(later.noteIdentifier(absentCustomers, 'email', third, { guests: false, row: 5 })).toEqual({ first: true, needsLookup: false });
    });
    expect(later.firstRowOf(redacted, third)).toBe(4);
    expect(later.foundSettledWhenNoted(redacted, third)).toBe(true);
    expect(later.foundSettledWhenNoted(open, third)).toBe(false);
    // Passed by, it is still one of the run's requests: its erasure is listed for the run's downstream.csv.
    later.noteErasure(redacted, { requestId: null, suppressionDigest: null, settledAt: '2026-12-01T00:00:00.000Z' });
    later.noteErasure(absentAll, { requestId: null, suppressionDigest: null, settledAt: '2026-12-01T00:00:00.000Z' });
    expect([...later.erasuresOfRun(third)].map((e) => e.key)).toEqual([redacted]);
    expect(later.identifierRuns(redacted).map((r) => r.id)).toEqual([first]);
    // A run that looks for guests passes by only what a lookup with guests settled; the other is read again.
    const fourth = later.startRun('redact', 'night.csv');
    expect(later.noteIdentifier(absentAll, 'email', fourth)).toEqual({ first: true, needsLookup: false });
    expect(later.noteIdentifier(absentCustomers, 'email', fourth)).toEqual({ first: true, needsLookup: true });
    // A lookup that answers again is what settles it now: what was noted settled is forgotten.
    later.recordResolution(absentCustomers, [], []);
    later.close();
    const last = openStateStore({ path });
    expect(last.noteIdentifier(absentCustomers, 'email', last.startRun('redact', 'night.csv'), { guests: false })).toEqual({ first: true, needsLookup: true });
    last.close();
  });

  it('takes an absence as settled only when it covered what this run looks for: no customer, and with guests no guest session', () => {
    const path = statePath();
    const store = openStateStore({ path });
    const key = store.emailKey('nobody@example.com');
    store.noteIdentifier(key, 'email', 'run_a');
    // What a --no-guests run, or a version before guest lookups, records: no customer, confirmed.
    store.recordResolution(key, [], [], { absenceConfirmed: true });
    expect(store.noteIdentifier(key, 'email', 'run_b', { guests: false })).toEqual({ first: true, needsLookup: false });
    expect(store.noteIdentifier(key, 'email', 'run_c')).toEqual({ first: true, needsLookup: true });
    store.recordResolution(key, [], [], { absenceConfirmed: true, guestsChecked: true });
    expect(store.noteIdentifier(key, 'email', 'run_d')).toEqual({ first: true, needsLookup: false });
    expect(store.noteIdentifier(key, 'email', 'run_e', { guests: false })).toEqual({ first: true, needsLookup: false });
    // An unconfirmed miss (customer search) is asked again either way.
    store.recordResolution(key, [], [], { guestsChecked: true });
    expect(store.noteIdentifier(key, 'email', 'run_f', { guests: false })).toEqual({ first: true, needsLookup: true });
    store.close();
    // A state file of the version before guests holds 1 for "no customer": the same as the first case.
    const db = new Database(path);
    // (That version kept no settled keys either.)
    db.exec('UPDATE identifiers SET absence_confirmed = 1; DELETE FROM settled_keys');
    db.close();
    const reopened = openStateStore({ path });
    expect(reopened.noteIdentifier(key, 'email', 'run_g')).toEqual({ first: true, needsLookup: true });
    reopened.close();
  });

  it('keeps what the lookup that found an identifier said when a later lookup finds nothing', () => {
    const store = openStateStore({ path: ':memory:' });
    const key = store.emailKey('a@example.com');
    store.noteIdentifier(key, 'email', 'run_a');
    store.recordResolution(key, [{ id: 'cus_1', type: 'customer' }, { id: 'cus_2', type: 'customer' }], [{ code: 'several_customers', count: 2 }]);
    // Its customers redacted, a later run's lookup misses them: neither their reasons nor they go.
    store.recordResolution(key, [], [{ code: 'no_customer', lookup: 'list' }], { absenceConfirmed: true });
    const outcome = store.identifierOutcome(key);
    expect(outcome?.reasons).toEqual([{ code: 'several_customers', count: 2 }]);
    expect(outcome?.objects.map((o) => o.id)).toEqual(['cus_1', 'cus_2']);
    expect(store.noteIdentifier(key, 'email', 'run_b')).toEqual({ first: true, needsLookup: true });
    store.close();
  });

  it('survives a restart between writing a job and sending it: the job comes back unsent with the same create key', () => {
    const path = statePath();
    const store = openStateStore({ path });
    const key = store.idKey('cus_1');
    store.noteIdentifier(key, 'customer', 'run_a');
    store.recordResolution(key, [{ id: 'cus_1', type: 'customer' }]);
    const job = store.insertJob(['cus_1'], 'error', 'run_a');
    const createKey = store.createKey(job);
    expect(store.objectsNeedingJobOf(key)).toEqual([]);
    store.close();

    const reopened = openStateStore({ path });
    const [resumed] = reopened.liveJobs();
    expect(resumed).toMatchObject({ localId: job.localId, stripeId: null, status: 'unsent', objectIds: ['cus_1'] });
    expect(reopened.createKey(resumed!)).toBe(createKey);
    // Action keys are never reused, even across restarts.
    const a = reopened.nextActionKey(resumed!, 'validate');
    const b = reopened.nextActionKey(resumed!, 'validate');
    expect(a).not.toBe(b);
    reopened.recordJobCreated(resumed!, 'prj_1', 'validating', 1);
    reopened.recordJobStatus(resumed!, 'canceled');
    // Its job is over without settling the object: it needs a new job.
    expect(reopened.objectsNeedingJobOf(key)).toEqual(['cus_1']);
    expect(reopened.identifierOutcome(key)?.objects[0]?.jobIds).toEqual(['prj_1']);
    reopened.close();
  });

  it('refuses a state file of another schema version, naming the file', () => {
    const path = statePath();
    openStateStore({ path }).close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    expect(() => openStateStore({ path })).toThrow(StateStoreError);
    expect(() => openStateStore({ path })).toThrow(/schema version 99/);
  });

  it('lets one holder at a time lock a state, answering at once, and lets the next one in after release', () => {
    const path = statePath();
    const release = acquireStateLock(path);
    expect(() => acquireStateLock(path)).toThrow(expect.objectContaining({ code: 'STATE_LOCKED', message: `another stripe-redact run is using the state ${path}; wait for it to finish` }));
    release();
    // The lock file stays; it holds no lock once released.
    expect(existsSync(`${path}.lock`)).toBe(true);
    const again = acquireStateLock(path);
    again();
  });

  it("takes over an earlier version's pid lock file left by a killed run", () => {
    const path = statePath();
    writeFileSync(`${path}.lock`, '999999999');
    const release = acquireStateLock(path);
    expect(() => acquireStateLock(path)).toThrow(expect.objectContaining({ code: 'STATE_LOCKED' }));
    release();
    expect(readFileSync(`${path}.lock`, 'utf8')).not.toContain('999999999');
  });
});
