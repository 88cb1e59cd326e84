import { describe, expect, it } from 'vitest';
import { EMULATOR_API_KEY, failingItems, parseRunConfig } from '../../src/cli/run-config.js';

const ok = (raw: Parameters<typeof parseRunConfig>[1], env: NodeJS.ProcessEnv = { STRIPE_API_KEY: 'sk_test_abc' }, tty = false) => {
  const result = parseRunConfig('in.csv', raw, env, tty);
  if ('problems' in result) throw new Error(result.problems.map((p) => p.message).join('; '));
  return result.config;
};
const problems = (raw: Parameters<typeof parseRunConfig>[1], env: NodeJS.ProcessEnv = { STRIPE_API_KEY: 'sk_test_abc' }) => {
  const result = parseRunConfig('in.csv', raw, env, false);
  return 'problems' in result ? result.problems : [];
};

describe('parseRunConfig', () => {
  it("defaults to a full redaction with the test-mode budget and the account's own default state", () => {
    const config = ok({});
    expect(config).toMatchObject({ mode: 'redact', validationBehavior: 'error', lookup: 'auto', maxRps: 20, maxSearchRps: 15, outDir: 'output', logFormat: 'json', jobTimeoutMs: 1_800_000 });
    // Named once the key's account is known (cli/state-path.ts); the built-in emulator's stays in memory.
    expect(config.statePath).toBeUndefined();
    expect(ok({ emulator: true }).statePath).toBe(':memory:');
    expect(ok({}, undefined, true).logFormat).toBe('text');
  });

  it('stops without a key unless a target that needs none is named', () => {
    expect(problems({}, {}).map((p) => p.option)).toEqual(['STRIPE_API_KEY']);
    expect(ok({ emulator: true }, {}).apiKey).toBe(EMULATOR_API_KEY);
    expect(ok({ apiBase: 'http://127.0.0.1:9999' }, {}).target).toEqual({ kind: 'url', url: 'http://127.0.0.1:9999' });
  });

  it('leaves --encoding unset by default (strict UTF-8, a BOM decides) and reads its aliases', () => {
    expect(ok({}).encoding).toBeUndefined();
    expect(ok({ encoding: 'CP1252' }).encoding).toBe('windows-1252');
    expect(ok({ encoding: 'iso-8859-1' }).encoding).toBe('latin1');
    expect(problems({ encoding: 'utf-32' })).toEqual([{ option: '--encoding', message: "--encoding must be one of utf-8, windows-1252, latin1, utf-16le; got 'utf-32'" }]);
  });

  it('never hands a real key to the built-in emulator', () => {
    expect(ok({ emulator: true }, { STRIPE_API_KEY: 'sk_live_real' }).apiKey).toBe(EMULATOR_API_KEY);
  });

  it('requires --live for a live key and then uses the live budget', () => {
    expect(problems({}, { STRIPE_API_KEY: 'rk_live_abc' }).map((p) => p.option)).toEqual(['--live']);
    const config = ok({ live: true }, { STRIPE_API_KEY: 'sk_live_abc' });
    expect(config).toMatchObject({ livemode: true, maxRps: 50, maxSearchRps: 10 });
  });

  it('lists every bad option at once, each named', () => {
    const found = problems({ mode: 'dry', validationBehavior: 'maybe', maxRps: '0', concurrency: '2.5', apiBase: 'ftp://x', lookup: 'grep', jobTimeoutMs: '-1' });
    expect(found.map((p) => p.option).sort()).toEqual(['--api-base', '--concurrency', '--job-timeout-ms', '--lookup', '--max-rps', '--mode', '--validation-behavior']);
    expect(found.find((p) => p.option === '--mode')?.message).toMatch(/plan, validate, redact.*'dry'/);
  });

  it('refuses a budget below one request a second, which the rate budget cannot pace', () => {
    expect(problems({ maxRps: '0.5', maxSearchRps: '0.2' }).map((p) => p.message)).toEqual([
      "--max-rps must be a number from 1 to 25 (Stripe's test-mode limit); got '0.5'",
      "--max-search-rps must be a number from 1 to 20 (Stripe's search limit); got '0.2'",
    ]);
    expect(ok({ maxRps: '2.5' }).maxRps).toBe(2.5);
  });

  it('budgets each API operation at 20 a second by default in either mode, and takes --max-endpoint-rps from 1 to 25', () => {
    expect(ok({}).maxEndpointRps).toBe(20);
    expect(ok({ live: true }, { STRIPE_API_KEY: 'sk_live_abc' }).maxEndpointRps).toBe(20);
    expect(ok({ maxEndpointRps: '25' }).maxEndpointRps).toBe(25);
    expect(ok({ maxEndpointRps: '1' }).maxEndpointRps).toBe(1);
    for (const bad of ['0', '26', '2.5', 'ten', '', '-3']) {
      expect(problems({ maxEndpointRps: bad })).toEqual([
        { option: '--max-endpoint-rps', message: `--max-endpoint-rps must be a whole number from 1 to 25 (Stripe's per-endpoint limit); got '${bad}'` },
      ]);
    }
  });

  it('refuses a malformed key and two targets at once', () => {
    expect(problems({}, { STRIPE_API_KEY: 'pk_test_abc' }).map((p) => p.option)).toEqual(['STRIPE_API_KEY']);
    expect(problems({ emulator: true, apiBase: 'http://x' }).map((p) => p.option)).toEqual(['--emulator']);
  });

  it("refuses a budget above Stripe's limit for the key's mode, naming the limit, and caps search at the total", () => {
    expect(problems({ maxRps: '1e9' }).map((p) => p.message)).toEqual(["--max-rps must be a number from 1 to 25 (Stripe's test-mode limit); got '1e9'"]);
    expect(problems({ maxRps: '26' }).map((p) => p.option)).toEqual(['--max-rps']);
    expect(problems({ maxSearchRps: '21' }).map((p) => p.message)).toEqual(["--max-search-rps must be a number from 1 to 20 (Stripe's search limit); got '21'"]);
    const live = { STRIPE_API_KEY: 'rk_live_abc' };
    expect(ok({ live: true, maxRps: '100' }, live).maxRps).toBe(100);
    expect(problems({ live: true, maxRps: '101' }, live).map((p) => p.message)).toEqual(["--max-rps must be a number from 1 to 100 (Stripe's live-mode limit); got '101'"]);
    const config = ok({ maxRps: '12', maxSearchRps: '18' });
    expect(config.maxSearchRps).toBe(12);
  });

  it('bounds concurrency, poll interval and job timeout', () => {
    expect(problems({ concurrency: '1001', pollIntervalMs: '5', jobTimeoutMs: '86400001' }).map((p) => p.message)).toEqual([
      "--concurrency must be a whole number from 1 to 1000; got '1001'",
      "--poll-interval-ms must be a whole number from 10 to 300000; got '5'",
      "--job-timeout-ms must be a whole number from 1000 to 86400000; got '86400001'",
    ]);
    expect(ok({ concurrency: '1000', pollIntervalMs: '10', jobTimeoutMs: '1000' })).toMatchObject({ concurrency: 1000, pollIntervalMs: 10, jobTimeoutMs: 1000 });
  });

  it('is cron-quiet off a terminal: warnings up on stderr, info on a TTY; --quiet is errors only, without bar', () => {
    expect(ok({}).logLevel).toBe('warn');
    expect(ok({}, undefined, true)).toMatchObject({ logLevel: 'info', progress: true, quiet: false });
    expect(ok({ logLevel: 'debug' }).logLevel).toBe('debug');
    expect(ok({ quiet: true }, undefined, true)).toMatchObject({ logLevel: 'error', quiet: true, progress: false });
    expect(problems({ logLevel: 'loud' }).map((p) => p.message)).toEqual(["--log-level must be one of error, warn, info, debug; got 'loud'"]);
    expect(problems({ quiet: true, logLevel: 'info' }).map((p) => p.option)).toEqual(['--quiet']);
  });

  it('takes the statuses of exit code 3 from --fail-on, and names an unknown one', () => {
    expect(ok({}).failOn).toEqual(['needs_action', 'pending', 'failed', 'invalid']);
    expect(ok({ failOn: 'needs_action, failed' }).failOn).toEqual(['needs_action', 'failed']);
    expect(ok({ failOn: 'none' }).failOn).toEqual([]);
    const [problem] = problems({ failOn: 'needs_action,needs-action' });
    expect(problem?.option).toBe('--fail-on');
    expect(problem?.message).toMatch(/^--fail-on has unknown status 'needs-action'; use a comma list of redacted, .*, or none$/);
    expect(problems({ failOn: ',' }).map((p) => p.message)).toEqual([expect.stringMatching(/^--fail-on names no status/)]);
    expect(ok({ failOn: 'failed,overdue,new_state' }).failOn).toEqual(['failed', 'overdue', 'new_state']);
    expect(ok({ failOn: 'reappeared' }).failOn).toEqual(['reappeared']);
    expect(problems({ failOn: 'reappearing' }).map((p) => p.message)).toEqual([expect.stringMatching(/unknown status 'reappearing'.*the conditions overdue, new_state, reappeared/)]);
  });

  it('takes --excel (off by default) and --request-id-column, naming an empty one', () => {
    expect(ok({}).excel).toBe(false);
    expect(ok({}).requestIdColumn).toBeUndefined();
    expect(ok({ excel: true, requestIdColumn: 'Case Number' })).toMatchObject({ excel: true, requestIdColumn: 'Case Number' });
    expect(problems({ requestIdColumn: '  ' })).toEqual([{ option: '--request-id-column', message: '--request-id-column must name a column' }]);
  });

  it('takes --deadline (default one calendar month), --date-order, --received-column and --no-guests, naming a bad value', () => {
    expect(ok({})).toMatchObject({ deadline: { amount: 1, unit: 'm' }, guests: true });
    expect(ok({}).dateOrder).toBeUndefined();
    expect(ok({ deadline: '45d', dateOrder: 'mdy', receivedColumn: 'opened', guests: false })).toMatchObject({
      deadline: { amount: 45, unit: 'd' },
      dateOrder: 'mdy',
      receivedColumn: 'opened',
      guests: false,
    });
    expect(problems({ deadline: '45 days' })).toEqual([{ option: '--deadline', message: expect.stringMatching(/^--deadline: expected a count and a unit .*got '45 days'$/) }]);
    expect(problems({ deadline: '0d', dateOrder: 'ymd', receivedColumn: ' ' }).map((p) => p.option)).toEqual(['--received-column', '--deadline', '--date-order']);
  });
});

describe('failingItems', () => {
  const none = { statuses: {}, overdue: 0, stateIsNew: false };
  it('meets a status when a row has it, overdue when an unsettled row is past due, new_state when the run started its state', () => {
    expect(failingItems(['failed', 'overdue', 'new_state'], none)).toEqual([]);
    expect(failingItems(['failed', 'overdue', 'new_state'], { ...none, statuses: { failed: 1 } })).toEqual(['failed']);
    expect(failingItems(['failed', 'overdue', 'new_state'], { ...none, overdue: 2 })).toEqual(['overdue']);
    expect(failingItems(['failed', 'overdue', 'new_state'], { ...none, stateIsNew: true })).toEqual(['new_state']);
    expect(failingItems(['needs_action'], { ...none, statuses: { skipped: 3, needs_action: 0 } })).toEqual([]);
  });

  it("meets reappeared when the run's watch found someone, not when it found no one or did not watch", () => {
    expect(failingItems(['reappeared'], { ...none, reappeared: 1 })).toEqual(['reappeared']);
    expect(failingItems(['reappeared'], { ...none, reappeared: 0 })).toEqual([]);
    expect(failingItems(['reappeared'], { ...none, reappeared: null })).toEqual([]);
  });
});
