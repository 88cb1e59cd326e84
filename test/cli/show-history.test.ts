/**
 * `stripe-redact show` and `history`, spawned, on a state two real runs wrote: a request blocked in
 * the first run (error mode → needs_action) and redacted in the second (fix mode), so its story
 * has both runs, its jobs with each status, the blocker and what the fix changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../src/emulator/index.js';
import { acquireStateLock } from '../../src/state/state-lock.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import {
  TEST_KEY_ENV,
  describeRun,
  readResults,
  removeTempDirs,
  runCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
} from '../helpers/cli.js';

const SEED: SeedDocument = {
  customers: [
    { id: 'cus_sh_ken', email: 'ken@example.com', name: 'Ken', payment_intents: [{ id: 'pi_sh_ken_open', amount: 700, currency: 'usd' }] },
    { id: 'cus_sh_ada', email: 'ada@example.com', name: 'Ada' },
  ],
};

let emulator: CliEmulator;
let dir: string;
let state: string;
let input: string;
const runIds: string[] = [];

beforeAll(async () => {
  emulator = await startCliEmulator({ seed: SEED });
  dir = await tempDir();
  input = await writeInput(dir, 'request_id,email\nR1,Ken@Example.com\nR2,ada@example.com\n');
  state = join(dir, 'state.db');
  const first = await runCli(['run', input, ...emulator.runArgs(join(dir, 'first'), state)], { env: TEST_KEY_ENV });
  expect(first.code, describeRun(first)).toBe(3);
  expect(readResults(join(dir, 'first')).rows[0]?.status).toBe('needs_action');
  const second = await runCli(['run', input, ...emulator.runArgs(join(dir, 'second'), state), '--validation-behavior', 'fix'], { env: TEST_KEY_ENV });
  expect(second.code, describeRun(second)).toBe(0);
  expect(readResults(join(dir, 'second')).rows[0]?.status).toBe('redacted');
  for (const out of ['first', 'second']) runIds.push(readResults(join(dir, out)).rows[0]?.run_id as string);
}, 60_000);
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

interface Story {
  known: boolean;
  identifierType: string;
  runs: { runId: string; mode: string; inputSha256: string | null; startedAt: string }[];
  objects: { id: string; status: string; blockers: string[]; fixes: { blocked: string; fix: string }[] }[];
  jobs: { jobId: string | null; runId: string; validationBehavior: string; status: string; objectIds: string[]; otherObjects: number; events: { status: string; at: string }[] }[];
  outcome: { status: string; objectIds: string[]; jobIds: string[]; fixes: string[] } | null;
}

describe('stripe-redact show', () => {
  it('tells the story of an email redacted over two runs with a fix in between', async () => {
    // Any case, as a person types it: matched like the runs matched it.
    const shown = await runCli(['show', 'KEN@example.com', '--state', state, '--json']);
    expect(shown.code, describeRun(shown)).toBe(0);
    const story = JSON.parse(shown.stdout) as Story;
    expect(story).toMatchObject({ known: true, identifierType: 'email' });
    const inputSha = createHash('sha256').update(readFileSync(input)).digest('hex');
    expect(story.runs).toEqual([
      expect.objectContaining({ runId: runIds[0], mode: 'redact', inputSha256: inputSha }),
      expect.objectContaining({ runId: runIds[1], mode: 'redact', inputSha256: inputSha }),
    ]);
    expect(story.objects).toEqual([
      expect.objectContaining({
        id: 'cus_sh_ken',
        status: 'redacted',
        blockers: [],
        fixes: [{ blocked: expect.stringContaining('pi_sh_ken_open'), fix: 'canceled PaymentIntent pi_sh_ken_open' }],
      }),
    ]);
    // The outcome is the one results.csv gave it in the second run.
    const row = readResults(join(dir, 'second')).rows[0];
    expect(story.outcome).toMatchObject({ status: 'redacted', objectIds: ['cus_sh_ken'], jobIds: [row?.job_id], fixes: [row?.fixes] });

    // The first run's job failed validation; the second run validated it with fix and ran it.
    expect(story.jobs[0]).toMatchObject({ runId: runIds[0] });
    expect(story.jobs[0]?.events.map((e) => e.status)).toEqual(expect.arrayContaining(['unsent', 'validating', 'failed']));
    const last = story.jobs.at(-1);
    expect(last).toMatchObject({ jobId: row?.job_id, validationBehavior: 'fix', status: 'succeeded', objectIds: ['cus_sh_ken'] });
    const lastEvents = last?.events.map((e) => e.status) ?? [];
    // How many polls saw `redacting` depends on timing; validated ready, then succeeded, does not.
    expect(lastEvents.at(-1)).toBe('succeeded');
    expect(lastEvents.slice(lastEvents.lastIndexOf('validating'))).toContain('ready');
    const secondStart = story.runs[1]?.startedAt as string;
    expect((last?.events.at(-1)?.at ?? '') > secondStart).toBe(true);
    for (const job of story.jobs) {
      const times = job.events.map((e) => e.at);
      expect(times).toEqual([...times].sort());
      // Another request's customer in the same job is counted, never named.
      expect(job.objectIds).toEqual(['cus_sh_ken']);
    }
    expect(shown.stdout).not.toContain('cus_sh_ada');

    const text = await runCli(['show', 'ken@example.com', '--state', state]);
    expect(text.code, describeRun(text)).toBe(0);
    expect(text.stdout).toMatch(/^Outcome: redacted/m);
    expect(text.stdout).toContain(runIds[0]);
    expect(text.stdout).toContain(runIds[1]);
    expect(text.stdout).toContain('fix: canceled PaymentIntent pi_sh_ken_open');
    expect(text.stdout).toContain(`${last?.jobId}`);
  });

  it('answers "no record" with exit 0 for a request no run read, and refuses what is no identifier', async () => {
    const unknown = await runCli(['show', 'nobody@example.com', '--state', state]);
    expect(unknown.code, describeRun(unknown)).toBe(0);
    expect(unknown.stdout).toMatch(/^No record of nobody@example\.com in the state /);
    const json = await runCli(['show', 'cus_never', '--state', state, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ known: false, identifierType: 'customer', runs: [], outcome: null });

    const bad = await runCli(['show', 'not an id', '--state', state]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^stripe-redact: 'not an id' is neither an email nor a Stripe id/);
  });

  it('never creates a state: a missing one is named, exit 2', async () => {
    const missing = join(dir, 'nope.db');
    const run = await runCli(['show', 'ken@example.com', '--state', missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--state ${missing}: there is no such state file`);
    expect(existsSync(missing)).toBe(false);
  });
});

describe('stripe-redact history', () => {
  it('lists both runs with times, input and its SHA-256, mode and counts per status — while a run holds the lock', async () => {
    // A run in progress holds the lock: reading must not wait for it.
    const release = acquireStateLock(state);
    try {
      const run = await runCli(['history', '--state', state, '--json']);
      expect(run.code, describeRun(run)).toBe(0);
      const { runs } = JSON.parse(run.stdout) as { runs: { runId: string; input: string; inputSha256: string; mode: string; startedAt: string; endedAt: string; statuses: Record<string, number> }[] };
      expect(runs.map((r) => r.runId)).toEqual(runIds);
      const inputSha = createHash('sha256').update(readFileSync(input)).digest('hex');
      for (const [index, out] of ['first', 'second'].entries()) {
        const summary = JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as { statuses: Record<string, number>; startedAt: string; endedAt: string };
        expect(runs[index]).toMatchObject({ input, inputSha256: inputSha, mode: 'redact', statuses: summary.statuses, startedAt: summary.startedAt, endedAt: summary.endedAt });
      }
        expect(runs[0]?.statuses).toMatchObject({ needs_action: 1, redacted: 1 });
      expect(runs[1]?.statuses).toMatchObject({ redacted: 2, needs_action: 0 });

      const text = await runCli(['history', '--state', state]);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`${runIds[0]}  redact`);
      expect(text.stdout).toContain(`(sha256 ${inputSha})`);
      expect(text.stdout).toContain('redacted 1, needs_action 1');
      expect(text.stdout).toContain('redacted 2');
    } finally {
      release();
    }
  });

  it('without --state reads the only default state, and asks for --state when there are none or several', async () => {
    const home = join(dir, 'xdg');
    const stateDir = join(home, 'stripe-redact');
    mkdirSync(stateDir, { recursive: true });
    const none = await runCli(['history'], { env: { XDG_STATE_HOME: home } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no state in ${stateDir}`);
    // npm start and --emulator runs keep their state in memory: the answer says so.
    expect(none.stderr).toMatch(/runs on the built-in emulator, such as npm start or run --emulator, keep their state in memory only/);
    expect(readdirSync(stateDir)).toEqual([]);

    const out = join(dir, 'default');
    // A run without --state makes the account's default state there.
    const made = await runCli(['run', input, '--api-base', emulator.url, '--poll-interval-ms', '20', '--out', out], {
      env: { ...TEST_KEY_ENV, XDG_STATE_HOME: home },
    });
    expect(made.code, describeRun(made)).toBe(0);
    const one = await runCli(['history', '--json'], { env: { XDG_STATE_HOME: home } });
    expect(one.code, describeRun(one)).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ state: expect.stringMatching(/acct_\w+-test\.db$/), runs: [{ runId: readResults(out).rows[0]?.run_id }] });

    // Another account's state beside it: which one is meant is the user's to say.
    writeFileSync(join(stateDir, 'acct_Other1-live.db'), '');
    const several = await runCli(['show', 'ken@example.com'], { env: { XDG_STATE_HOME: home } });
    expect(several.code).toBe(2);
    expect(several.stderr).toContain(`${stateDir} holds the states of 2 accounts or modes: name one with --state`);
    expect(several.stderr).toContain('acct_Other1-live.db');
  });
});

describe('history of runs without an end', () => {
  it('says a later run continued a run that was stopped, and only the latest "did not end"', async () => {
    const own = join(await tempDir(), 'stopped.db');
    // Its own clock: two runs started in the same millisecond would have no order.
    let ms = Date.parse('2026-11-03T02:30:00Z');
    const store = openStateStore({ path: own, clock: () => new Date((ms += 60_000)) });
    const stopped = store.startRun('redact', 'in.csv');
    const next = store.startRun('redact', 'in.csv');
    store.close();
    const text = await runCli(['history', '--state', own]);
    expect(text.code, describeRun(text)).toBe(0);
    const [, first, second] = text.stdout.split('\n\n');
    expect(first).toContain(`${stopped}  redact`);
    expect(first).toContain(`was stopped before its end (killed or interrupted); the later run ${next} continued its work`);
    expect(second).toContain('did not end (still running, or killed: the next run continues it)');
  });
});
