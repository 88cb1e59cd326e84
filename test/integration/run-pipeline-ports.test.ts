/**
 * What the in-process pipeline does through the ports a workspace does not pass: the log it writes,
 * an interrupt while a job is out, and the run it records in the state under the input's name.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger, type Logger } from '../../src/io/logger.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { openGateway } from '../../src/cli/run-resources.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { DEFAULT_RETRY_POLICY } from '../../src/pipeline/retry.js';
import { runPipeline, type RunOptions, type RunProgress, type RunSummary } from '../../src/pipeline/run-pipeline.js';
import { INTERRUPTED_MESSAGE } from '../../src/pipeline/write-report.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const clean = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => ({ id: `cus_${prefix}${i}`, email: `${prefix}${i}@example.com` }));

interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps every entry. */
function keepingLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const keep = (level: LogEntry['level']) => (msg: string, fields?: Record<string, unknown>) => void entries.push({ level, msg, ...(fields ? { fields } : {}) });
  return { logger: { ...createSilentLogger(), debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') }, entries };
}

interface Ports {
  logger?: Logger;
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Watches or steers what the pipeline asks Stripe. */
  wrap?: (gateway: StripeGateway) => StripeGateway;
}

/** Runs the pipeline over `csv` in `dir` (state and report there, shared by runs of one dir), with the given ports. */
async function runIn(dir: string, e: TestEmulator, csv: string, options: Partial<RunOptions> = {}, ports: Ports = {}): Promise<{ summary: RunSummary; rows: Record<string, string>[] }> {
  const inputPath = join(dir, 'requests.csv');
  writeFileSync(inputPath, csv);
  const store = openStateStore({ path: join(dir, 'state.db') });
  const budget = new RateBudget({ maxRps: 200, maxSearchRps: 100 });
  const base = openGateway({ apiKey: 'sk_test_pipeline', apiBase: e.url, budget, retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 20, maxDelayMs: 100 } });
  const gateway = ports.wrap ? ports.wrap(base) : base;
  try {
    const summary = await runPipeline(
      { inputPath, outDir: dir, mode: 'redact', validationBehavior: 'error', lookup: 'auto', jobConcurrency: 20, pollIntervalMs: 10, livemode: false, ...options },
      {
        gateway,
        budget,
        store,
        logger: ports.logger ?? createSilentLogger(),
        ...(ports.signal ? { signal: ports.signal } : {}),
        ...(ports.onProgress ? { onProgress: ports.onProgress } : {}),
      },
    );
    return { summary, rows: parse(readFileSync(join(dir, 'results.csv')), { columns: true }) as Record<string, string>[] };
  } finally {
    budget.close();
    store.close();
  }
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'stripe-redact-ports-'));

describe('runPipeline, the log', () => {
  it('logs the start with the rows, the identifier column and how it was chosen, and the encoding', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(2) } });
    const { logger, entries } = keepingLogger();
    const { summary } = await runIn(tempDir(), emulator, 'name,email\nAnn,c0@example.com\nBob,c1@example.com\n', {}, { logger });
    const started = entries.find((e) => e.msg === 'run started');
    expect(started).toEqual({ level: 'info', msg: 'run started', fields: { run: summary.runId, mode: 'redact', rows: 2, column: 'email', encoding: 'utf-8', encodingFrom: expect.any(String) } });
    const column = entries.find((e) => e.msg.startsWith('identifier column '));
    expect(column?.msg).toBe(`identifier column "email" (${summary.column.chosenBy}): ${summary.column.reason}`);
    expect(column?.fields).toEqual({ column: 'email', chosenBy: summary.column.chosenBy });
    expect(entries.filter((e) => e.level === 'warn')).toEqual([]);
    expect(entries.at(-1)).toMatchObject({ msg: 'run finished', fields: { run: summary.runId, rows: 2 } });
  });

  it('warns, naming the column to pass, when no received-date column was found but a column looks like dates', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(1) } });
    const { logger, entries } = keepingLogger();
    await runIn(tempDir(), emulator, 'email,opened\nc0@example.com,2026-11-01\n', {}, { logger });
    expect(entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual([
      'no received-date column was found, so deadlines are off for this file (no due_by, no overdue count); column "opened" looks like dates: name it with --received-column "opened"',
    ]);
  });

  it('names a date-like column of a file without a header by its number', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(1) } });
    const { logger, entries } = keepingLogger();
    await runIn(tempDir(), emulator, 'c0@example.com,2026-11-01\n', {}, { logger });
    const warnings = entries.filter((e) => e.level === 'warn').map((e) => e.msg);
    expect(warnings).toHaveLength(1);
    // (The warning reads "column column 2" here: describeColumn already says "column"; left as it is, the CLI's words.)
    expect(warnings[0]).toMatch(/^no received-date column was found, so deadlines are off for this file .* looks like dates: name it with --received-column "2"$/);
  });

  it('does not warn when the received-date column was named', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(1) } });
    const { logger, entries } = keepingLogger();
    await runIn(tempDir(), emulator, 'email,opened\nc0@example.com,2026-11-01\n', { receivedColumn: 'opened' }, { logger });
    expect(entries.filter((e) => e.level === 'warn')).toEqual([]);
  });
});

describe('runPipeline, the state', () => {
  it('records the run under the name the caller gives the input', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(1) } });
    const dir = tempDir();
    const { summary } = await runIn(dir, emulator, 'email\nc0@example.com\n', { inputName: 'standard input' });
    expect(summary.input).toBe('standard input');
    const store = openStateStore({ path: join(dir, 'state.db') });
    try {
      expect(store.runs().map((r) => [r.id, r.input])).toEqual([[summary.runId, 'standard input']]);
    } finally {
      store.close();
    }
  });
});

describe('runPipeline, an interrupt while a job is out', () => {
  it('stops waiting at once, warns, leaves the job live for the next run and reports its rows pending, saying so', async () => {
    // Stripe takes long to validate: without the interrupt the run would wait for it.
    emulator = await startTestEmulator({ validationMs: 60_000, redactionMs: 5, seed: { customers: clean(2) } });
    const dir = tempDir();
    const controller = new AbortController();
    const { logger, entries } = keepingLogger();
    const wrap = (gateway: StripeGateway): StripeGateway =>
      Object.assign(Object.create(gateway) as StripeGateway, {
        // Interrupted once the job is created and Stripe is validating it.
        createJob: async (...args: Parameters<StripeGateway['createJob']>) => {
          const job = await gateway.createJob(...args);
          controller.abort();
          return job;
        },
      });
    const { summary, rows } = await runIn(dir, emulator, 'email\nc0@example.com\nc1@example.com\n', {}, { logger, signal: controller.signal, wrap });
    expect(summary.interrupted).toBe(true);
    expect(rows.map((r) => [r.status, r.messages?.split('\n').at(-1)])).toEqual([
      ['pending', INTERRUPTED_MESSAGE],
      ['pending', INTERRUPTED_MESSAGE],
    ]);
    expect(entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual(['interrupted: stopping; unfinished rows are reported pending and the next run continues them']);
    // Nothing was verified or watched after the interrupt: no object of the run is redacted.
    expect(summary.reappeared).toBeNull();
    const store = openStateStore({ path: join(dir, 'state.db') });
    try {
      expect(store.liveJobs().map((j) => j.stripeId)).toEqual([rows[0]?.job_id]);
    } finally {
      store.close();
    }
    // The next run, not interrupted, takes the job up again rather than making another.
    const next = await runIn(dir, emulator, 'email\nc0@example.com\nc1@example.com\n', { jobTimeoutMs: 50 });
    expect(next.summary.apiCalls.byOperation['redaction_jobs.create']).toBeUndefined();
    expect(next.rows.map((r) => r.job_id)).toEqual([rows[0]?.job_id, rows[0]?.job_id]);
  });
});

/** 500 rows of one customer's email, then `more` rows of another's: the first chunk of rows is noted (and batched) before the second is read. */
const twoChunks = (more: number) => ['email', ...Array<string>(500).fill('c0@example.com'), ...Array<string>(more).fill('c1@example.com'), ''].join('\n');

describe('runPipeline, interrupted before reading', () => {
  it('takes up and follows no job an earlier run left', async () => {
    emulator = await startTestEmulator({ validationMs: 400, redactionMs: 5, seed: { customers: clean(1) } });
    const dir = tempDir();
    const first = await runIn(dir, emulator, 'email\nc0@example.com\n', { jobTimeoutMs: 50 });
    expect(first.rows[0]?.status).toBe('pending');
    const controller = new AbortController();
    // Interrupted while the input is checked, before the run reads a row.
    const { summary } = await runIn(dir, emulator, 'email\nc0@example.com\n', {}, { signal: controller.signal, onProgress: (p) => p.phase === 'check' && controller.abort() });
    expect(summary.interrupted).toBe(true);
    expect(summary.jobs.driven).toBe(0);
    expect(summary.otherInputs).toEqual({ jobs: 0, byStatus: {} });
    expect(summary.apiCalls.total).toBe(0);
  });
});

describe('runPipeline, reading and looking up at once', () => {
  it('looks up a full batch of identifiers while the rest of the file is still being read', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(2) } });
    const seen: RunProgress[] = [];
    const { summary } = await runIn(tempDir(), emulator, twoChunks(100), { lookupBatchSize: 1 }, { onProgress: (p) => seen.push({ ...p }) });
    expect(summary.statuses.redacted).toBe(600);
    // The first 500 rows hold one identifier: a batch of one, looked up before row 501 is read.
    expect(seen.find((p) => p.phase === 'read' && p.lookupsDone === 1)).toMatchObject({ rows: 500, totalRows: 600 });
  });

  it('reads no further once interrupted: what comes after is neither noted nor looked up', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(2) } });
    const controller = new AbortController();
    const seen: RunProgress[] = [];
    const { summary, rows } = await runIn(tempDir(), emulator, twoChunks(500), { lookupBatchSize: 1 }, {
      signal: controller.signal,
      // Interrupted as the first batch is queued for its look-up, at row 500.
      onProgress: (p) => {
        seen.push({ ...p });
        if (p.phase === 'read') controller.abort();
      },
    });
    expect(summary.interrupted).toBe(true);
    expect(summary.apiCalls.byOperation['customers.search'] ?? 0).toBeLessThanOrEqual(1);
    expect(summary.apiCalls.byOperation['redaction_jobs.create']).toBeUndefined();
    expect(Math.max(...seen.filter((p) => p.phase !== 'check').map((p) => p.rows))).toBe(500);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['pending']));
  });
});

