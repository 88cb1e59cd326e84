/**
 * A state of schema version 3, written by an earlier version that stored reasons as sentences
 * (test/fixtures/state-v3/README.md): migrated on open to reasons of code `text`, it gives the very
 * report its own run wrote — but for what result CSV v3 changed: a row redacted by a job alone now
 * waits for Stripe's word (`redaction_pending`, saying so), and `verified_at` is added last;
 * opened read-only (`show`), it is read as it is, with the same words.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { readRequestStory } from '../../src/cli/request-story.js';
import { DEFAULT_DEADLINE } from '../../src/domain/deadline.js';
import { rollToWorkingDay } from '../../src/domain/due-date.js';
import { classifyIdentifier } from '../../src/domain/identifier.js';
import { inspectRequestFile } from '../../src/input/request-reader.js';
import { openStateReadOnly, openStateStore } from '../../src/state/sqlite-state-store.js';
import { SCHEMA_VERSION } from '../../src/state/state-schema.js';
import { writeReport } from '../../src/pipeline/write-report.js';
import { OLD_UNTRIED_ADVICE, withoutAdvice } from '../helpers/advice-wording.js';

const FIXTURE = new URL('../fixtures/state-v3/', import.meta.url).pathname;
const oldReport = readFileSync(join(FIXTURE, 'results.csv'), 'utf8');
const oldRows = parse(oldReport, { columns: true }) as Record<string, string>[];

/** A scratch copy of the fixture's state: opening it migrates it. */
function copyOfOldState(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'stripe-redact-v3-')), 'state.db');
  copyFileSync(join(FIXTURE, 'state.db'), path);
  return path;
}

const schemaVersionOf = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value;
  } finally {
    db.close();
  }
};

describe('a version-3 state written with sentences', () => {
  it('is migrated to reasons and gives the report its own run wrote, with redacted rows awaiting Stripe\'s word and today\'s advice on blockers', async () => {
    const path = copyOfOldState();
    expect(schemaVersionOf(path)).toBe('3');
    const store = openStateStore({ path });
    const outDir = mkdtempSync(join(tmpdir(), 'stripe-redact-v3-out-'));
    try {
      const info = await inspectRequestFile(join(FIXTURE, 'requests.csv'), {});
      await writeReport(info, { outDir, mode: 'redact', runId: oldRows[0]?.run_id as string, livemode: false, deadline: DEFAULT_DEADLINE }, store);
      // And but for the law's counting rules (domain/due-date.ts): a due date on a weekend now rolls
      // to the Monday, and the row says so in a message of its own.
      const roll = (date: string) => (date === '' ? '' : rollToWorkingDay(date, new Set()).date);
      const written = parse(readFileSync(join(outDir, 'results.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
      expect(written.some((r, i) => r.due_by !== oldRows[i]?.due_by)).toBe(true);
      const rows = written.map((r) => ({ ...r, messages: (r.messages ?? '').split('\n').filter((m) => !m.startsWith('due date moved')).join('\n') }));
      // Version 3 of the same report: every v2 column as it was, but a job's success is no proof.
      const awaiting = (id: string) => `${id}: its job succeeded; Stripe has not been read yet to show it redacted; the next run reads it again`;
      const expected = oldRows.map((old) => {
        if (old.status === 'redacted') {
          return { ...old, status: 'redaction_pending', messages: [old.messages, awaiting(old.object_ids as string)].filter(Boolean).join('\n'), verified_at: '' };
        }
        if (old.request_id === 'DSR-2026-0004') {
          // Of its two customers, the one the job redacted waits for Stripe's word; the other needs action, as before.
          const [several, work] = (old.messages as string).split('\n');
          return { ...old, messages: [several, awaiting('cus_sample_kat_home'), work].join('\n'), verified_at: '' };
        }
        return { ...old, verified_at: '' };
      }).map((old) => ({ ...old, due_by: roll((old as Record<string, string>).due_by ?? '') }));
      // The advice on blockers is worded at report time, today from the advice table
      // (helpers/advice-wording.ts): left out of both, and counted where the old one offered fix.
      const adviceless = (list: Record<string, string>[]) => list.map((row) => ({ ...row, messages: withoutAdvice(row.messages ?? '') }));
      expect(adviceless(rows)).toEqual(adviceless(expected));
      expect(rows.filter((row) => row.messages?.includes('operator: run again with --mode validate --validation-behavior fix')).length).toBe(
        oldRows.filter((row) => row.messages?.includes(OLD_UNTRIED_ADVICE)).length,
      );
      // Sentences are stored as `text` reasons from now on; a run would add coded ones beside them.
      expect(store.identifierOutcome(store.emailKey('katherine.johnson@example.com'))?.reasons).toEqual([
        { code: 'text', text: "2 customers carry this email; all of them are that person's data" },
      ]);
      expect(store.identifierOutcome(store.idKey('cus_sample_gone'))?.objects[0]?.reasons).toEqual([
        { code: 'text', text: 'Stripe already holds it redacted or deleted' },
      ]);
    } finally {
      store.close();
    }
    expect(schemaVersionOf(path)).toBe(SCHEMA_VERSION);
    // The migration rewrote the columns themselves: no bare sentence is left for a reader to guess at.
    const db = new Database(path, { readonly: true });
    const items = (table: string) =>
      db.prepare(`SELECT m.type AS type, m.value AS value FROM ${table}, json_each(${table}.messages) AS m ORDER BY ${table}.rowid, m.key`).all() as { type: string; value: string }[];
    expect(items('identifiers').map((item) => [item.type, JSON.parse(item.value)])).toEqual([
      ['object', { code: 'text', text: "2 customers carry this email; all of them are that person's data" }],
      ['object', { code: 'text', text: 'no Stripe customer has this email (search, confirmed by the list filter)' }],
      ['object', { code: 'text', text: 'no guest Checkout Session has it either' }],
    ]);
    expect(items('objects').every((item) => item.type === 'object' && (JSON.parse(item.value) as { code: string }).code === 'text')).toBe(true);
    expect(items('objects')).toHaveLength(2);
    db.close();
  });

  it('is read as it is by show, unmigrated, in the same words as its report', () => {
    const path = copyOfOldState();
    const reader = openStateReadOnly({ path });
    try {
      for (const row of oldRows) {
        const classified = classifyIdentifier(row.email as string);
        if (classified.kind === 'invalid') throw new Error(`the fixture's row ${row.row} holds no identifier`);
        const story = readRequestStory(reader, path, row.email as string, classified);
        expect(withoutAdvice(story.outcome?.messages.join('\n') ?? ''), `row ${row.row}`).toBe(withoutAdvice(row.messages ?? ''));
      }
      const gone = classifyIdentifier('cus_sample_gone');
      if (gone.kind !== 'object') throw new Error('cus_sample_gone is a customer id');
      expect(readRequestStory(reader, path, 'cus_sample_gone', gone).objects[0]?.messages).toEqual(['Stripe already holds it redacted or deleted']);
    } finally {
      reader.close();
    }
    expect(schemaVersionOf(path)).toBe('3');
  });
});
