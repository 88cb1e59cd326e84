/**
 * `stripe-redact selftest` spawned against the emulator started with each variant of
 * docs/stripe.md#emulator-variants: it must name every variant as the emulator was started, find every documented
 * behaviour held, remove what it made, write `--json`, and refuse a live key before sending anything.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HELPFUL_VARIANTS, VARIANT_CHOICES, type EmulatorOptions, type EmulatorVariants } from '../../src/emulator/index.js';
import { describeRun, removeTempDirs, runCli, startCliEmulator, tempDir, type CliEmulator } from '../helpers/cli.js';

/** The variants selftest probes (src/selftest/classify-findings.ts); the emulator keeps its defaults for the others. */
const FLAGS = {
  unknownIds: '--unknown-ids',
  transitionErrors: '--transition-errors',
  lockErrors: '--lock-errors',
  fixListing: '--fix-listing',
  expandValidationErrors: '--expand-validation-errors',
  lockRefusal: '--lock-refusal',
  refusalStatus: '--refusal-status',
  deletedCustomers: '--deleted-customers',
  youngCharges: '--young-charges',
} as const satisfies Partial<Record<keyof EmulatorVariants, string>>;
type ProbedVariants = Pick<EmulatorVariants, keyof typeof FLAGS>;
const VARIANT_KEYS = Object.keys(FLAGS) as (keyof typeof FLAGS)[];
const DEFAULT_VARIANTS = Object.fromEntries(VARIANT_KEYS.map((key) => [key, VARIANT_CHOICES[key][0]])) as unknown as ProbedVariants;
const ALL_HELPFUL = Object.fromEntries(VARIANT_KEYS.map((key) => [key, HELPFUL_VARIANTS[key]])) as unknown as ProbedVariants;

/** The defaults, the helpful ones, and each default with one flag flipped. */
const CASES: [string, ProbedVariants][] = [
  ['all default', DEFAULT_VARIANTS],
  ['all helpful', ALL_HELPFUL],
  ...VARIANT_KEYS.map((key): [string, ProbedVariants] => {
    const flipped = VARIANT_CHOICES[key][1];
    // A lock's message shows only where the lock is refused at validation.
    const lockAt = key === 'lockErrors' ? { lockRefusal: 'validation' as const } : {};
    return [`${FLAGS[key]} ${flipped}`, { ...DEFAULT_VARIANTS, ...lockAt, [key]: flipped }];
  }),
];

interface SelftestJson {
  ok: boolean;
  account: string;
  problems: string[];
  variants: { variant: string; matches: string | null; probed: boolean; copes: boolean; observed: string }[];
  documented: { behaviour: string; held: boolean | null; observed: string }[];
  observations: { cleanup: { done: string[]; left: string[] } };
}

const emulators: CliEmulator[] = [];
afterAll(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  await removeTempDirs();
});

/**
 * Stripe's own hold of young charges (`youngDays` 90, where the suite's emulators hold nothing), so
 * that `--young-charges` shows; objects settle at once (`settleMs` 0), so selftest reads them
 * redacted right after their job: `--settle-ms 0`.
 */
async function emulatorWith(variants: Partial<EmulatorVariants>, extra: Partial<EmulatorOptions> = {}): Promise<CliEmulator> {
  const emulator = await startCliEmulator({ youngDays: 90, settleMs: 0, ...variants, ...extra });
  emulators.push(emulator);
  return emulator;
}

/** A spawned selftest against `emulator`, polling fast and reading objects again 50 ms after their job (or `settleWaitMs`). */
function runSelftest(emulator: CliEmulator, jsonPath: string, settleWaitMs = 50) {
  return runCli(['selftest', '--api-base', emulator.url, '--poll-interval-ms', '20', '--settle-wait-ms', String(settleWaitMs), '--json', jsonPath], {
    env: { STRIPE_API_KEY: 'sk_test_selftest' },
    timeoutMs: 60_000,
  });
}

/** Every job the emulator holds has ended, and every customer left is deleted or redacted. */
async function expectNothingLeft(emulator: CliEmulator): Promise<void> {
  const jobs = await emulator.stripe.privacy.redactionJobs.list({ limit: 100 });
  expect(jobs.data.length).toBeGreaterThan(0);
  expect(jobs.data.filter((job) => job.status !== 'succeeded' && job.status !== 'canceled').map((job) => `${job.id} ${job.status}`)).toEqual([]);
  const customers = await emulator.stripe.customers.list({ limit: 100 });
  expect(customers.data.map((c) => c.id)).toEqual([]);
}

// One at a time: seven spawned selftests at once would starve the timing of the suite's other files.
describe('selftest names the variant the emulator was started with', () => {
  it.each(CASES)('%s', async (_name, variants) => {
    const emulator = await emulatorWith(variants);
    const dir = await tempDir();
    const jsonPath = join(dir, 'selftest.json');
    const run = await runSelftest(emulator, jsonPath);
    expect(run.code, describeRun(run)).toBe(0);
    const found = JSON.parse(readFileSync(jsonPath, 'utf8')) as SelftestJson;
    // Every variant as started (a lock refused at create has no message to read); objects settled at once; no notice.
    const lockErrors = variants.lockRefusal === 'create' ? null : variants.lockErrors;
    expect(Object.fromEntries(found.variants.map((v) => [v.variant, v.matches]))).toEqual({ ...variants, lockErrors, settleMs: '0', notice: '' });
    expect(found.documented.filter((d) => d.held !== true)).toEqual([]);
    expect(found.ok).toBe(true);
    expect(found.account).toBe('acct_emulator0000000');
    for (const key of VARIANT_KEYS) if (key !== 'lockErrors' || lockErrors !== null) expect(run.stdout).toContain(`matches ${FLAGS[key]} ${variants[key]}`);
    expect(found.observations.cleanup.left).toEqual([]);
    await expectNothingLeft(emulator);
  }, 90_000);
});

describe('selftest learns how objects settle and what Stripe notices', () => {
  const variantsOf = (found: SelftestJson) => Object.fromEntries(found.variants.map((v) => [v.variant, v]));

  it('objects processing first, then redacted within the wait, and a notice: named, with the emulator line that reproduces them', async () => {
    const emulator = await emulatorWith({}, { settleMs: 3_600_000, notice: 'Redaction jobs move to API version 2027-01-01.' });
    // The walk's first charge read is the young charge's first read, after its customer's: from
    // then on, while the selftest waits, the emulator's clock is an hour on — settled.
    const log = emulator.requests.push.bind(emulator.requests);
    let advanced = false;
    emulator.requests.push = (...entries) => {
      const count = log(...entries);
      if (!advanced && entries.some((e) => e.method === 'GET' && e.path.startsWith('/v1/charges/'))) {
        advanced = true;
        emulator.clock.advance(3601);
      }
      return count;
    };
    const jsonPath = join(await tempDir(), 'selftest.json');
    const run = await runSelftest(emulator, jsonPath, 200);
    expect(advanced).toBe(true);
    expect(run.code, describeRun(run)).toBe(0);
    const found = variantsOf(JSON.parse(readFileSync(jsonPath, 'utf8')) as SelftestJson);
    expect(found.settleMs).toMatchObject({ probed: true, copes: true, observed: expect.stringMatching(/read processing right after its job succeeded and deleted \d+ ms later/) as unknown });
    expect(Number(found.settleMs!.matches)).toBeGreaterThanOrEqual(200);
    expect(found.notice).toMatchObject({ matches: 'Redaction jobs move to API version 2027-01-01.', copes: true });
    expect(run.stdout).toMatch(/stripe-redact emulator .*--settle-ms \d+ .*--notice 'Redaction jobs move to API version 2027-01-01\.'/);
    // Never a Node warning on stderr.
    expect(run.stderr).not.toMatch(/\(node:\d+\)|Warning: /);
  }, 90_000);

  it('objects still processing after the wait: no value matches exactly, the tool copes, exit 0', async () => {
    const emulator = await emulatorWith({ youngCharges: 'redacted' }, { settleMs: 3_600_000 });
    const jsonPath = join(await tempDir(), 'selftest.json');
    const run = await runSelftest(emulator, jsonPath);
    expect(run.code, describeRun(run)).toBe(0);
    const found = variantsOf(JSON.parse(readFileSync(jsonPath, 'utf8')) as SelftestJson);
    expect(found.settleMs).toMatchObject({ matches: null, probed: true, copes: true });
    expect(found.youngCharges).toMatchObject({ matches: null, probed: true, copes: true });
    expect(run.stdout).toContain('no emulator value matches exactly; the tool copes with it');
  }, 90_000);
});

describe('selftest', () => {
  afterEach(() => emulators.forEach((e) => e.faults.reset()));

  it('refuses a live key with exit 2 before sending a request', async () => {
    const emulator = await emulatorWith(DEFAULT_VARIANTS);
    const run = await runCli(['selftest', '--api-base', emulator.url], { env: { STRIPE_API_KEY: 'sk_live_selftest' } });
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toMatch(/STRIPE_API_KEY is a live-mode key: .*test-mode key/);
    expect(emulator.requests).toEqual([]);
  });

  it('without a key and without --api-base, stops with exit 2 naming STRIPE_API_KEY', async () => {
    const run = await runCli(['selftest']);
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toContain('STRIPE_API_KEY is not set');
  });

  it('names a bad option and a --json folder that does not exist, and sends nothing', async () => {
    const emulator = await emulatorWith(DEFAULT_VARIANTS);
    const run = await runCli(['selftest', '--api-base', emulator.url, '--poll-interval-ms', '0', '--json', '/nonexistent-dir/x.json'], {
      env: { STRIPE_API_KEY: 'sk_test_selftest' },
    });
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toContain("--poll-interval-ms must be a whole number above 0; got '0'");
    expect(run.stderr).toContain('--json /nonexistent-dir/x.json: the directory /nonexistent-dir does not exist');
    expect(emulator.requests).toEqual([]);
  });

  it('exits 1 naming the documented behaviour that did not hold, and still cleans up', async () => {
    const emulator = await emulatorWith(DEFAULT_VARIANTS);
    // The first cancel (the guide's cancel of a failed job) is refused once; the cleanup's cancel goes through.
    emulator.faults.use({ method: 'POST', path: /\/cancel$/, status: 400, code: 'parameter_invalid', times: 1 });
    const run = await runCli(['selftest', '--api-base', emulator.url, '--poll-interval-ms', '20'], { env: { STRIPE_API_KEY: 'sk_test_selftest' }, timeoutMs: 60_000 });
    expect(run.code, describeRun(run)).toBe(1);
    expect(run.stdout).toMatch(/DID NOT HOLD +cancel: cancel from failed was refused \(HTTP 400, code parameter_invalid/);
    expect(run.stdout).toMatch(/- cancel did not hold/);
    await expectNothingLeft(emulator);
  }, 90_000);

  it('exits 1 when the key is refused, naming it', async () => {
    const emulator = await emulatorWith(DEFAULT_VARIANTS);
    emulator.faults.use({ path: '/v1/account', status: 401 });
    const run = await runCli(['selftest', '--api-base', emulator.url], { env: { STRIPE_API_KEY: 'sk_test_selftest' } });
    expect(run.code, describeRun(run)).toBe(1);
    expect(run.stderr).toContain('Stripe refused the API key (auth)');
  });
});
