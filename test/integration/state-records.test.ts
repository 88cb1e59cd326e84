/**
 * The register and the ledger in the state: written by the store, read by a read-only open, and
 * added to a state of schema version 5 by the migration to 6 (a version-5 state read as it is has
 * neither: empty, never an error).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStateReadOnly, openStateStore } from '../../src/state/sqlite-state-store.js';
import { SCHEMA_VERSION } from '../../src/state/state-schema.js';
import type { RequestFacts } from '../../src/state/state-requests.js';

const statePath = () => join(mkdtempSync(join(tmpdir(), 'stripe-redact-records-')), 'state.db');
const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  ref: 'rid:R1', requestKey: 'k1', identifierKey: 'id:cus_1', requestId: 'R1', received: '2026-11-02', manner: 'web', dueBy: '2026-12-02',
  extendedOn: null, outcome: 'pending', basis: 'blocked by invalid_state', settledDay: null, jobIds: ['prj_1'], ...over,
});

describe('the register in the state', () => {
  it('keeps the first day a request settled, the runs until it settled, every job, and leaves an expired request as it was', () => {
    const path = statePath();
    const store = openStateStore({ path, clock: () => new Date('2026-12-06T10:00:00Z') });
    const run1 = store.startRun('redact', 'in.csv');
    store.recordRequests([facts()], run1);
    const run2 = store.startRun('redact', 'in.csv');
    store.recordRequests([facts({ outcome: 'erased', basis: null, settledDay: '2026-12-05', jobIds: ['prj_2'] })], run2);
    const run3 = store.startRun('redact', 'in.csv');
    store.recordRequests([facts({ outcome: 'erased', basis: null, settledDay: '2026-12-06', jobIds: ['prj_2'] })], run3);
    // run3 read it settled and only reported it: a cumulative export must not add every night to every line.
    expect(store.requestRecords()).toEqual([
      expect.objectContaining({ requestId: 'R1', firstSeen: '2026-12-06', settledOn: '2026-12-05', outcome: 'erased', runs: [run1, run2], jobs: ['prj_1', 'prj_2'], expiredAt: null }),
    ]);
    // What a later run learns of a settled request is still written (here: how it was made).
    const run4 = store.startRun('redact', 'in.csv');
    store.recordRequests([facts({ outcome: 'erased', basis: null, settledDay: '2026-12-06', jobIds: ['prj_2'], manner: 'web form' })], run4);
    expect(store.requestRecords()[0]).toMatchObject({ manner: 'web form', settledOn: '2026-12-05', runs: [run1, run2] });
    expect(store.expireSettledBefore('2026-12-05', { dryRun: true })).toEqual({ requests: 1, identifiers: 1, objects: 0 });
    expect(store.requestRecords()[0]?.expiredAt).toBeNull();
    expect(store.expireSettledBefore('2026-12-04')).toEqual({ requests: 0, identifiers: 0, objects: 0 });
    expect(store.expireSettledBefore('2026-12-05').requests).toBe(1);
    store.recordRequests([facts({ outcome: 'pending' })], run3);
    expect(store.requestRecords()[0]).toMatchObject({ outcome: 'erased', settledOn: '2026-12-05', expiredAt: '2026-12-06T10:00:00.000Z' });
    expect(store.requestRecordsOf('id:cus_1')).toEqual([]);
    store.close();
  });

  it('writes nothing for a line that would read the same: a settled request read again by a later night leaves the file as it was', () => {
    const path = statePath();
    const store = openStateStore({ path, clock: () => new Date('2026-12-06T10:00:00Z') });
    // Another connection sees the file's data_version change only when a commit wrote to it.
    const observer = new Database(path, { readonly: true });
    const version = () => observer.pragma('data_version', { simple: true }) as number;
    /** Records `line` in a new run; whether that wrote to the file (the run's own row aside). */
    const wrote = (line: RequestFacts): boolean => {
      const runId = store.startRun('redact', 'in.csv');
      const before = version();
      store.recordRequests([line], runId);
      return version() !== before;
    };
    const settled = facts({ outcome: 'erased', basis: null, settledDay: '2026-12-05' });
    expect(wrote(settled)).toBe(true);
    expect(wrote(settled)).toBe(false);
    expect(wrote({ ...settled, manner: 'email' })).toBe(true);
    expect(wrote({ ...settled, manner: 'email' })).toBe(false);
    expect(store.requestRecords()[0]).toMatchObject({ manner: 'email', settledOn: '2026-12-05' });
    observer.close();
    store.close();
  });

  it('migrates a version-5 state to 6, and reads one read-only as empty', () => {
    const path = statePath();
    const store = openStateStore({ path });
    store.startRun('redact', 'old.csv');
    store.close();
    const db = new Database(path);
    db.exec("DROP TABLE requests; DROP TABLE ledger; DROP TABLE run_ledger; UPDATE meta SET value = '5' WHERE key = 'schema_version'");
    db.close();

    const readOnly = openStateReadOnly({ path });
    expect(readOnly.requestRecords()).toEqual([]);
    expect(readOnly.ledgerEntries()).toEqual([]);
    expect(readOnly.ledgerRuns()).toHaveLength(1);
    readOnly.close();

    const reopened = openStateStore({ path });
    const run = reopened.startRun('redact', 'new.csv');
    reopened.recordRequests([facts()], run);
    expect(reopened.requestRecords()).toHaveLength(1);
    reopened.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({ value: SCHEMA_VERSION });
    check.close();
    expect(SCHEMA_VERSION).toBe('6');
  });
});
