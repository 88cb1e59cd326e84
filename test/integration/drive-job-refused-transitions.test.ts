/**
 * A job that moves on between the driver's read and its call (a run killed after Stripe carried a
 * call out but before its answer was recorded, or another tool's call): driven in-process, the
 * call is refused (docs/stripe.md#emulator-variants `--refusal-status`), the job is read, and the
 * drive goes on from the status Stripe reads — each refused call sent once, never again. A refusal
 * for any other reason stands as the job's error. The real gateway, budget and retry policy
 * against the emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/emulator/index.js';
import type { ValidationBehavior } from '../../src/domain/job.js';
import type { StateStore } from '../../src/state/state-store.js';
import type { DriveContext } from '../../src/pipeline/drive-context.js';
import { driveJob } from '../../src/pipeline/drive-job.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { driveBench, type DriveBench } from '../helpers/drive.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator | undefined;
let drive: DriveBench | undefined;
let store: StateStore | undefined;
afterEach(async () => {
  drive?.close();
  drive = undefined;
  await emulator?.close();
  emulator = undefined;
});

const JOBS = '/v1/privacy/redaction_jobs';

/**
 * An emulator with two customers (`cus_r1` with an open PaymentIntent, a blocker, if `seedBlocker`)
 * and a driver's context in `mode`; `sent` counts the calls the emulator answered by operation.
 */
async function setup(options: { refusalStatus?: '409' | '400'; mode?: 'validate' | 'redact'; seedBlocker?: boolean } = {}) {
  const requests: RequestLogEntry[] = [];
  emulator = await startTestEmulator({
    validationMs: 5,
    redactionMs: 5,
    ...(options.refusalStatus ? { refusalStatus: options.refusalStatus } : {}),
    seed: {
      customers: [
        {
          id: 'cus_r1',
          email: 'r1@example.com',
          ...(options.seedBlocker ? { payment_intents: [{ id: 'pi_r1_open', amount: 100, currency: 'eur' }] } : {}),
        },
        { id: 'cus_r2', email: 'r2@example.com' },
      ],
    },
    logger: (e) => requests.push(e),
  });
  drive = driveBench(emulator, { ids: ['cus_r1', 'cus_r2'], budgeted: true, maxWaitMs: 10_000, ...(options.mode ? { mode: options.mode } : {}) });
  store = drive.store;
  const { runId: run, spawned } = drive;
  const ctx = drive.context();
  const sent = (operation: string) => requests.filter((r) => r.operation === operation && r.status !== 0).length;
  return { ctx, run, spawned, sent };
}

/**
 * A job of this state for `cus_r1` that Stripe created and that reads `status`. The state records
 * what Stripe read; the drive reads the job again before it acts, as a resumed run does.
 */
async function jobReading(run: string, status: 'ready' | 'failed', behavior: ValidationBehavior = 'error') {
  const job = store!.insertJob(['cus_r1'], behavior, run);
  const created = await emulator!.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_r1'] } });
  await waitForJobStatus(emulator!.stripe, created.id, status);
  if (behavior !== 'error') await emulator!.stripe.privacy.redactionJobs.update(created.id, { validation_behavior: behavior });
  store!.recordJobCreated(job, created.id, status, created.created);
  return { job, id: created.id };
}

/**
 * Another tool acts on the job in the gap between this run's read and its call: `before` runs just
 * before the gateway sends `call` (once), as a run killed and resumed, or a person at the Dashboard.
 */
function outsideFirst(ctx: DriveContext, call: 'runJob' | 'validateJob' | 'cancelJob' | 'updateJob', before: (id: string) => Promise<unknown>): DriveContext {
  let done = false;
  const inner = ctx.gateway;
  const wrapped = async (...args: unknown[]) => {
    if (!done) {
      done = true;
      await before(args[0] as string);
    }
    return (inner[call] as (...a: unknown[]) => Promise<unknown>)(...args);
  };
  return { ...ctx, gateway: { ...inner, [call]: wrapped } };
}

const outside = () => emulator!.stripe.privacy.redactionJobs;

describe('a transition Stripe refuses because the job moved on is settled by reading the job, never sent again', () => {
  it.each(['409', '400'] as const)('answered %s: a run refused for a job run outside goes on from succeeded, its object redacted by that job', async (refusalStatus) => {
    const { ctx, run, sent } = await setup({ refusalStatus });
    const { job } = await jobReading(run, 'ready');
    const racing = outsideFirst(ctx, 'runJob', async (id) => {
      await outside().run(id);
      await waitForJobStatus(emulator!.stripe, id, 'succeeded');
    });

    await driveJob(job, racing);
    expect(job.status).toBe('succeeded');
    expect(store!.objectStatus('cus_r1')).toBe('redaction_pending');
    // The outside run and ours, refused once: the job is read instead of our run sent again.
    expect(sent(`POST ${JOBS}/:id/run`)).toBe(2);
  });

  it('a validate refused for a failed job canceled outside: its object goes into a new job', async () => {
    const { ctx, run, spawned, sent } = await setup({ refusalStatus: '409', seedBlocker: true });
    // A failed job a resumed run validates again (it did not see this validation start).
    const { job } = await jobReading(run, 'failed');
    const racing = outsideFirst(ctx, 'validateJob', async (id) => {
      await outside().cancel(id);
      await waitForJobStatus(emulator!.stripe, id, 'canceled');
    });

    await driveJob(job, racing);
    expect(sent(`POST ${JOBS}/:id/validate`)).toBe(1);
    expect(job.status).toBe('canceled');
    expect(spawned).toEqual([['cus_r1']]);
  });

  it('a cancel refused for a job canceled outside (validate mode): it waits for the release and reports the object ready', async () => {
    const { ctx, run, sent } = await setup({ refusalStatus: '409', mode: 'validate' });
    const { job } = await jobReading(run, 'ready');
    const racing = outsideFirst(ctx, 'cancelJob', async (id) => {
      await outside().cancel(id);
    });

    await driveJob(job, racing);
    expect(sent(`POST ${JOBS}/:id/cancel`)).toBe(2);
    expect(job.status).toBe('canceled');
    expect(store!.objectStatus('cus_r1')).toBe('ready');
  });

  it('an update refused for a job canceled outside: read, not sent again, and its object goes into a new job', async () => {
    // A job an earlier fix run switched to fix and that failed: this error run switches it back first.
    const { ctx, run, spawned, sent } = await setup({ refusalStatus: '400', seedBlocker: true });
    const { job } = await jobReading(run, 'failed', 'fix');
    const racing = outsideFirst(ctx, 'updateJob', async (id) => {
      await outside().cancel(id);
      await waitForJobStatus(emulator!.stripe, id, 'canceled');
    });

    await driveJob(job, racing);
    // The earlier run's switch to fix, and ours back, refused once.
    expect(sent(`POST ${JOBS}/:id`)).toBe(2);
    expect(job.status).toBe('canceled');
    expect(job.validationBehavior).toBe('fix');
    expect(spawned).toEqual([['cus_r1']]);
  });
});

describe('a transition refused for another reason stands as the job error', () => {
  it('a run refused 409 while the job still reads ready: the object fails with the refusal, and the run is not sent again', async () => {
    const { ctx, run, sent } = await setup();
    const { job } = await jobReading(run, 'ready');
    emulator!.faults.use({ method: 'POST', path: /\/run$/, status: 409, code: 'status_transition_invalid', message: 'This job cannot be run.', times: 1 });

    await driveJob(job, ctx);
    expect(sent(`POST ${JOBS}/:id/run`)).toBe(1);
    expect(job.status).toBe('ready');
    expect(store!.objectStatus('cus_r1')).toBe('failed');
  });
});

describe('a 409 idempotency_key_in_use is not a refusal', () => {
  it('the run is sent again with the same key until Stripe carries it out, and the job succeeds', async () => {
    const { ctx, run, sent } = await setup({ refusalStatus: '409' });
    const { job } = await jobReading(run, 'ready');
    emulator!.faults.use({ method: 'POST', path: /\/run$/, status: 409, code: 'idempotency_key_in_use', times: 2 });

    await driveJob(job, ctx);
    expect(job.status).toBe('succeeded');
    expect(store!.objectStatus('cus_r1')).toBe('redaction_pending');
    // Two answered "in flight", then the one carried out.
    expect(sent(`POST ${JOBS}/:id/run`)).toBe(3);
  });
});
