/**
 * Durability of a spawned `stripe-redact run` (docs/architecture.md#kill-safety): SIGKILL it while jobs are in
 * flight, run it again on the same state, and nothing is lost or done twice. The emulator lives in
 * this process, so it outlives the killed child and keeps its jobs and idempotency keys.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import {
  TEST_KEY_ENV,
  jobsOfRow,
  describeRun,
  isCustomerRedacted,
  jobIdentifiers,
  listJobs,
  plainCustomers,
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
  type CliProcess,
} from '../helpers/cli.js';

const COUNT = 40;
const customers = plainCustomers('resume', COUNT);
const customerIds = customers.map((c) => c.id as string);
const emails = customers.map((c) => c.email as string);

const emulators: CliEmulator[] = [];
const children: CliProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});
afterAll(removeTempDirs);

/** An emulator with slow jobs, so that a run is still busy when it is killed. */
async function slowEmulator(validationMs = 400): Promise<CliEmulator> {
  const emulator = await startCliEmulator({ seed: { customers }, validationMs, redactionMs: 400 });
  emulators.push(emulator);
  return emulator;
}

async function inputFile(dir: string): Promise<string> {
  return writeInput(dir, ['request_id,email', ...emails.map((email, i) => `R${i + 1},${email}`), ''].join('\n'));
}

function start(args: string[]): CliProcess {
  const child = spawnCli(args, { env: TEST_KEY_ENV, timeoutMs: 30_000 });
  children.push(child);
  return child;
}

async function kill(child: CliProcess): Promise<void> {
  child.child.kill('SIGKILL');
  const killed = await child.result;
  expect(killed.signal, describeRun(killed)).toBe('SIGKILL');
}

interface KilledRun {
  emulator: CliEmulator;
  dir: string;
  input: string;
  state: string;
  /** The emulator's jobs right after the kill. */
  jobsAtKill: Stripe.Privacy.RedactionJob[];
}

/** Starts a run over the 40 customers and SIGKILLs it once `ready` holds (polled). */
async function runAndKill(what: string, ready: (emulator: CliEmulator) => Promise<boolean>, prepare?: (emulator: CliEmulator) => void): Promise<KilledRun> {
  const emulator = await slowEmulator();
  prepare?.(emulator);
  const dir = await tempDir();
  const input = await inputFile(dir);
  const state = join(dir, 'state.db');
  const first = start(['run', input, ...emulator.runArgs(join(dir, 'first'), state)]);
  await pollUntil(what, () => ready(emulator), { timeoutMs: 15_000 });
  await kill(first);
  return { emulator, dir, input, state, jobsAtKill: await listJobs(emulator.stripe) };
}

const aJobExists = async (emulator: CliEmulator) => (await listJobs(emulator.stripe)).length > 0;

/** Runs again on the killed run's state, to the end. */
function resume({ emulator, dir, input, state }: KilledRun, name: string, extra: string[] = []) {
  return runCli(['run', input, ...emulator.runArgs(join(dir, name), state), ...extra], { env: TEST_KEY_ENV, timeoutMs: 30_000 });
}

/** After a resumed run: every row once and redacted, every customer in exactly one succeeded job. */
async function expectCompleteAndUnduplicated(emulator: CliEmulator, out: string): Promise<Stripe.Privacy.RedactionJob[]> {
  const { rows } = readResults(out);
  expect(rows.map((r) => r.request_id)).toEqual(emails.map((_, i) => `R${i + 1}`));
  expect(rows.map((r) => r.row)).toEqual(emails.map((_, i) => String(i + 1)));
  expect(rows.map((r) => r.email)).toEqual(emails);
  expect(rows.filter((r) => r.status !== 'redacted').map((r) => [r.request_id, r.status, r.messages])).toEqual([]);
  expect(readSummary(out).statuses).toMatchObject({ redacted: COUNT, pending: 0, failed: 0 });

  const jobs = await listJobs(emulator.stripe);
  for (const id of customerIds) {
    expect(isCustomerRedacted(emulator, id), `${id} redacted`).toBe(true);
    const succeeded = jobs.filter((job) => job.status === 'succeeded' && jobIdentifiers(job).includes(id));
    expect(succeeded.map((j) => j.id), `succeeded jobs holding ${id}`).toHaveLength(1);
  }
  // No job beyond what 40 identifiers need, and none with the same identifiers twice.
  expect(jobs.length).toBe(Math.ceil(COUNT / 10));
  for (const job of jobs) expect(jobIdentifiers(job).length).toBeLessThanOrEqual(10);
  for (const row of rows) {
    const holder = jobs.find((job) => job.status === 'succeeded' && jobIdentifiers(job).includes(row.object_ids as string));
    expect(jobsOfRow(row), row.request_id).toContain(holder?.id);
  }
  return jobs;
}

describe('kill and resume', () => {
  it('SIGKILL once the first job exists; the next run on the same state finishes without a second job for anyone', async () => {
    const killed = await runAndKill('a redaction job to exist', aJobExists);
    expect(killed.jobsAtKill.some((job) => job.status === 'succeeded'), 'no job finished before the kill').toBe(false);

    const second = await resume(killed, 'second');
    expect(second.code, describeRun(second)).toBe(0);
    const jobs = await expectCompleteAndUnduplicated(killed.emulator, join(killed.dir, 'second'));
    // The jobs the killed run made were carried on, not replaced.
    for (const job of killed.jobsAtKill) expect(jobs.find((j) => j.id === job.id)?.status, job.id).toBe('succeeded');
  });

  it('SIGKILL while a job create is answered but the answer not yet received; the next run replays it, not a new job', async () => {
    // Every create is carried out at once but its answer held back: the kill lands after Stripe made
    // the job and before the run could record its id.
    const killed = await runAndKill('a redaction job to exist', aJobExists, (emulator) =>
      emulator.faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', delayMs: 1_000 }),
    );
    killed.emulator.faults.reset();

    const second = await resume(killed, 'second');
    expect(second.code, describeRun(second)).toBe(0);
    const jobs = await expectCompleteAndUnduplicated(killed.emulator, join(killed.dir, 'second'));
    for (const job of killed.jobsAtKill) expect(jobs.find((j) => j.id === job.id)?.status, job.id).toBe('succeeded');
  });

  it('SIGKILL while a job is redacting; the next run on the same state finishes without a second job for anyone', async () => {
    const killed = await runAndKill('a job to be redacting', async (emulator) =>
      (await listJobs(emulator.stripe)).some((job) => job.status === 'redacting'),
    );
    const second = await resume(killed, 'second');
    expect(second.code, describeRun(second)).toBe(0);
    await expectCompleteAndUnduplicated(killed.emulator, join(killed.dir, 'second'));
  });

  it('a plan run over the state of a killed run reports the rows of its live jobs pending and sends no job', async () => {
    const killed = await runAndKill('a redaction job to exist', aJobExists);
    const inFlight = new Set(killed.jobsAtKill.flatMap(jobIdentifiers));
    expect(inFlight.size).toBeGreaterThan(0);

    const plan = await resume(killed, 'plan', ['--mode', 'plan']);
    expect(plan.code, describeRun(plan)).toBe(3);
    const { rows } = readResults(join(killed.dir, 'plan'));
    expect(rows).toHaveLength(COUNT);
    for (const row of rows) {
      // A job Stripe holds is pending; so is one the killed run had written down but not yet sent
      // (its create is paced by the budget), which the next run creates with its recorded key.
      const expected = inFlight.has(row.object_ids as string) ? ['pending'] : ['planned', 'pending'];
      expect(expected, `${row.request_id} (${row.object_ids}): ${row.status}`).toContain(row.status);
    }
    expect((await listJobs(killed.emulator.stripe)).map((j) => j.id)).toEqual(killed.jobsAtKill.map((j) => j.id));

    const resumed = await resume(killed, 'resumed');
    expect(resumed.code, describeRun(resumed)).toBe(0);
    await expectCompleteAndUnduplicated(killed.emulator, join(killed.dir, 'resumed'));
  });
});

describe('one run at a time per state', () => {
  it('a second run on a state in use stops (exit 1) naming the state, and the first one finishes alone', async () => {
    const emulator = await slowEmulator();
    // Validation waits until the second run is over, so the first one surely holds the state then,
    // however slowly a loaded machine starts the second process.
    emulator.settings.validationMs = 600_000;
    const dir = await tempDir();
    const input = await inputFile(dir);
    const state = join(dir, 'state.db');

    const first = start(['run', input, ...emulator.runArgs(join(dir, 'first'), state)]);
    await pollUntil('a redaction job to exist', () => aJobExists(emulator));
    const second = await runCli(['run', input, ...emulator.runArgs(join(dir, 'second'), state)], { env: TEST_KEY_ENV });
    emulator.settings.validationMs = 400;
    expect(second.code, describeRun(second)).toBe(1);
    expect(second.stderr).toContain(state);
    expect(existsSync(join(dir, 'second', 'results.csv'))).toBe(false);

    const done = await first.result;
    expect(done.code, describeRun(done)).toBe(0);
    // Four jobs in all: the refused run created none.
    await expectCompleteAndUnduplicated(emulator, join(dir, 'first'));
  });
});
