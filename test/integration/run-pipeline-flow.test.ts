/**
 * The run's flow across modes and runs (run-pipeline.ts): which jobs earlier runs left a validate
 * run takes up or follows, what only a redact run verifies, and reading held back while jobs wait.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import type { RunProgress } from '../../src/pipeline/run-pipeline.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace } from '../helpers/pipeline.js';
import { createSilentLogger } from '../../src/io/logger.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { openGateway } from '../../src/cli/run-resources.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { DEFAULT_RETRY_POLICY } from '../../src/pipeline/retry.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const clean = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => ({ id: `cus_${prefix}${i}`, email: `${prefix}${i}@example.com` }));

describe('runPipeline, a validate run and the jobs earlier runs left', () => {
  it("leaves alone a redact run's job that is still live and not failed: no job driven, the job not canceled", async () => {
    emulator = await startTestEmulator({ validationMs: 400, redactionMs: 5, seed: { customers: clean(1) } });
    const ws = pipelineWorkspace(emulator);
    const redact = await ws.run('email\nc0@example.com\n', { jobTimeoutMs: 50 });
    expect(redact.rows[0]?.status).toBe('pending');
    const jobId = redact.rows[0]?.job_id as string;
    const validate = await ws.run('email\nc0@example.com\n', { mode: 'validate' });
    expect(validate.summary.jobs.driven).toBe(0);
    expect(validate.rows[0]?.job_id).toBe(jobId);
    expect((await emulator.stripe.privacy.redactionJobs.retrieve(jobId)).status).not.toBe('canceled');
  });

  it('neither takes up nor follows the failed job another input left: only a redact run follows it; a plan run acts on none', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [...clean(1), { id: 'cus_pi', email: 'pi@example.com', payment_intents: [{ id: 'pi_open', amount: 100, currency: 'eur' }] }] },
    });
    const ws = pipelineWorkspace(emulator);
    const blocked = await ws.run('email\npi@example.com\n');
    expect(blocked.rows[0]?.status).toBe('needs_action');
    // A plan run over the blocked input acts on no job, not even its own input's failed one.
    const plan = await ws.run('email\npi@example.com\n', { mode: 'plan' });
    expect(plan.summary.jobs.driven).toBe(0);
    expect(Object.keys(plan.summary.apiCalls.byOperation).filter((op) => op.startsWith('redaction_jobs.'))).toEqual([]);
    const validate = await ws.run('email\nc0@example.com\n', { mode: 'validate' });
    expect(validate.summary.otherInputs).toEqual({ jobs: 0, byStatus: {} });
    expect(validate.rows[0]?.status).toBe('ready');
    const redact = await ws.run('email\nc0@example.com\n');
    expect(redact.summary.otherInputs).toEqual({ jobs: 1, byStatus: { failed: 1 } });
  });
});

describe('runPipeline, verification', () => {
  it('reads objects awaiting proof in a redact run only: a plan run over the same input reads nothing', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(1) } });
    const ws = pipelineWorkspace(emulator);
    const failingVerification = (gateway: StripeGateway): StripeGateway => ({
      ...gateway,
      readObject: (id, type, purpose) =>
        purpose === 'verify' ? Promise.reject(new GatewayError('permission denied on customers', { kind: 'permission', retryable: false })) : gateway.readObject(id, type, purpose),
    });
    const first = await ws.run('email\nc0@example.com\n', {}, failingVerification);
    expect(first.rows[0]?.status).toBe('redaction_pending');
    const plan = await ws.run('email\nc0@example.com\n', { mode: 'plan' });
    expect(plan.summary.verification).toEqual({ objects: 0, reads: 0, verified: 0 });
    expect(Object.keys(plan.summary.apiCalls.byOperation).filter((op) => op.startsWith('verify.'))).toEqual([]);
    const redact = await ws.run('email\nc0@example.com\n');
    expect(redact.rows[0]?.status).toBe('redacted');
    expect(redact.summary.verification).toMatchObject({ objects: 1, verified: 1 });
  });
});

describe('runPipeline, back-pressure', () => {
  it('reads on only once no job waits for a slot', async () => {
    // Twenty customers in the first 500 rows: two jobs of ten, one slot. Reading the next chunk waits
    // until the first job is done and the second has its slot.
    emulator = await startTestEmulator({ validationMs: 100, redactionMs: 5, seed: { customers: clean(21) } });
    const dir = pipelineWorkspace(emulator).dir;
    const first = Array.from({ length: 500 }, (_, i) => `cus_c${i % 20}`);
    const csv = ['id', ...first, ...Array<string>(100).fill('cus_c20'), ''].join('\n');
    const inputPath = join(dir, 'requests.csv');
    writeFileSync(inputPath, csv);
    const store = openStateStore({ path: join(dir, 'state.db') });
    const budget = new RateBudget({ maxRps: 200, maxSearchRps: 100 });
    const gateway = openGateway({ apiKey: 'sk_test_pipeline', apiBase: emulator.url, budget, retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 20, maxDelayMs: 100 } });
    const seen: RunProgress[] = [];
    try {
      const summary = await runPipeline(
        { inputPath, outDir: dir, mode: 'redact', validationBehavior: 'error', lookup: 'auto', jobConcurrency: 1, pollIntervalMs: 10, livemode: false, lookupBatchSize: 1 },
        { gateway, budget, store, logger: createSilentLogger(), onProgress: (p) => seen.push({ ...p }) },
      );
      expect(summary.statuses.redacted).toBe(600);
    } finally {
      budget.close();
      store.close();
    }
    const afterFirstChunk = seen.find((p) => p.phase === 'read' && p.rows > 500);
    expect(afterFirstChunk).toMatchObject({ rows: 600, jobsStarted: 2 });
    expect(afterFirstChunk?.jobsDone).toBeGreaterThanOrEqual(1);
  });
});
