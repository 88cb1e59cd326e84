/**
 * What the in-process pipeline tells beyond results.csv: the summary (hashes, counts, jobs of other
 * inputs), the progress it reports as it goes, and an interruption.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/io/logger.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { openGateway } from '../../src/cli/run-resources.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { DEFAULT_RETRY_POLICY } from '../../src/pipeline/retry.js';
import { runPipeline, type RunProgress, type RunSummary } from '../../src/pipeline/run-pipeline.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace } from '../helpers/pipeline.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const clean = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => ({ id: `cus_${prefix}${i}`, email: `${prefix}${i}@example.com` }));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Runs the pipeline like {@link pipelineWorkspace} (state and report in `dir`), with the ports a
 * workspace does not pass: progress and an abort signal.
 */
async function runWithPorts(
  e: TestEmulator,
  dir: string,
  csv: string,
  ports: { onProgress?: (progress: RunProgress) => void; signal?: AbortSignal },
): Promise<{ summary: RunSummary; results: string }> {
  const inputPath = join(dir, 'requests.csv');
  writeFileSync(inputPath, csv);
  const store = openStateStore({ path: join(dir, 'state.db') });
  const budget = new RateBudget({ maxRps: 200, maxSearchRps: 100 });
  const gateway = openGateway({ apiKey: 'sk_test_pipeline', apiBase: e.url, budget, retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 20, maxDelayMs: 100 } });
  try {
    const summary = await runPipeline(
      { inputPath, outDir: dir, mode: 'redact', validationBehavior: 'error', lookup: 'auto', jobConcurrency: 20, pollIntervalMs: 10, livemode: false },
      { gateway, budget, store, logger: createSilentLogger(), ...ports },
    );
    return { summary, results: readFileSync(join(dir, 'results.csv'), 'utf8') };
  } finally {
    budget.close();
    store.close();
  }
}

describe('runPipeline summary', () => {
  it('names the input and the report by their hashes, and counts rows, statuses and jobs', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(3) } });
    const ws = pipelineWorkspace(emulator);
    const { summary } = await ws.run('email\nc0@example.com\nc1@example.com\nc2@example.com\nnot-an-email\n');
    expect(summary).toMatchObject({
      rows: 4,
      mode: 'redact',
      livemode: false,
      interrupted: false,
      resultCsvVersion: 3,
      validationBehavior: 'error',
      deadline: '1m',
      input: join(ws.dir, 'requests.csv'),
      resultsPath: join(ws.dir, 'results.csv'),
      reportPath: join(ws.dir, 'report.html'),
      jobs: { driven: 1, byStatus: { succeeded: 1 } },
      otherInputs: { jobs: 0, byStatus: {} },
    });
    expect(summary.statuses).toMatchObject({ redacted: 3, invalid: 1, pending: 0 });
    expect(summary.inputSha256).toBe(sha256(join(ws.dir, 'requests.csv')));
    expect(summary.resultsSha256).toBe(sha256(summary.resultsPath));
    expect(existsSync(summary.reportPath)).toBe(true);
    expect(summary.startedAt <= summary.endedAt).toBe(true);
    expect(summary.apiCalls.total).toBe(Object.values(summary.apiCalls.byOperation).reduce((a, b) => a + b, 0));
    expect(summary.apiCalls.peakPerSecond).toBeGreaterThanOrEqual(1);
  });

  it("follows a job another input's run left live to its end, counting it apart and acting on nothing", async () => {
    emulator = await startTestEmulator({ validationMs: 600, redactionMs: 5, seed: { customers: clean(2) } });
    const ws = pipelineWorkspace(emulator);
    // The first input's run gives up waiting while its job still validates.
    const first = await ws.run('email\nc0@example.com\n', { jobTimeoutMs: 50 });
    expect(first.rows[0]?.status).toBe('pending');
    const other = await ws.run('email\nc1@example.com\n');
    expect(other.rows.map((r) => r.status)).toEqual(['redacted']);
    // The first input's job is followed until Stripe is done validating it, and left ready, not run.
    expect(other.summary.otherInputs).toEqual({ jobs: 1, byStatus: { ready: 1 } });
    expect(other.summary.jobs.driven).toBe(1);
    const leftJob = await emulator.stripe.privacy.redactionJobs.retrieve(first.rows[0]?.job_id as string);
    expect(leftJob.status).toBe('ready');
  });
});

describe('runPipeline progress and interruption', () => {
  it('reports each phase in order, ending with every row read, every lookup and every job done', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(3) } });
    const dir = pipelineWorkspace(emulator).dir;
    const seen: RunProgress[] = [];
    const { summary } = await runWithPorts(emulator, dir, 'email\nc0@example.com\nc1@example.com\ncus_c2\nnobody@example.com\n', { onProgress: (p) => seen.push({ ...p }) });
    expect(summary.statuses).toMatchObject({ redacted: 3, not_found: 1 });
    const phases = seen.map((p) => p.phase).filter((phase, i, all) => phase !== all[i - 1]);
    expect(phases[0]).toBe('check');
    expect(phases.at(-1)).toBe('report');
    expect(phases).toContain('read');
    expect(phases).toContain('drive');
    // The check pass counts rows before the total is known.
    expect(seen.filter((p) => p.phase === 'check').at(-1)).toMatchObject({ rows: 4, totalRows: 0 });
    expect(seen.at(-1)).toMatchObject({ phase: 'report', rows: 4, totalRows: 4, lookups: 4, lookupsDone: 4, jobsStarted: 1, jobsDone: 1 });
    // Lookups done never run ahead of lookups queued.
    for (const p of seen) expect(p.lookupsDone).toBeLessThanOrEqual(p.lookups);
  });

  it('stops when interrupted: no job is created, the rows are pending and the summary says so', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(3) } });
    const dir = pipelineWorkspace(emulator).dir;
    const controller = new AbortController();
    const { summary, results } = await runWithPorts(emulator, dir, 'email\nc0@example.com\nc1@example.com\nc2@example.com\n', {
      // Interrupted as soon as reading starts, before anything is looked up.
      onProgress: (p) => {
        if (p.phase === 'read') controller.abort();
      },
      signal: controller.signal,
    });
    expect(summary.interrupted).toBe(true);
    expect(summary.statuses).toMatchObject({ pending: 3, redacted: 0 });
    expect(summary.jobs.driven).toBe(0);
    expect(summary.apiCalls.byOperation['redaction_jobs.create']).toBeUndefined();
    expect(results.split('\n').filter((line) => line.includes(',pending,'))).toHaveLength(3);
    const jobs = await emulator.stripe.privacy.redactionJobs.list({ limit: 10 });
    expect(jobs.data).toHaveLength(0);
  });
});
