/**
 * A state belongs to one Stripe account and mode (issue 6, situations 1 and 2): refused for another
 * account or mode before anything but the account is read, kept across a rotated key, one default
 * state per account and mode in the user's state directory, and no silent mkdir for `--state`.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../src/emulator/index.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import {
  TEST_KEY_ENV,
  describeRun,
  pollUntil,
  spawnCli,
  isCustomerRedacted,
  readResults,
  readSummary,
  removeTempDirs,
  runCli,
  startCliEmulator,
  tempDir,
  writeInput,
  stateArgs,
  type CliEmulator,
} from '../helpers/cli.js';

const emulators: CliEmulator[] = [];
async function emulatorFor(accountId: string, seed: SeedDocument = SEED): Promise<CliEmulator> {
  const emulator = await startCliEmulator({ seed, accountId });
  emulators.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});
afterAll(removeTempDirs);

// The same customer ids on both servers: what made a state of one account look valid on another.
const SEED: SeedDocument = {
  customers: [
    { id: 'cus_ada', email: 'ada@example.com' },
    { id: 'cus_bob', email: 'bob@example.com' },
  ],
};
const INPUT = 'email\nada@example.com\nbob@example.com\n';

const JOB_CREATE = 'POST /v1/privacy/redaction_jobs';
const sent = (emulator: CliEmulator) => emulator.requests.map((r) => `${r.method} ${r.path}`);
/** `--api-base … --out … --state …` without the helper's own state: the state is the test's subject. */
const target = (emulator: CliEmulator, out: string, state?: string) => [
  '--api-base',
  emulator.url,
  '--poll-interval-ms',
  '20',
  '--out',
  out,
  ...(state ? stateArgs(state) : []),
];

describe('a state belongs to one account and mode', () => {
  it('refuses a state of account A on account B with exit 2 naming both; B is sent nothing but the account call', async () => {
    const [a, b] = await Promise.all([emulatorFor('acct_1AccountA'), emulatorFor('acct_1AccountB')]);
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const state = join(dir, 'state.db');

    const onA = await runCli(['run', input, ...target(a, join(dir, 'a'), state)], { env: TEST_KEY_ENV });
    expect(onA.code, describeRun(onA)).toBe(0);
    expect(readResults(join(dir, 'a')).rows.map((r) => r.status)).toEqual(['redacted', 'redacted']);

    const onB = await runCli(['run', input, ...target(b, join(dir, 'b'), state)], { env: TEST_KEY_ENV });
    expect(onB.code, describeRun(onB)).toBe(2);
    expect(onB.stderr).toMatch(/state .*state\.db belongs to acct_1AccountA \(test mode\); this key is for acct_1AccountB \(test mode\)/);
    expect(onB.stderr).toContain('--state');
    expect(sent(b)).toEqual(['GET /v1/account']);
    expect(existsSync(join(dir, 'b', 'results.csv'))).toBe(false);
    expect(isCustomerRedacted(b, 'cus_ada')).toBe(false);
  });

  it('refuses a test-mode state for a live-mode key of the same account', async () => {
    const a = await emulatorFor('acct_1AccountA');
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const state = join(dir, 'state.db');
    const test = await runCli(['run', input, ...target(a, join(dir, 'test'), state)], { env: TEST_KEY_ENV });
    expect(test.code, describeRun(test)).toBe(0);
    const before = a.requests.length;

    const live = await runCli(['run', input, ...target(a, join(dir, 'live'), state), '--live'], { env: { STRIPE_API_KEY: 'sk_live_same_account' } });
    expect(live.code, describeRun(live)).toBe(2);
    expect(live.stderr).toMatch(/belongs to acct_1AccountA \(test mode\); this key is for acct_1AccountA \(live mode\)/);
    expect(sent(a).slice(before)).toEqual(['GET /v1/account']);
  });

  it('keeps the state for a rotated key of the same account: rows redacted earlier stay redacted, no new job', async () => {
    const a = await emulatorFor('acct_1AccountA');
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const state = join(dir, 'state.db');
    const first = await runCli(['run', input, ...target(a, join(dir, 'first'), state)], { env: TEST_KEY_ENV });
    expect(first.code, describeRun(first)).toBe(0);
    const creates = sent(a).filter((r) => r === JOB_CREATE).length;
    expect(creates).toBeGreaterThan(0);

    const rotated = await runCli(['run', input, ...target(a, join(dir, 'rotated'), state)], { env: { STRIPE_API_KEY: 'rk_test_rotated_key' } });
    expect(rotated.code, describeRun(rotated)).toBe(0);
    expect(readResults(join(dir, 'rotated')).rows.map((r) => r.status)).toEqual(['redacted', 'redacted']);
    expect(sent(a).filter((r) => r === JOB_CREATE)).toHaveLength(creates);
    expect(readSummary(join(dir, 'rotated'))).toMatchObject({ account: 'acct_1AccountA', livemode: false, state_path: state });
  });

  it('binds a state written before states recorded their account at its first run, and says so', async () => {
    const a = await emulatorFor('acct_1AccountA');
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const state = join(dir, 'old.db');
    const old = openStateStore({ path: state });
    old.startRun('redact', 'earlier.csv');
    old.close();

    const run = await runCli(['run', input, ...target(a, join(dir, 'out'), state), '--log-format', 'text'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stderr).toMatch(/held 1 run\(s\) from before states recorded their account; it now belongs to acct_1AccountA \(test mode\)/);
    const bound = openStateStore({ path: state });
    expect(bound.account()).toEqual({ accountId: 'acct_1AccountA', livemode: false });
    bound.close();
  });
});

describe('the default state', () => {
  it('is one file per account and mode under $XDG_STATE_HOME/stripe-redact, kept across dated --out folders', async () => {
    const a = await emulatorFor('acct_1AccountA');
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const env = { ...TEST_KEY_ENV, XDG_STATE_HOME: join(dir, 'xdg-state') };
    const expected = join(dir, 'xdg-state', 'stripe-redact', 'acct_1AccountA-test.db');

    const night1 = await runCli(['run', input, ...target(a, join(dir, 'reports', '2026-11-28'))], { env });
    expect(night1.code, describeRun(night1)).toBe(0);
    expect(existsSync(expected)).toBe(true);
    expect(night1.stderr).toContain(`state: ${expected} (acct_1AccountA, test mode; new: no history of earlier runs)`);
    // Cron's level is warn: a default state that starts afresh is seen there.
    expect(night1.stderr).toMatch(/"level":"warn".*"message":"new state for acct_1AccountA \(test mode\) at .*acct_1AccountA-test\.db: it holds no history of earlier runs/);
    const summary = readSummary(join(dir, 'reports', '2026-11-28'));
    expect(summary).toMatchObject({ account: 'acct_1AccountA', livemode: false, state_path: expected });
    // One account call a run, counted with the others.
    expect(summary.apiCalls.byOperation['account.retrieve']).toBe(1);
    expect(existsSync(join(dir, 'reports', '2026-11-28', 'state.db'))).toBe(false);
    const creates = sent(a).filter((r) => r === JOB_CREATE).length;

    // The next night, a new --out: the rows redacted the night before are still redacted, at no job.
    const night2 = await runCli(['run', input, ...target(a, join(dir, 'reports', '2026-11-29'))], { env });
    expect(night2.code, describeRun(night2)).toBe(0);
    expect(night2.stderr).toContain(`state: ${expected} (acct_1AccountA, test mode)`);
    expect(night2.stderr).not.toMatch(/new state/);
    expect(readResults(join(dir, 'reports', '2026-11-29')).rows.map((r) => r.status)).toEqual(['redacted', 'redacted']);
    expect(sent(a).filter((r) => r === JOB_CREATE)).toHaveLength(creates);

    // A live key of the same account gets a state of its own beside it.
    const live = await runCli(['run', input, ...target(a, join(dir, 'live')), '--live', '--mode', 'plan'], {
      env: { ...env, STRIPE_API_KEY: 'sk_live_same_account' },
    });
    expect(live.code, describeRun(live)).toBe(0);
    expect(existsSync(join(dir, 'xdg-state', 'stripe-redact', 'acct_1AccountA-live.db'))).toBe(true);
    expect(readSummary(join(dir, 'live'))).toMatchObject({ livemode: true, state_path: expect.stringMatching(/acct_1AccountA-live\.db$/) });
  });

  it("refuses a default state copied under another account's name", async () => {
    const [a, b] = await Promise.all([emulatorFor('acct_1AccountA'), emulatorFor('acct_1AccountB')]);
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const env = { ...TEST_KEY_ENV, XDG_STATE_HOME: join(dir, 'xdg-state') };
    const onA = await runCli(['run', input, ...target(a, join(dir, 'a'))], { env });
    expect(onA.code, describeRun(onA)).toBe(0);
    const states = join(dir, 'xdg-state', 'stripe-redact');
    copyFileSync(join(states, 'acct_1AccountA-test.db'), join(states, 'acct_1AccountB-test.db'));

    const onB = await runCli(['run', input, ...target(b, join(dir, 'b'))], { env });
    expect(onB.code, describeRun(onB)).toBe(2);
    expect(onB.stderr).toMatch(/acct_1AccountB-test\.db belongs to acct_1AccountA \(test mode\); this key is for acct_1AccountB \(test mode\): move that file away/);
    expect(sent(b)).toEqual(['GET /v1/account']);
  });

  it('stays in memory with --emulator, and the summary says so', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\nada@example.com\n');
    const env = { XDG_STATE_HOME: join(dir, 'xdg-state') };
    const run = await runCli(['run', input, '--emulator', '--out', join(dir, 'out')], { env });
    expect(run.code, describeRun(run)).toBe(0);
    expect(readSummary(join(dir, 'out'))).toMatchObject({ account: 'acct_emulator0000000', livemode: false, state_path: ':memory:' });
    expect(existsSync(join(dir, 'xdg-state'))).toBe(false);
  });
});

describe('--state', () => {
  it('that does not exist is a usage error naming it and the state files nearby, unless --new-state: a typo never starts afresh', async () => {
    const a = await emulatorFor('acct_1AccountA');
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\nada@example.com\nnobody@example.com\n');
    const state = join(dir, 'state.db');
    const first = await runCli(['run', input, ...target(a, join(dir, 'first'), state), '--fail-on', 'failed,new_state'], { env: TEST_KEY_ENV });
    // A run that starts a state with --new-state: --fail-on new_state makes it exit 3, and a
    // not_found row says this state has no history of it.
    expect(first.code, describeRun(first)).toBe(3);
    expect(readSummary(join(dir, 'first'))).toMatchObject({ stateIsNew: true });
    const rows = readResults(join(dir, 'first')).rows;
    expect(rows.map((r) => r.status)).toEqual(['redacted', 'not_found']);
    expect(rows[1]?.messages).toMatch(/this state is new: it holds no history of this request/);
    const before = a.requests.length;

    const typo = await runCli(['run', input, ...target(a, join(dir, 'typo')), '--state', join(dir, 'stat.db')], { env: TEST_KEY_ENV });
    expect(typo.code, describeRun(typo)).toBe(2);
    expect(typo.stderr).toMatch(/--state .*stat\.db: there is no state file .*; pass --new-state to start a new state there \(state files in .*: state\.db\)/);
    expect(a.requests.length).toBe(before);
    expect(existsSync(join(dir, 'stat.db'))).toBe(false);

    const again = await runCli(['run', input, ...target(a, join(dir, 'again'), state), '--fail-on', 'failed,new_state'], { env: TEST_KEY_ENV });
    expect(again.code, describeRun(again)).toBe(0);
    expect(readSummary(join(dir, 'again'))).toMatchObject({ stateIsNew: false });
    expect(readResults(join(dir, 'again')).rows[1]?.messages).not.toMatch(/state is new/);
  });

  it('whose directory does not exist is a usage error naming the option; nothing is sent or created', async () => {
    const a = await emulatorFor('acct_1AccountA');
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const missing = join(dir, 'missing', 'dir', 's.db');
    const run = await runCli(['run', input, ...target(a, join(dir, 'out'), missing)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toMatch(/--state .*s\.db: the directory .*missing[/\\]dir does not exist/);
    expect(a.requests).toEqual([]);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('naming a directory is a usage error too', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const run = await runCli(['run', input, '--emulator', '--out', join(dir, 'out'), '--state', dir], {});
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toMatch(/--state must name a file/);
  });
});

describe('a restricted key without the account permission', () => {
  it('stops with exit 1 and names the permission to add', async () => {
    const a = await emulatorFor('acct_1AccountA');
    a.faults.use({ path: '/v1/account', status: 403, code: 'more_permissions_required' });
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const run = await runCli(['run', input, ...target(a, join(dir, 'out'), join(dir, 'state.db'))], { env: { STRIPE_API_KEY: 'rk_test_restricted' } });
    expect(run.code, describeRun(run)).toBe(1);
    expect(run.stderr).toMatch(/Connect → Accounts: Read \(connected_account_read\)/);
    expect(sent(a)).toEqual(['GET /v1/account']);
    expect(existsSync(join(dir, 'state.db'))).toBe(false);
  });
});


describe('stripe-redact emulator --account-id', () => {
  it('answers GET /v1/account with the account given', async () => {
    const server = spawnCli(['emulator', '--port', '0', '--account-id', 'acct_1Spawned']);
    try {
      const url = await pollUntil('the emulator URL on stdout', () => /^(http:\/\/\S+)\n/.exec(server.output().stdout)?.[1]);
      const answer = await fetch(`${url}/v1/account`, { headers: { Authorization: 'Bearer sk_test_x' } });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ id: 'acct_1Spawned', object: 'account' });
    } finally {
      server.child.kill('SIGTERM');
    }
    expect((await server.result).code).toBe(0);
  });

  it('refuses an id that is not an account id (exit 2, naming the option)', async () => {
    const run = await runCli(['emulator', '--port', '0', '--account-id', 'cus_nope']);
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toMatch(/accountId.*cus_nope/);
  });
});
