/**
 * A refused job transition (validate, run, cancel, update) — answered 409 or 400, docs/stripe.md#emulator-variants
 * `--refusal-status` — is settled by reading the job from Stripe, never by sending it again: the
 * real gateway, budget and retry policy against the emulator, with the state recording what Stripe said.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/emulator/index.js';
import { createSilentLogger } from '../../src/io/logger.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { budgetedSend } from '../../src/pipeline/budgeted-send.js';
import type { DriveContext } from '../../src/pipeline/drive-context.js';
import { cancelJob, switchBehavior, transition } from '../../src/pipeline/job-actions.js';
import { JobWatcher } from '../../src/pipeline/job-watcher.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { RunMemory } from '../../src/pipeline/run-memory.js';
import { DEFAULT_RETRY_POLICY } from '../../src/pipeline/retry.js';
import { createStripeGateway } from '../../src/stripe/stripe-gateway.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator | undefined;
let store: StateStore | undefined;
let budget: RateBudget | undefined;
afterEach(async () => {
  budget?.close();
  store?.close();
  await emulator?.close();
  emulator = undefined;
});

async function setup(refusalStatus: '409' | '400') {
  const requests: RequestLogEntry[] = [];
  emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, refusalStatus, seed: { customers: [{ id: 'cus_r1', email: 'r1@example.com' }, { id: 'cus_r2', email: 'r2@example.com' }] }, logger: (e) => requests.push(e) });
  store = openStateStore({ path: ':memory:' });
  budget = new RateBudget({ maxRps: 200, maxSearchRps: 100 });
  const gateway = createStripeGateway({ apiKey: 'sk_test_refusals', apiBase: emulator.url, send: budgetedSend(budget, { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10, maxDelayMs: 20 }) });
  const ctx: DriveContext = {
    gateway,
    store,
    watcher: new JobWatcher(gateway, { pollIntervalMs: 10, maxWaitMs: 10_000 }),
    logger: createSilentLogger(),
    mode: 'redact',
    behavior: 'error',
    spawn: () => undefined,
    adopt: () => {},
    memory: new RunMemory((id, type) => gateway.customerOf(id, type)),
    customerOf: (id, type) => gateway.customerOf(id, type),
  };
  // A job of this state that someone else ran after this run last read it ready.
  const job = store.insertJob(['cus_r1'], 'error', store.startRun('redact', 'requests.csv'));
  const created = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_r1'] } });
  store.recordJobCreated(job, created.id, 'ready', created.created);
  await waitForJobStatus(emulator.stripe, created.id, 'ready');
  await emulator.stripe.privacy.redactionJobs.run(created.id);
  await waitForJobStatus(emulator.stripe, created.id, 'succeeded');
  const sent = (operation: string) => requests.filter((r) => r.operation === operation && r.status !== 0).length;
  return { ctx, job, sent };
}

describe('a refused transition is settled by reading the job', () => {
  it.each(['409', '400'] as const)('answered %s: run, validate, update and cancel each go out once, and the state takes the status Stripe reads', async (refusalStatus) => {
    const { ctx, job, sent } = await setup(refusalStatus);
    expect(await transition(job, 'run', ctx)).toBe(false);
    expect(job.status).toBe('succeeded');
    expect(await transition(job, 'validate', ctx)).toBe(false);
    await switchBehavior(job, 'fix', ctx);
    expect(job.validationBehavior).toBe('error');
    await cancelJob(job, ctx);
    expect(job.status).toBe('succeeded');
    // Each refused once (the emulator saw our run next to the outside one) and never sent again.
    expect(sent('POST /v1/privacy/redaction_jobs/:id/run')).toBe(2);
    expect(sent('POST /v1/privacy/redaction_jobs/:id/validate')).toBe(1);
    expect(sent('POST /v1/privacy/redaction_jobs/:id')).toBe(1);
    expect(sent('POST /v1/privacy/redaction_jobs/:id/cancel')).toBe(1);
    expect(sent('GET /v1/privacy/redaction_jobs/:id')).toBeGreaterThanOrEqual(4);
  });

  it('a 409 idempotency_key_in_use is sent again with the same key, and the run then goes through', async () => {
    const { ctx, job, sent } = await setup('409');
    const fresh = await emulator!.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_r2'] } });
    await waitForJobStatus(emulator!.stripe, fresh.id, 'ready');
    store!.recordJobCreated(job, fresh.id, 'ready', fresh.created);
    emulator!.faults.use({ method: 'POST', path: /\/run$/, status: 409, code: 'idempotency_key_in_use', times: 2 });
    expect(await transition(job, 'run', ctx)).toBe(true);
    expect(job.status).toBe('redacting');
    // The outside run, two answered in flight, and the one carried out.
    expect(sent('POST /v1/privacy/redaction_jobs/:id/run')).toBe(4);
  });
});
