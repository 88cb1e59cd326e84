/**
 * The run's report as its options shape it (run-report.ts): date order, holidays, extensions,
 * `--excel`, a new state's not_found rows, the account report.html names, and what the summary
 * says of the deadline and the columns.
 */
import { readFileSync } from 'node:fs';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace } from '../helpers/pipeline.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const seed = { customers: [{ id: 'cus_c0', email: 'c0@example.com' }] };

describe('runPipeline report, shaped by the options', () => {
  it('reads NN/NN/YYYY received dates in the order given, and refuses them as ambiguous without one', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed });
    const csv = 'email,opened\nnot-an-email,02/11/2026\n';
    const ws = pipelineWorkspace(emulator);
    const dmy = await ws.run(csv, { column: 'email', receivedColumn: 'opened', dateOrder: 'dmy' });
    expect(dmy.rows[0]?.due_by).toBe('2026-12-02');
    const mdy = await ws.run(csv, { column: 'email', receivedColumn: 'opened', dateOrder: 'mdy' });
    expect(mdy.rows[0]?.due_by).toBe('2026-03-11');
    const neither = await ws.run(csv, { column: 'email', receivedColumn: 'opened' });
    expect(neither.rows[0]?.due_by).toBe('');
    expect(neither.rows[0]?.messages).toMatch(/due_by is unknown/);
  });

  it('rolls a due date off a holiday, and moves it by the extension a row notified', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed });
    // Received Monday 2026-11-02: due Wednesday 2026-12-02 under the default month.
    const csv = 'ref,email,opened,extended\nR1,bad-one,2026-11-02,\nR2,bad-two,2026-11-02,2026-11-20\nR3,bad-three,2026-11-02,soon\n';
    const ws = pipelineWorkspace(emulator);
    const plain = await ws.run(csv, { column: 'email', receivedColumn: 'opened' });
    expect(plain.rows.map((r) => r.due_by)).toEqual(['2026-12-02', '2026-12-02', '2026-12-02']);
    const { rows, summary } = await ws.run(csv, {
      column: 'email',
      receivedColumn: 'opened',
      requestIdColumn: 'ref',
      holidays: new Set(['2026-12-02']),
      recordColumns: { extensionColumn: 'extended' },
      extension: { amount: 10, unit: 'd' },
    });
    // The holiday moves R1 to Thursday; R2's extension of 10 days from its due date lands on Saturday the 12th, rolled to Monday.
    expect(rows.map((r) => r.due_by)).toEqual(['2026-12-03', '2026-12-14', '2026-12-03']);
    // An extension date that does not read is said so, and no extension applied.
    expect(rows[2]?.messages?.split('\n')).toContainEqual(expect.stringMatching(/^extension date: .*: no extension applied$/));
    expect(rows[0]?.messages ?? '').not.toMatch(/extension date/);
    expect(summary.deadline).toBe('1m');
    expect(summary.requestIdColumn).toBe(0);
    expect(plain.summary.requestIdColumn).toBeNull();
  });

  it('with --excel writes results.csv with a byte order mark, the input delimiter and CRLF', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed });
    const ws = pipelineWorkspace(emulator);
    const { summary } = await ws.run('email;note\nc0@example.com;x\n', { excel: true });
    const bytes = readFileSync(summary.resultsPath);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = bytes.toString('utf8', 3);
    expect(text.startsWith('email;note;')).toBe(true);
    expect(text.split('\r\n')).toHaveLength(3);
    const plain = await ws.run('email;note\nc0@example.com;x\n');
    expect(readFileSync(plain.summary.resultsPath, 'utf8').startsWith('email;note')).toBe(false);
  });

  it("says on a new state's not_found rows that the state holds no history of them, and the summary says the state is new", async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed });
    const ws = pipelineWorkspace(emulator);
    const fresh = await ws.run('id\ncus_nobody\n', { stateIsNew: true });
    expect(fresh.summary.stateIsNew).toBe(true);
    expect(fresh.rows[0]?.status).toBe('not_found');
    expect(fresh.rows[0]?.messages).toMatch(/this state is new: it holds no history of this request/);
    const later = await ws.run('id\ncus_nobody\n');
    expect(later.summary.stateIsNew).toBe(false);
    expect(later.rows[0]?.messages).not.toMatch(/this state is new/);
  });

  it('names the account in report.html, and "unknown" when the caller does not know it', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed });
    const ws = pipelineWorkspace(emulator);
    const named = await ws.run('email\nc0@example.com\n', { account: 'acct_1TestNamed' });
    expect(readFileSync(named.summary.reportPath, 'utf8')).toContain('<dt>Account</dt><dd>acct_1TestNamed</dd>');
    const unnamed = await ws.run('email\nc0@example.com\n');
    expect(readFileSync(unnamed.summary.reportPath, 'utf8')).toContain('<dt>Account</dt><dd>unknown</dd>');
  });

  it("counts in the summary the identifier column's unusable rows and the rows that are no request", async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed });
    const { summary } = await pipelineWorkspace(emulator).run('id;email\nR1;c0@example.com\nR2;bad\nR3;c0@example.com\n;\nTotal records: 3;\n', { column: 'email' });
    expect(summary.column).toMatchObject({ name: 'email', unusableRows: 1, skippedRows: 2 });
    expect(summary.statuses).toMatchObject({ redacted: 2, invalid: 1, skipped: 2 });
  });

  it("hands every row to report.html and to the state's register, and ends the run in the state with its summary", async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed });
    const ws = pipelineWorkspace(emulator);
    const { summary } = await ws.run('ref,email\nR1,c0@example.com\nR2,nobody@example.com\nR3,bad\n', { column: 'email', requestIdColumn: 'ref' });
    const html = readFileSync(summary.reportPath, 'utf8');
    for (const [status, n] of [['redacted', 1], ['not_found', 1], ['invalid', 1]] as const) {
      expect(html).toMatch(new RegExp(`<tr data-status="${status}"><td>[^<]*<span class="code">${status}</span></td><td class="n">${n}</td></tr>`));
    }
    const store = openStateStore({ path: ws.statePath });
    try {
      expect(store.requestRecords().map((r) => [r.requestId, r.outcome, r.runs]).sort()).toEqual([
        ['R1', 'erased', [summary.runId]],
        ['R2', 'no_data', [summary.runId]],
        ['R3', 'not_erased', [summary.runId]],
      ]);
      const [run] = store.runs();
      expect(run).toMatchObject({ id: summary.runId, endedAt: expect.any(String), summary: { runId: summary.runId, rows: 3, endedAt: summary.endedAt, resultsSha256: summary.resultsSha256 } });
    } finally {
      store.close();
    }
  });

  it('watches for reappearances after a redact run only: a plan run reads no erasure back', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed });
    const ws = pipelineWorkspace(emulator);
    const plan = await ws.run('email\nc0@example.com\n', { mode: 'plan' });
    expect(plan.summary).toMatchObject({ reappeared: null, reappearedPath: null, downstreamPath: null });
    const redact = await ws.run('email\nc0@example.com\n');
    expect(redact.summary.reappeared).toBe(0);
    expect(redact.summary.downstreamPath).toBe(`${ws.dir}/downstream.csv`);
  });
});

