/**
 * The report under faults: runs of one input, each under 20% injected faults of every kind — 429s,
 * 500s, dropped connections and answers lost after the request was carried out — two of them
 * SIGKILLed midway, until a run settles every row. The end must be what one undisturbed run reaches:
 * the same statuses, objects, blockers and fixes for every row, the same customers redacted.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../src/emulator/index.js';
import {
  TEST_KEY_ENV,
  describeRun,
  isCustomerRedacted,
  listJobs,
  pollUntil,
  readResults,
  removeTempDirs,
  runCli,
  spawnCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
  type CliProcess,
} from '../helpers/cli.js';

const clean = Array.from({ length: 14 }, (_, i) => ({ id: `cus_ch_${i}`, email: `chaos.${i}@example.com` }));
const fixable = Array.from({ length: 3 }, (_, i) => ({
  id: `cus_ch_fix_${i}`,
  email: `fix.${i}@example.com`,
  payment_intents: [{ id: `pi_ch_open_${i}`, amount: 100 + i, currency: 'usd' }],
}));
const SEED: SeedDocument = {
  customers: [
    ...clean,
    ...fixable,
    { id: 'cus_ch_disputed', email: 'disputed@example.com', payment_intents: [{ id: 'pi_ch_disputed', amount: 900, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: 'true' }] },
  ],
};
const INPUT = [
  'request_id,email',
  ...[...clean, ...fixable].map((c, i) => `R${i + 1},${c.email}`),
  'R18,disputed@example.com',
  'R19,nobody@example.com',
  'R20,cus_ch_3',
  'R21,not-an-email',
  '',
].join('\n');

/** A small seeded generator (mulberry32), so a failing draw of faults can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const emulators: CliEmulator[] = [];
const children: CliProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});
afterAll(removeTempDirs);

const RUN = ['--validation-behavior', 'fix'];
/** What a row says that must not depend on faults, kills or job ids. */
const essence = (row: Record<string, string>) => [row.request_id, row.status, row.object_ids, row.blocking_codes, row.fixes, row.identifier_type];

describe('runs under injected faults and kills', () => {
  it('end as one undisturbed run ends: same report, same customers redacted', async () => {
    const calm = await startCliEmulator({ seed: SEED });
    emulators.push(calm);
    const calmDir = await tempDir();
    const calmInput = await writeInput(calmDir, INPUT);
    const reference = await runCli(['run', calmInput, ...calm.runArgs(join(calmDir, 'out'), join(calmDir, 'state.db')), ...RUN], { env: TEST_KEY_ENV, timeoutMs: 120_000 });
    expect(reference.code, describeRun(reference)).toBe(3);
    const expected = readResults(join(calmDir, 'out')).rows.map(essence);
    expect(expected.map((r) => r[1])).toContain('needs_action');

    const stormy = await startCliEmulator({ seed: SEED, validationMs: 80, redactionMs: 80 });
    emulators.push(stormy);
    stormy.faults.random = seeded(20261129);
    const everything = /^\/v1\//;
    stormy.faults.use(
      { path: everything, status: 429, rate: 0.05 },
      { path: everything, status: 500, rate: 0.05 },
      { path: everything, drop: true, rate: 0.04 },
      { path: everything, lostResponse: true, rate: 0.06 },
    );
    const dir = await tempDir();
    const input = await writeInput(dir, INPUT);
    const state = join(dir, 'state.db');
    const runArgs = (name: string) => ['run', input, ...stormy.runArgs(join(dir, name), state), ...RUN];

    // Two runs killed midway: once jobs exist, once some job has been validated.
    const kills: [string, () => Promise<boolean>][] = [
      ['a job to exist', async () => (await listJobs(stormy.stripe)).length > 0],
      ['a job validated', async () => (await listJobs(stormy.stripe)).some((j) => j.status !== 'validating' && j.status !== 'created')],
    ];
    for (const [index, [what, ready]] of kills.entries()) {
      const child = spawnCli(runArgs(`killed-${index}`), { env: TEST_KEY_ENV, timeoutMs: 120_000 });
      children.push(child);
      // Faults hit the test's own SDK calls too: a probe that fails just tries again.
      await pollUntil(what, () => ready().catch(() => false), { timeoutMs: 60_000 });
      child.child.kill('SIGKILL');
      expect((await child.result).signal).toBe('SIGKILL');
    }

    // Then runs to the end, faults still on, until one leaves nothing pending or failed.
    let rows: Record<string, string>[] = [];
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      const run = await runCli(runArgs(`run-${attempt}`), { env: TEST_KEY_ENV, timeoutMs: 180_000 });
      expect([0, 3], describeRun(run)).toContain(run.code);
      rows = readResults(join(dir, `run-${attempt}`)).rows;
      if (!rows.some((r) => r.status === 'pending' || r.status === 'failed')) break;
    }
    stormy.faults.reset();
    // The faults did fire, of each kind (a lost answer shows as status 0 in the request log). How
    // often depends on how many requests the killed runs made before their kill: at least once each.
    for (const status of [429, 500, 0]) expect(stormy.requests.filter((r) => r.status === status).length, `status ${status}`).toBeGreaterThan(0);
    expect(rows.map(essence)).toEqual(expected);
    for (const customer of SEED.customers ?? []) {
      const id = customer.id as string;
      expect(isCustomerRedacted(stormy, id), id).toBe(isCustomerRedacted(calm, id));
    }
  }, 600_000);
});
