/**
 * `stripe-redact run` spawned against an emulator in this process: every row status of the contract
 * (docs/contract.md#result-csv) where it belongs, checked in results.csv, summary.json and, through the
 * real SDK, in what the emulator holds afterwards.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../src/emulator/index.js';
import { allValidationErrors } from '../helpers/redaction-jobs.js';
import {
  TEST_KEY_ENV,
  cellList, jobsOfRow,
  describeRun,
  isCustomerRedacted,
  jobIdentifiers,
  listJobs,
  pollUntil,
  readResults,
  readSummary,
  removeTempDirs,
  runCli,
  spawnCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
  type ResultRow,
} from '../helpers/cli.js';

const SEED: SeedDocument = {
  customers: [
    { id: 'cus_st_ada', email: 'ada@example.com', name: 'Ada' },
    { id: 'cus_st_kat_home', email: 'kat@example.com', name: 'Katherine' },
    { id: 'cus_st_kat_work', email: 'kat@example.com', name: 'K. (work)' },
    { id: 'cus_st_byid', email: 'byid@example.com', name: 'By Id' },
    { id: 'cus_st_gone', email: 'gone@example.com', name: 'Gone', deleted: true },
    { id: 'cus_st_ken', email: 'ken@example.com', name: 'Ken', payment_intents: [{ id: 'pi_st_ken_open', amount: 700, currency: 'usd' }] },
  ],
};

const emulators: CliEmulator[] = [];
async function emulatorFor(seed: SeedDocument = SEED, options: Parameters<typeof startCliEmulator>[0] = {}): Promise<CliEmulator> {
  // cus_st_gone is a customer deleted before: where Stripe refuses to redact it (the least helpful
  // variant, pinned so both passes of the suite agree) and nothing of it holds data, it is already_redacted.
  const emulator = await startCliEmulator({ seed, deletedCustomers: 'refuse', ...options });
  emulators.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});
afterAll(removeTempDirs);

function byRequest(rows: ResultRow[]): Record<string, ResultRow> {
  return Object.fromEntries(rows.map((row) => [row.request_id as string, row]));
}

describe('a redact run', () => {
  it('reports redacted, already_redacted and not_found rows, and puts each customer in one succeeded job', async () => {
    const emulator = await emulatorFor();
    const dir = await tempDir();
    const input = await writeInput(
      dir,
      [
        'request_id,email',
        'R1,ada@example.com',
        'R2,kat@example.com',
        'R3,cus_st_byid',
        'R4,cus_st_gone',
        'R5,nobody@example.com',
        'R6,cus_st_missing000',
        'R7,ada@example.com',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);

    const rows = byRequest(readResults(out).rows);
    expect(rows.R1).toMatchObject({ identifier_type: 'email', status: 'redacted', object_ids: 'cus_st_ada', blocking_codes: '' });
    expect(cellList(rows.R1?.job_id)).toHaveLength(1);

    // An email with two customers resolves to both; both are redacted.
    expect(rows.R2).toMatchObject({ identifier_type: 'email', status: 'redacted' });
    expect(cellList(rows.R2?.object_ids).sort()).toEqual(['cus_st_kat_home', 'cus_st_kat_work']);

    expect(rows.R3).toMatchObject({ identifier_type: 'customer', status: 'redacted', object_ids: 'cus_st_byid' });
    expect(rows.R4).toMatchObject({ identifier_type: 'customer', status: 'already_redacted', object_ids: 'cus_st_gone', job_id: '' });
    expect(rows.R5).toMatchObject({ identifier_type: 'email', status: 'not_found', object_ids: '', job_id: '', earlier_job_ids: '' });
    expect(rows.R5?.messages).not.toBe('');
    // An unknown id: refused at create, or accepted and failing validation (docs/stripe.md#emulator-variants), it is
    // left out of the job either way; only where Stripe accepted it does a canceled job stand in earlier_job_ids.
    expect(rows.R6).toMatchObject({ identifier_type: 'customer', status: 'not_found', object_ids: '', job_id: '' });

    // A duplicate row shares its identifier's outcome, and names the row it repeats.
    const shared = ['status', 'object_ids', 'job_id', 'earlier_job_ids', 'blocking_codes', 'fixes'] as const;
    for (const column of shared) expect(rows.R7?.[column], column).toBe(rows.R1?.[column]);
    expect(rows.R7?.messages).toBe([rows.R1?.messages, 'duplicate of row 1: the same request, reported as that row is'].filter(Boolean).join('\n'));

    const summary = readSummary(out);
    expect(summary.rows).toBe(7);
    expect(summary.statuses).toMatchObject({ redacted: 4, already_redacted: 1, not_found: 2, invalid: 0, needs_action: 0, pending: 0, failed: 0 });

    // Through the SDK: every requested customer sits in exactly one succeeded job, the one the
    // report names in job_id.
    const jobs = await listJobs(emulator.stripe);
    const reported = new Map<string, string[]>([
      ['cus_st_ada', jobsOfRow(rows.R1)],
      ['cus_st_kat_home', jobsOfRow(rows.R2)],
      ['cus_st_kat_work', jobsOfRow(rows.R2)],
      ['cus_st_byid', jobsOfRow(rows.R3)],
    ]);
    for (const [customer, jobIds] of reported) {
      const holding = jobs.filter((job) => job.status === 'succeeded' && jobIdentifiers(job).includes(customer));
      expect(holding.map((j) => j.id), `succeeded jobs holding ${customer}`).toHaveLength(1);
      expect(jobIds.at(-1)).toBe(holding[0]?.id);
      expect(jobs.filter((job) => jobIdentifiers(job).includes(customer) && job.status !== 'canceled' && job.status !== 'succeeded')).toEqual([]);
      expect(isCustomerRedacted(emulator, customer), `${customer} redacted`).toBe(true);
    }
    for (const job of jobs) expect(jobIdentifiers(job).length).toBeLessThanOrEqual(10);
  });

  it('reports invalid rows with a reason and an unconfirmed PaymentIntent as needs_action with Stripe\'s message (exit 3)', async () => {
    const emulator = await emulatorFor();
    const dir = await tempDir();
    const input = await writeInput(dir, ['request_id,email', 'R1,ken@example.com', 'R2,not-an-email', 'R3,sub_123abc', 'R4,', 'R5,ada@example.com', ''].join('\n'));
    const out = join(dir, 'out');
    // Three of five rows unusable: named with --column, the run does as told.
    const run = await runCli(['run', input, ...emulator.runArgs(out), '--column', 'email'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(3);

    const rows = byRequest(readResults(out).rows);
    expect(rows.R1).toMatchObject({ identifier_type: 'email', status: 'needs_action', object_ids: 'cus_st_ken' });
    expect(cellList(rows.R1?.blocking_codes)).toContain('invalid_state');
    // Stripe's own message for the blocker, as the job's validation errors list it.
    const failed = (await listJobs(emulator.stripe)).filter((job) => job.status === 'failed' && jobIdentifiers(job).includes('cus_st_ken'));
    expect(failed).toHaveLength(1);
    const errors = await allValidationErrors(emulator.stripe, failed[0]!.id);
    const stripeMessage = errors.find((e) => e.code === 'invalid_state')?.message;
    expect(stripeMessage).toContain('pi_st_ken_open');
    expect(rows.R1?.messages).toContain(stripeMessage);

    for (const id of ['R2', 'R3', 'R4']) {
      expect(rows[id], id).toMatchObject({ identifier_type: 'unknown', status: 'invalid', object_ids: '', job_id: '', earlier_job_ids: '' });
      expect(rows[id]?.messages, `${id} says why`).not.toBe('');
    }
    expect(rows.R3?.messages).toContain('sub_');
    // One blocked customer does not hold the others back.
    expect(rows.R5).toMatchObject({ status: 'redacted', object_ids: 'cus_st_ada' });
    expect(isCustomerRedacted(emulator, 'cus_st_ken')).toBe(false);
    expect(readSummary(out).statuses).toMatchObject({ needs_action: 1, invalid: 3, redacted: 1 });
  });

  it('after needs_action in error mode, a fix run on the same state redacts and says what the fix changed', async () => {
    const emulator = await emulatorFor();
    const dir = await tempDir();
    const input = await writeInput(dir, 'request_id,email\nR1,ken@example.com\n');
    const state = join(dir, 'state.db');
    const first = await runCli(['run', input, ...emulator.runArgs(join(dir, 'first'), state)], { env: TEST_KEY_ENV });
    expect(first.code, describeRun(first)).toBe(3);
    expect(readResults(join(dir, 'first')).rows[0]).toMatchObject({ status: 'needs_action', object_ids: 'cus_st_ken' });

    const second = await runCli(['run', input, ...emulator.runArgs(join(dir, 'second'), state), '--validation-behavior', 'fix'], { env: TEST_KEY_ENV });
    expect(second.code, describeRun(second)).toBe(0);
    const [row] = readResults(join(dir, 'second')).rows;
    expect(row).toMatchObject({ status: 'redacted', object_ids: 'cus_st_ken' });
    expect(row?.fixes).toBe('canceled PaymentIntent pi_st_ken_open');
    expect(row?.blocking_codes).toBe('');
    expect(isCustomerRedacted(emulator, 'cus_st_ken')).toBe(true);
    const pi = await emulator.stripe.paymentIntents.retrieve('pi_st_ken_open');
    expect(pi.status).toBe('canceled');
    const succeeded = (await listJobs(emulator.stripe)).filter((job) => job.status === 'succeeded');
    expect(succeeded.map(jobIdentifiers)).toEqual([['cus_st_ken']]);
    expect(jobsOfRow(row)).toContain(succeeded[0]?.id);
  });
});

describe('--mode validate', () => {
  it('reports ready rows, then cancels every job and redacts nothing', async () => {
    const emulator = await emulatorFor();
    const dir = await tempDir();
    const input = await writeInput(dir, 'request_id,email\nR1,ada@example.com\nR2,cus_st_byid\nR3,kat@example.com\n');
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out), '--mode', 'validate'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);

    const rows = byRequest(readResults(out).rows);
    expect(rows.R1).toMatchObject({ status: 'ready', object_ids: 'cus_st_ada' });
    expect(rows.R2).toMatchObject({ status: 'ready', object_ids: 'cus_st_byid' });
    expect(rows.R3?.status).toBe('ready');
    expect(readSummary(out)).toMatchObject({ mode: 'validate', statuses: { ready: 3 } });

    const jobs = await listJobs(emulator.stripe);
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(job.status, `job ${job.id}`).toBe('canceled');
    for (const customer of ['cus_st_ada', 'cus_st_byid', 'cus_st_kat_home', 'cus_st_kat_work']) {
      expect(isCustomerRedacted(emulator, customer), customer).toBe(false);
    }
  });
});

describe('--mode plan', () => {
  it('reports planned rows and creates no redaction job', async () => {
    const emulator = await emulatorFor();
    const dir = await tempDir();
    const input = await writeInput(dir, 'request_id,email\nR1,ada@example.com\nR2,cus_st_byid\nR3,cus_st_gone\nR4,nobody@example.com\n');
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out), '--mode', 'plan'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);

    const rows = byRequest(readResults(out).rows);
    expect(rows.R1).toMatchObject({ status: 'planned', object_ids: 'cus_st_ada', job_id: '', earlier_job_ids: '' });
    expect(rows.R2).toMatchObject({ status: 'planned', object_ids: 'cus_st_byid', job_id: '', earlier_job_ids: '' });
    // Deleted is not redacted: a redact run would put the deleted customer in a job (issue 14).
    expect(rows.R3?.status).toBe('planned');
    expect(rows.R4?.status).toBe('not_found');

    expect(await listJobs(emulator.stripe)).toEqual([]);
    expect(emulator.requests.filter((r) => r.path.startsWith('/v1/privacy/redaction_jobs') && r.method === 'POST')).toEqual([]);
    expect(isCustomerRedacted(emulator, 'cus_st_ada')).toBe(false);
  });
});

describe('a job canceled from outside', () => {
  it('puts its objects in a new job of the same run and keeps the canceled job in earlier_job_ids', async () => {
    // Stripe cancels only ready or failed jobs, and the CLI runs a ready job at once: hold its `run`
    // call back with a 503 (which it retries) while this test cancels the job.
    const emulator = await emulatorFor();
    const runPath = /^\/v1\/privacy\/redaction_jobs\/[^/]+\/run$/;
    emulator.faults.use({ method: 'POST', path: runPath, status: 503 });
    const dir = await tempDir();
    const input = await writeInput(dir, 'request_id,email\nR1,ada@example.com\n');
    const out = join(dir, 'out');
    const child = spawnCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV, timeoutMs: 60_000 });
    await pollUntil('the run call to be refused once', () => emulator.requests.some((r) => runPath.test(r.path) && r.status === 503), { timeoutMs: 30_000 });
    const [canceled] = await listJobs(emulator.stripe);
    expect(canceled?.status).toBe('ready');
    await emulator.stripe.privacy.redactionJobs.cancel(canceled!.id);
    emulator.faults.reset();
    const run = await child.result;
    expect(run.code, describeRun(run)).toBe(0);

    const [row] = readResults(out).rows;
    expect(row).toMatchObject({ status: 'redacted', object_ids: 'cus_st_ada' });
    const jobs = await listJobs(emulator.stripe);
    const succeeded = jobs.filter((job) => job.status === 'succeeded');
    expect(succeeded.map(jobIdentifiers)).toEqual([['cus_st_ada']]);
    expect(jobsOfRow(row)).toEqual(expect.arrayContaining([canceled!.id, succeeded[0]!.id]));
    expect(isCustomerRedacted(emulator, 'cus_st_ada')).toBe(true);
  });
});
