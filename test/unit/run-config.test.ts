import { describe, expect, it } from 'vitest';
import { EMULATOR_API_KEY, parseRunConfig } from '../../src/cli/run-config.js';

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
      "--max-rps must be a number at least 1; got '0.5'",
      "--max-search-rps must be a number at least 1; got '0.2'",
    ]);
    expect(ok({ maxRps: '2.5' }).maxRps).toBe(2.5);
  });

  it('refuses a malformed key and two targets at once', () => {
    expect(problems({}, { STRIPE_API_KEY: 'pk_test_abc' }).map((p) => p.option)).toEqual(['STRIPE_API_KEY']);
    expect(problems({ emulator: true, apiBase: 'http://x' }).map((p) => p.option)).toEqual(['--emulator']);
  });

  it('warns, without refusing, about a budget above Stripe limits, and caps search at the total', () => {
    const config = ok({ maxRps: '30', maxSearchRps: '40' });
    expect(config.warnings.join(' ')).toMatch(/above Stripe/);
    expect(config.maxSearchRps).toBe(30);
  });
});
