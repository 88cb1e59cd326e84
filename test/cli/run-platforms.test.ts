/**
 * A platform's runs (issue 19): `--stripe-account` acts for one connected account; an account column
 * spreads one input over the platform's own account and its connected accounts, each with its own
 * state, budget and jobs, one results.csv in input order. The spawned CLI against an emulator with
 * two connected accounts and the platform's own.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../src/emulator/index.js';
import { peakRequestsPerOperation } from '../../src/emulator/index.js';
import {
  TEST_KEY_ENV,

  describeRun,
  readResults,
  readSummary,
  removeTempDirs,
  runCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
} from '../helpers/cli.js';
import { stripeFor } from '../helpers/emulator.js';

const emulators: CliEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});
afterAll(removeTempDirs);

const PLATFORM = 'acct_emulator0000000';
// The same email lives on the platform and on both connected accounts, as separate customers.
const SEED: SeedDocument = {
  customers: [{ id: 'cus_own_ann', email: 'ann@example.com' }, { id: 'cus_own_pat', email: 'pat@example.com' }],
  accounts: [
    { id: 'acct_shopA', customers: [{ id: 'cus_a_ann', email: 'ann@example.com' }, { id: 'cus_a_cy', email: 'cy@example.com' }] },
    { id: 'acct_shopB', customers: [{ id: 'cus_b_ann', email: 'ann@example.com' }, { id: 'cus_b_dee', email: 'dee@example.com' }] },
  ],
};

async function platformEmulator(options: Parameters<typeof startCliEmulator>[0] = {}): Promise<CliEmulator> {
  const emulator = await startCliEmulator({ seed: SEED, ...options });
  emulators.push(emulator);
  return emulator;
}

const deleted = (emulator: CliEmulator, account: string | undefined, id: string): boolean =>
  (account === undefined ? emulator.store : emulator.accounts.get(account)!.store).collection<{ id: string; object: string; created: number; livemode: boolean; deleted?: boolean }>('customers').get(id)?.deleted === true;

describe('an input whose rows name their accounts', () => {
  it('settles each row on its own account, the same email on each in its own job, one report in input order', async () => {
    const emulator = await platformEmulator();
    const dir = await tempDir();
    const out = join(dir, 'out');
    const input = await writeInput(
      dir,
      ['request_id,email,stripe_account', 'r1,ann@example.com,acct_shopA', 'r2,pat@example.com,', 'r3,ann@example.com,acct_shopB', 'r4,cy@example.com,acct_shopA', 'r5,ann@example.com,', 'r6,dee@example.com,acct_shopB', 'r7,nobody@example.com,acct_shopA', 'r8,cy@example.com,acct_shopA'].join('\n') + '\n',
    );
    const result = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(result.code, describeRun(result)).toBe(0);

    const { rows, columns } = readResults(out);
    expect(columns.slice(0, 3)).toEqual(['request_id', 'email', 'stripe_account']);
    expect(rows.map((r) => [r.request_id, r.row, r.status])).toEqual([
      ['r1', '1', 'redacted'],
      ['r2', '2', 'redacted'],
      ['r3', '3', 'redacted'],
      ['r4', '4', 'redacted'],
      ['r5', '5', 'redacted'],
      ['r6', '6', 'redacted'],
      ['r7', '7', 'not_found'],
      ['r8', '8', 'redacted'],
    ]);
    expect(rows.map((r) => r.object_ids)).toEqual(['cus_a_ann', 'cus_own_pat', 'cus_b_ann', 'cus_a_cy', 'cus_own_ann', 'cus_b_dee', '', 'cus_a_cy']);
    // A repeated request names the input's row, not its row within its account's share.
    expect(rows[7]!.messages).toContain('duplicate of row 4');
    // The same email on three accounts: three customers, each redacted in a job of its own account.
    const annJobs = [rows[0]!, rows[2]!, rows[4]!].map((r) => r.job_id);
    expect(new Set(annJobs).size).toBe(3);
    expect(emulator.accounts.get('acct_shopA')!.store.collection('redaction_jobs').get(rows[0]!.job_id!)).toBeDefined();
    expect(emulator.accounts.get('acct_shopB')!.store.collection('redaction_jobs').get(rows[2]!.job_id!)).toBeDefined();
    expect(emulator.store.collection('redaction_jobs').get(rows[4]!.job_id!)).toBeDefined();
    expect([deleted(emulator, 'acct_shopA', 'cus_a_ann'), deleted(emulator, 'acct_shopB', 'cus_b_ann'), deleted(emulator, undefined, 'cus_own_ann')]).toEqual([true, true, true]);

    const summary = readSummary(out);
    expect(summary.rows).toBe(8);
    expect(summary.statuses).toMatchObject({ redacted: 7, not_found: 1 });
    const accounts = summary.accounts as Record<string, { account: string; rows: number; state_path: string; statuses: Record<string, number> }>;
    expect(Object.keys(accounts).sort()).toEqual(['acct_shopA', 'acct_shopB', 'own']);
    expect(accounts.own).toMatchObject({ account: PLATFORM, rows: 2 });
    expect(accounts.acct_shopA).toMatchObject({ rows: 4, statuses: expect.objectContaining({ redacted: 3, not_found: 1 }) });
    // An explicit --state: each connected account's state sits beside it, named with the account's id.
    expect(accounts.own!.state_path).toBe(join(out, 'state.db'));
    expect(accounts.acct_shopA!.state_path).toBe(join(out, 'state.acct_shopA.db'));
    expect(existsSync(join(out, 'state.acct_shopB.db'))).toBe(true);

    // Every request carried the right account: the connected accounts' lookups went to them.
    const searchesOf = (account: string | undefined) => emulator.requests.filter((r) => r.path === '/v1/customers/search' && r.account === account).length;
    expect(searchesOf('acct_shopA')).toBeGreaterThan(0);
    expect(searchesOf('acct_shopB')).toBeGreaterThan(0);
    expect(searchesOf(undefined)).toBeGreaterThan(0);

    // Each account's state records the run in its ledger; its own summary names the shared results.csv.
    const shopASummary = JSON.parse(readFileSync(join(out, 'accounts', 'acct_shopA', 'summary.json'), 'utf8')) as { platformRun: { resultsSha256: string }; account: string };
    expect(shopASummary).toMatchObject({ account: 'acct_shopA', platformRun: { resultsSha256: summary.resultsSha256 } });
    const ledger = await runCli(['ledger', 'export', '--state', join(out, 'state.acct_shopA.db')]);
    expect(ledger.code, describeRun(ledger)).toBe(0);
    expect(ledger.stdout.trim().split('\n')).toHaveLength(1);
    expect(ledger.stdout).toContain('"account":"acct_shopA"');

    // A second run (no --new-state needed: the states exist) costs no job and keeps every row.
    const again = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(again.code, describeRun(again)).toBe(0);
    expect(readResults(out).rows.map((r) => r.status)).toEqual(rows.map((r) => r.status));
    expect(emulator.requests.filter((r) => r.method === 'POST' && r.path === '/v1/privacy/redaction_jobs')).toHaveLength(3);

    // `history` and `show` pick a connected account's state with --stripe-account.
    const history = await runCli(['history', '--state', join(out, 'state.db'), '--stripe-account', 'acct_shopB', '--json']);
    expect(history.code, describeRun(history)).toBe(0);
    expect(JSON.parse(history.stdout)).toMatchObject({ state: join(out, 'state.acct_shopB.db'), runs: [expect.anything(), expect.anything()] });
    const show = await runCli(['show', 'ann@example.com', '--state', join(out, 'state.db'), '--stripe-account', 'acct_shopB', '--json']);
    expect(show.code, describeRun(show)).toBe(0);
    expect(show.stdout).toContain('cus_b_ann');
    expect(show.stdout).not.toContain('cus_a_ann');

    // So do the records: the register, the year's figures and the ledger of that account's state.
    const platformState = join(out, 'state.db');
    const register = await runCli(['register', '--state', platformState, '--stripe-account', 'acct_shopB', '--format', 'json']);
    expect(register.code, describeRun(register)).toBe(0);
    expect(JSON.parse(register.stdout)).toMatchObject({ state: join(out, 'state.acct_shopB.db') });
    const metrics = await runCli(['metrics', '--year', new Date().toISOString().slice(0, 4), '--state', platformState, '--stripe-account', 'acct_shopB', '--json']);
    expect(metrics.code, describeRun(metrics)).toBe(0);
    expect(JSON.parse(metrics.stdout)).toMatchObject({ state: join(out, 'state.acct_shopB.db') });
    const shopBLedger = await runCli(['ledger', 'export', '--state', platformState, '--stripe-account', 'acct_shopB']);
    expect(shopBLedger.stdout).toContain('"account":"acct_shopB"');
    expect(shopBLedger.stdout).not.toContain('"account":"acct_shopA"');
    const verified = await runCli(['ledger', 'verify', '--state', platformState, '--stripe-account', 'acct_shopB']);
    expect(verified.code, describeRun(verified)).toBe(0);
    expect(verified.stdout).toContain(join(out, 'state.acct_shopB.db'));
    expect((await runCli(['register', '--state', platformState, '--stripe-account', 'shopB'])).code).toBe(2);

    // Retention and the suppression list, too: expire names (and, dry, leaves) that account's state.
    const expire = await runCli(['expire', '--older-than', '24m', '--dry-run', '--state', platformState, '--stripe-account', 'acct_shopB']);
    expect(expire.code, describeRun(expire)).toBe(0);
    expect(expire.stdout).toContain(`in ${join(out, 'state.acct_shopB.db')}:`);
    const badExpire = await runCli(['expire', '--older-than', '24m', '--state', platformState, '--stripe-account', '../shopB']);
    expect(badExpire.code).toBe(2);
    expect(badExpire.stderr).toContain('--stripe-account must be a connected account id');
    const suppressionA = await runCli(['suppression', 'export', '--state', platformState, '--stripe-account', 'acct_shopA']);
    const suppressionB = await runCli(['suppression', 'export', '--state', platformState, '--stripe-account', 'acct_shopB']);
    expect(suppressionB.code, describeRun(suppressionB)).toBe(0);
    // Each account's list holds its own erased people, under its own key: the two lists differ.
    expect(suppressionB.stdout.split('\n')[0]).toBe('digest,settled_on');
    expect(suppressionB.stdout.trim().split('\n').length).toBeGreaterThan(1);
    expect(suppressionB.stdout).not.toBe(suppressionA.stdout);
  });

  it('fails the rows of an account the key cannot reach with Stripe answer, and nothing else', async () => {
    const emulator = await platformEmulator();
    const dir = await tempDir();
    const out = join(dir, 'out');
    const input = await writeInput(dir, ['email,account', 'cy@example.com,acct_shopA', 'x@example.com,acct_gone1', 'pat@example.com,', 'y@example.com,acct_gone1'].join('\n') + '\n');
    const result = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(result.code, describeRun(result)).toBe(3);
    const { rows } = readResults(out);
    expect(rows.map((r) => [r.row, r.status])).toEqual([
      ['1', 'redacted'],
      ['2', 'failed'],
      ['3', 'redacted'],
      ['4', 'failed'],
    ]);
    expect(rows[1]!.messages).toContain('acct_gone1');
    expect(rows[1]!.messages).toContain('does not have access to account');
    expect(rows[1]!.identifier_type).toBe('email');
    const accounts = readSummary(out).accounts as Record<string, { error?: string; stripeCode?: string }>;
    expect(accounts.acct_gone1).toMatchObject({ stripeCode: 'account_invalid' });
    expect(result.stderr).toContain('acct_gone1');
  });

  it("names the platform's own (Connect) endpoints once, even when no row is the platform's", async () => {
    const emulator = await platformEmulator({
      seed: { ...SEED, webhook_endpoints: [{ id: 'we_connect', url: 'https://connect.example.com/hook', enabled_events: ['customer.updated'] }] },
    });
    const dir = await tempDir();
    const out = join(dir, 'out');
    const input = await writeInput(dir, ['email,account', 'cy@example.com,acct_shopA', 'dee@example.com,acct_shopB'].join('\n') + '\n');
    const result = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(result.code, describeRun(result)).toBe(0);
    const summary = readSummary(out) as unknown as { recipients: unknown; accounts: Record<string, { recipients?: unknown }> };
    expect(summary.recipients).toEqual([{ id: 'we_connect', host: 'connect.example.com', status: 'enabled', eventTypes: ['customer.updated'] }]);
    // Each connected account's run read its own endpoints (it has none); the platform's were read once.
    expect(summary.accounts.acct_shopA?.recipients).toEqual([]);
    const reads = (account: string | undefined) => emulator.requests.filter((r) => r.path === '/v1/webhook_endpoints' && r.account === account).length;
    expect([reads(undefined), reads('acct_shopA'), reads('acct_shopB')]).toEqual([1, 1, 1]);
  });

  it("gives each account its own budget: each account's server limit holds, and the two ran at once", async () => {
    // The server limits each account to 3 a second per operation; the run budgets 2 per account.
    const emulator = await platformEmulator({
      endpointRateLimit: 3,
      seed: { accounts: [{ id: 'acct_one', customers: many('one', 30) }, { id: 'acct_two', customers: many('two', 30) }] },
    });
    const dir = await tempDir();
    const out = join(dir, 'out');
    const lines = ['email,account'];
    for (let i = 0; i < 30; i += 1) lines.push(`one.${i}@example.com,acct_one`, `two.${i}@example.com,acct_two`);
    const input = await writeInput(dir, `${lines.join('\n')}\n`);
    const result = await runCli(['run', input, ...emulator.runArgs(out), '--max-endpoint-rps', '2', '--lookup', 'search'], { env: TEST_KEY_ENV });
    expect(result.code, describeRun(result)).toBe(0);
    const byAccount = (account: string) => emulator.requests.filter((r) => r.account === account);
    // Measured at the server, per account: no request of either account was refused for its limit.
    for (const account of ['acct_one', 'acct_two']) {
      expect(byAccount(account).length).toBeGreaterThan(0);
      expect(byAccount(account).filter((r) => r.status === 429)).toEqual([]);
    }
    const accounts = readSummary(out).accounts as Record<string, { apiCalls: { rateLimited: number } }>;
    expect([accounts.acct_one!.apiCalls.rateLimited, accounts.acct_two!.apiCalls.rateLimited]).toEqual([0, 0]);
    // Both accounts' creates were sent, each to its own account.
    const creates = (account: string) => byAccount(account).filter((r) => r.method === 'POST' && r.path === '/v1/privacy/redaction_jobs').length;
    expect([creates('acct_one'), creates('acct_two')]).toEqual([3, 3]);
    // Together the server saw more of one operation in a second than one account's budget allows:
    // the two budgets ran side by side, neither waiting on the other's.
    const both = peakRequestsPerOperation(emulator.requests.filter((r) => r.account !== undefined));
    expect(Math.max(...Object.values(both))).toBeGreaterThan(2);
  });

  it('takes a header column as the account column only when its values are acct_ ids', async () => {
    const emulator = await platformEmulator();
    const dir = await tempDir();
    const out = join(dir, 'out');
    const input = await writeInput(dir, 'email,account\npat@example.com,premium\nann@example.com,basic\n');
    const result = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(result.code, describeRun(result)).toBe(0);
    expect(readSummary(out).accounts).toBeUndefined();
    expect(readResults(out).rows.map((r) => r.object_ids)).toEqual(['cus_own_pat', 'cus_own_ann']);
  });

  it('refuses a cell of --account-column that is no account id, naming its row, with nothing sent', async () => {
    const emulator = await platformEmulator();
    const dir = await tempDir();
    const out = join(dir, 'out');
    const input = await writeInput(dir, 'email,shop\npat@example.com,acct_shopA\nann@example.com,premium\n');
    const result = await runCli(['run', input, ...emulator.runArgs(out), '--account-column', 'shop'], { env: TEST_KEY_ENV });
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stderr).toMatch(/row 2 .*premium.*acct_/);
    expect(emulator.requests).toEqual([]);
  });
});

describe('--stripe-account', () => {
  it("acts for the connected account: its objects, its state, and the platform's untouched", async () => {
    const emulator = await platformEmulator();
    const dir = await tempDir();
    const out = join(dir, 'out');
    const stateHome = join(dir, 'state-home');
    mkdirSync(stateHome);
    const input = await writeInput(dir, 'email\nann@example.com\n');
    const args = ['run', input, '--api-base', emulator.url, '--poll-interval-ms', '20', '--out', out, '--stripe-account', 'acct_shopB'];
    const result = await runCli(args, { env: { ...TEST_KEY_ENV, XDG_STATE_HOME: stateHome } });
    expect(result.code, describeRun(result)).toBe(0);
    expect(readResults(out).rows.map((r) => [r.status, r.object_ids])).toEqual([['redacted', 'cus_b_ann']]);
    expect(deleted(emulator, 'acct_shopB', 'cus_b_ann')).toBe(true);
    expect(deleted(emulator, undefined, 'cus_own_ann')).toBe(false);
    expect(deleted(emulator, 'acct_shopA', 'cus_a_ann')).toBe(false);
    expect(emulator.requests.every((r) => r.account === 'acct_shopB')).toBe(true);
    // The default state is the connected account's own.
    expect(readSummary(out)).toMatchObject({ account: 'acct_shopB', state_path: join(stateHome, 'stripe-redact', 'acct_shopB-test.db') });
  });

  it('stops with exit 1 naming the account when the key cannot act for it', async () => {
    const emulator = await platformEmulator();
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\nann@example.com\n');
    const result = await runCli(['run', input, ...emulator.runArgs(join(dir, 'out')), '--stripe-account', 'acct_nothere'], { env: TEST_KEY_ENV });
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain('acct_nothere');
    expect(result.stderr).toContain('account_invalid');
  });
});

describe('watch --stripe-account', () => {
  it("watches the connected account's state for people who came back there, and refuses to start a state", async () => {
    const emulator = await platformEmulator();
    const dir = await tempDir();
    const out = join(dir, 'out');
    const input = await writeInput(dir, 'request_id,email,stripe_account\nr1,ann@example.com,acct_shopA\nr2,dee@example.com,acct_shopB\n');
    const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    // The next day Dee signs up again on shop B, and Ann on the platform itself (not shop A).
    expect((await fetch(`${emulator.url}/_emulator/clock/advance?seconds=86400`, { method: 'POST' })).status).toBe(200);
    const stripe = stripeFor(emulator);
    const dee = await stripe.customers.create({ email: 'dee@example.com' }, { stripeAccount: 'acct_shopB' });
    await stripe.customers.create({ email: 'ann@example.com' });
    expect((await fetch(`${emulator.url}/_emulator/clock/advance?seconds=86400`, { method: 'POST' })).status).toBe(200);
    const platformState = join(out, 'state.db');
    const watch = (account: string, to: string) => runCli(['watch', '--state', platformState, '--stripe-account', account, '--api-base', emulator.url, '--out', join(dir, to)], { env: TEST_KEY_ENV });

    const accountsOfCalls = async (run: Promise<Awaited<ReturnType<typeof runCli>>>) => {
      const from = emulator.requests.length;
      const result = await run;
      return { result, accounts: new Set(emulator.requests.slice(from).map((r) => r.account)) };
    };

    const shopB = await accountsOfCalls(watch('acct_shopB', 'watch-b'));
    expect(shopB.result.code, describeRun(shopB.result)).toBe(3);
    expect(shopB.result.stderr).toContain(`state: ${join(out, 'state.acct_shopB.db')} (acct_shopB, test mode)`);
    // Every call of the watch went to its account.
    expect(shopB.accounts).toEqual(new Set(['acct_shopB']));
    const reappeared = readFileSync(join(dir, 'watch-b', 'reappeared.csv'), 'utf8');
    expect(reappeared).toContain(`${dee.id},`);
    expect(reappeared).toContain(',r2,');
    // Shop A's requests came back nowhere on shop A; Ann on the platform is not shop A's.
    const shopA = await accountsOfCalls(watch('acct_shopA', 'watch-a'));
    expect(shopA.result.code, describeRun(shopA.result)).toBe(0);
    expect(shopA.accounts).toEqual(new Set(['acct_shopA']));
    expect(readFileSync(join(dir, 'watch-a', 'reappeared.csv'), 'utf8').trim().split('\n')).toHaveLength(1);

    // A connected account with no state beside --state: usage, nothing sent.
    const before = emulator.requests.length;
    const none = await runCli(['watch', '--state', platformState, '--stripe-account', 'acct_shopC', '--api-base', emulator.url, '--out', join(dir, 'watch-c')], { env: TEST_KEY_ENV });
    expect(none.code, describeRun(none)).toBe(2);
    expect(none.stderr).toContain(`${join(out, 'state.acct_shopC.db')}: there is no such state file`);
    expect(emulator.requests.length).toBe(before);
    // Nor is a default state started: an empty state directory holds none of shop B's.
    const stateHome = join(dir, 'empty-state-home');
    mkdirSync(stateHome);
    const fresh = await runCli(['watch', '--stripe-account', 'acct_shopB', '--api-base', emulator.url, '--out', join(dir, 'watch-fresh')], { env: { ...TEST_KEY_ENV, XDG_STATE_HOME: stateHome } });
    expect(fresh.code, describeRun(fresh)).toBe(2);
    expect(fresh.stderr).toContain('there is no state of acct_shopB (test mode)');
    expect(existsSync(join(stateHome, 'stripe-redact', 'acct_shopB-test.db'))).toBe(false);
  });
});

describe('selftest --stripe-account', () => {
  const selftest = (emulator: CliEmulator, account: string) =>
    runCli(['selftest', '--api-base', emulator.url, '--poll-interval-ms', '20', '--settle-wait-ms', '50', '--stripe-account', account], { env: { STRIPE_API_KEY: 'sk_test_selftest' }, timeoutMs: 60_000 });

  it('walks the guide on the connected account and says Stripe accepts its redaction jobs', async () => {
    const emulator = await platformEmulator({ settleMs: 0 });
    const result = await selftest(emulator, 'acct_shopA');
    expect(result.stdout).toContain('Redaction jobs for connected account acct_shopA: ACCEPTED');
    expect(emulator.requests.length).toBeGreaterThan(0);
    expect(emulator.requests.every((r) => r.account === 'acct_shopA')).toBe(true);
    expect(emulator.accounts.get('acct_shopA')!.store.collection('redaction_jobs').size).toBeGreaterThan(0);
    expect(emulator.store.collection('redaction_jobs').size).toBe(0);
  });

  it("says NOT ACCEPTED with Stripe's answer for an account the key cannot reach, exit 1", async () => {
    const emulator = await platformEmulator();
    const result = await selftest(emulator, 'acct_nothere');
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stdout).toMatch(/Redaction jobs for connected account acct_nothere: NOT ACCEPTED\. Stripe answered: .*does not have access to account 'acct_nothere'/);
  });
});

function many(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ id: `cus_${prefix}_${i}`, email: `${prefix}.${i}@example.com` }));
}

