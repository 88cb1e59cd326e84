/**
 * The run's report on its own (run-report.ts), without the jobs: a real state store, the real
 * gateway against the emulator for what follows an erasure, and a RunReport begun and finished as
 * run-pipeline.ts does. How it writes the register, what report.html says of the run, and that a
 * failing run's report is waited for.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBudget, openGateway, ResourceStack } from '../../src/cli/run-resources.js';
import { createSilentLogger } from '../../src/io/logger.js';
import { checkInput } from '../../src/pipeline/check-input.js';
import { DEFAULT_RETRY_POLICY } from '../../src/pipeline/retry.js';
import { RunReport } from '../../src/pipeline/run-report.js';
import type { RunOptions, RunSummary } from '../../src/pipeline/run-pipeline.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { RequestFacts } from '../../src/state/state-requests.js';
import type { StateStore } from '../../src/state/state-store.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const NO_JOBS = { jobsDriven: 0, otherInputs: { jobs: 0, byStatus: {} }, verification: { objects: 0, reads: 0, verified: 0 } };

interface Begun {
  report: RunReport;
  store: StateStore;
  /** The register's chunks, as the report handed them to the state. */
  chunks: RequestFacts[][];
  /** Ends the report as a run does once its jobs are over, then closes what it opened. */
  finish(): Promise<{ summary: RunSummary; html: string }>;
  close(): Promise<void>;
}

/**
 * Begins a RunReport over `csv` as run-pipeline.ts does, with `prepare` run on the state first
 * (e.g. an erasure an earlier run noted).
 */
async function beginReport(
  csv: string,
  options: Partial<RunOptions> & { ready?: (row: number, key: string | undefined) => Promise<void> | undefined; prepare?: (store: StateStore) => void } = {},
): Promise<Begun> {
  emulator ??= await startTestEmulator({ validationMs: 5, redactionMs: 5 });
  dir = mkdtempSync(join(tmpdir(), 'run-report-'));
  const inputPath = join(dir, 'requests.csv');
  writeFileSync(inputPath, csv);
  const { ready, prepare, ...overrides } = options;
  const runOptions: RunOptions = {
    inputPath,
    outDir: dir,
    mode: 'redact',
    validationBehavior: 'error',
    lookup: 'auto',
    jobConcurrency: 1,
    pollIntervalMs: 10,
    livemode: false,
    ...overrides,
  };
  const resources = new ResourceStack();
  const inner = resources.use(openStateStore({ path: join(dir, 'state.db') }), (s) => s.close());
  prepare?.(inner);
  const chunks: RequestFacts[][] = [];
  const store: StateStore = Object.create(inner, {
    recordRequests: { value: (requests: RequestFacts[], runId: string) => (chunks.push([...requests]), inner.recordRequests(requests, runId)) },
  }) as StateStore;
  const budget = openBudget(resources, { maxRps: 200, maxSearchRps: 100 });
  const gateway = openGateway({ apiKey: 'sk_test_run_report', apiBase: emulator.url, budget, retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 5, maxDelayMs: 20 } });
  const checked = await checkInput(runOptions);
  const runId = store.startRun(runOptions.mode, inputPath);
  const report = new RunReport(runOptions, { store, logger: createSilentLogger(), budget, gateway }, { checked, runId, startedAt: store.now(), interrupted: () => false }, ready);
  return {
    report,
    store,
    chunks,
    async finish() {
      const summary = await report.finish(NO_JOBS);
      return { summary, html: readFileSync(summary.reportPath, 'utf8') };
    },
    close: () => resources.close(),
  };
}

describe('RunReport', () => {
  it("writes the register's lines 500 rows to a transaction, and every row's", async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `cus_${String(i).padStart(4, '0')}`);
    const begun = await beginReport(`id\n${ids.join('\n')}\n`, { mode: 'plan' });
    try {
      const { summary } = await begun.finish();
      expect(summary.rows).toBe(1001);
      expect(begun.chunks.map((c) => c.length)).toEqual([500, 500, 1]);
      expect(begun.store.requestRecords()).toHaveLength(1001);
    } finally {
      await begun.close();
    }
  });

  it('names in report.html the identifier column and why it was chosen', async () => {
    const begun = await beginReport('ref,contact\nR1,ada@example.com\n', { mode: 'plan' });
    try {
      const { html, summary } = await begun.finish();
      expect(summary.column).toMatchObject({ name: 'contact', reason: expect.stringMatching(/\S/) });
      expect(html).toContain(`<dt>Identifier column</dt><dd>contact (${summary.column.reason.replaceAll('"', '&quot;')})</dd>`);
    } finally {
      await begun.close();
    }
  });

  it("shows who came back after an erasure in a redact run's report.html, and no such section in a plan run's", async () => {
    const redact = await beginReport('id\ncus_a\n', { mode: 'redact' });
    try {
      const { html, summary } = await redact.finish();
      expect(summary.reappeared).toBe(0);
      expect(html).toContain('<section id="reappeared"><h2>People who came back after their erasure (0)</h2><p class="none">');
    } finally {
      await redact.close();
    }
    const plan = await beginReport('id\ncus_a\n', { mode: 'plan' });
    try {
      const { html, summary } = await plan.finish();
      expect(summary.reappeared).toBeNull();
      expect(html).not.toContain('id="reappeared"');
    } finally {
      await plan.close();
    }
  });

  it("says in report.html how the watch read, when it could not read Stripe's events", async () => {
    const begun = await beginReport('id\ncus_a\n', {
      mode: 'redact',
      prepare: (store) => store.noteErasure(store.emailKey('gone@example.com'), { requestId: 'DSR-1', suppressionDigest: null, settledAt: new Date(Date.now() - 60_000).toISOString() }),
    });
    emulator!.faults.use({ path: '/v1/events', status: 403 });
    try {
      const { html, summary } = await begun.finish();
      expect(summary.watch).toMatchObject({ source: 'customers', note: expect.stringContaining('may not read events') });
      expect(html).toContain(`<section id="reappeared"><h2>People who came back after their erasure (0)</h2><p>the key may not read events (Events: Read)`);
    } finally {
      await begun.close();
    }
  });

  it("waits, when a failing run abandons it, for its rows' pass to end", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const begun = await beginReport('id\ncus_a\ncus_b\n', { mode: 'plan', ready: (row) => (row === 2 ? gate : undefined) });
    try {
      let abandoned = false;
      const abandoning = begun.report.abandon().then(() => (abandoned = true));
      // The second row cannot be written before the gate opens, so the pass cannot have ended.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(abandoned).toBe(false);
      release();
      await abandoning;
      expect(abandoned).toBe(true);
      expect(readFileSync(join(dir!, 'results.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(3);
    } finally {
      await begun.close();
    }
  });
});
