/**
 * What `history` and `show` read from a state: every run that read an identifier (schema 3's
 * identifier_runs, carried over from seen_run when a version 2 state is opened), and a read-only
 * open that never creates, migrates or locks a state.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { acquireStateLock } from '../../src/state/state-lock.js';
import { openStateReadOnly, openStateStore } from '../../src/state/sqlite-state-store.js';
import { SCHEMA_VERSION } from '../../src/state/state-schema.js';

const statePath = () => join(mkdtempSync(join(tmpdir(), 'stripe-redact-history-')), 'state.db');

describe('identifier runs', () => {
  it('records every run that read an identifier, once per run, oldest first', () => {
    let tick = 0;
    const store = openStateStore({ path: ':memory:', clock: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)) });
    const key = store.emailKey('a@example.com');
    const first = store.startRun('redact', 'monday.csv');
    store.transaction(() => {
      store.noteIdentifier(key, 'email', first);
      store.noteIdentifier(key, 'email', first);
    });
    store.endRun(first, { inputSha256: 'aa', statuses: { needs_action: 2 } });
    const other = store.startRun('redact', 'other.csv');
    store.noteIdentifier(store.idKey('cus_x'), 'customer', other);
    const second = store.startRun('redact', 'tuesday.csv');
    store.noteIdentifier(key, 'email', second);

    const runs = store.identifierRuns(key);
    expect(runs.map((r) => [r.id, r.input])).toEqual([
      [first, 'monday.csv'],
      [second, 'tuesday.csv'],
    ]);
    expect(runs[0]?.summary).toEqual({ inputSha256: 'aa', statuses: { needs_action: 2 } });
    expect(runs[1]?.endedAt).toBeNull();
    expect(store.runs().map((r) => r.id)).toEqual([first, other, second]);
    store.close();
  });

  it('migrates a schema 2 state to the current version, carrying each identifier’s latest run over', () => {
    const path = statePath();
    const store = openStateStore({ path });
    const key = store.idKey('cus_old');
    const run = store.startRun('redact', 'old.csv');
    store.noteIdentifier(key, 'customer', run);
    store.close();
    const db = new Database(path);
    db.exec("DROP TABLE identifier_runs; UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    db.close();

    // Read-only, a version 2 state is read as it is: the latest run only.
    const readOnly = openStateReadOnly({ path });
    expect(readOnly.identifierRuns(key).map((r) => r.id)).toEqual([run]);
    readOnly.close();

    const reopened = openStateStore({ path });
    expect(reopened.identifierRuns(key).map((r) => r.id)).toEqual([run]);
    reopened.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({ value: SCHEMA_VERSION });
    check.close();
  });
});

describe('StateStore.openReadOnly', () => {
  it('creates no state where there is none', () => {
    const path = statePath();
    expect(() => openStateReadOnly({ path })).toThrow(expect.objectContaining({ code: 'STATE_MISSING' }));
    expect(existsSync(path)).toBe(false);
  });

  it('reads a state that a run holds locked and is writing, and writes nothing itself', () => {
    const path = statePath();
    const writer = openStateStore({ path });
    const release = acquireStateLock(path);
    const run = writer.startRun('redact', 'in.csv');
    writer.noteIdentifier(writer.emailKey('b@example.com'), 'email', run);

    const reader = openStateReadOnly({ path });
    expect(reader.runs().map((r) => r.id)).toEqual([run]);
    // The same stored hashing key: an email typed by a person finds its record.
    expect(reader.identifierRecord(reader.emailKey('b@example.com'))).toMatchObject({ type: 'email', latestRun: run });
    // A reader is handed no writing method at all.
    const writers = Object.keys(reader).filter((name) => /^(start|end|record|set|insert|note|bind|promote|clear|link|next)/.test(name));
    expect(writers).toEqual([]);

    // The writer goes on while the reader is open.
    const next = writer.startRun('redact', 'in2.csv');
    expect(reader.runs().map((r) => r.id)).toEqual([run, next]);
    reader.close();
    release();
    writer.close();
  });
});

describe('job events', () => {
  it('keeps why a job was abandoned as a reason, and reads a sentence an older state stored there as text', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stripe-redact-events-')), 'state.db');
    const store = openStateStore({ path });
    const key = store.idKey('cus_1');
    store.noteIdentifier(key, 'customer', 'run_a');
    store.recordResolution(key, [{ id: 'cus_1', type: 'customer' }]);
    const job = store.insertJob(['cus_1'], 'error', 'run_a');
    store.recordJobCreated(job, 'prj_1', 'validating');
    store.recordJobStatus(job, 'abandoned', { code: 'unknown_to_stripe' });
    const older = store.insertJob(['cus_1'], 'error', 'run_a');
    store.close();
    // What a version-4 run wrote for a refused create: a sentence.
    const db = new Database(path);
    db.prepare('INSERT INTO job_events (job_id, status, at, detail) VALUES (?, ?, ?, ?)').run(older.localId, 'abandoned', '2026-11-28T00:00:00.000Z', "create refused: No such customer: 'cus_1'");
    db.close();

    const reader = openStateReadOnly({ path });
    const [first, second] = reader.jobsOfIdentifier(key);
    expect(first?.events.map((e) => [e.status, e.reason])).toEqual([
      ['unsent', null],
      ['validating', null],
      ['abandoned', { code: 'unknown_to_stripe' }],
    ]);
    expect(second?.events.at(-1)?.reason).toEqual({ code: 'text', text: "create refused: No such customer: 'cus_1'" });
    reader.close();
  });
});
