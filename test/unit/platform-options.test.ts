/** The options of a platform's run (issue 19): which account, which column, how many at once, and where each state lives. */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accountStatePath } from '../../src/cli/state-path.js';
import { parseRunConfig } from '../../src/cli/run-config.js';

const parse = (raw: Parameters<typeof parseRunConfig>[1]) => parseRunConfig('in.csv', raw, { STRIPE_API_KEY: 'sk_test_abc' }, false);
const problems = (raw: Parameters<typeof parseRunConfig>[1]) => {
  const result = parse(raw);
  return 'problems' in result ? result.problems : [];
};
const config = (raw: Parameters<typeof parseRunConfig>[1]) => {
  const result = parse(raw);
  if ('problems' in result) throw new Error(result.problems.map((p) => p.message).join('; '));
  return result.config;
};

describe('platform options', () => {
  it('takes --stripe-account as an account id, and refuses anything else naming the option', () => {
    expect(config({ stripeAccount: 'acct_1Example' }).stripeAccount).toBe('acct_1Example');
    expect(config({}).stripeAccount).toBeUndefined();
    for (const bad of ['cus_123', 'acct_', 'acct_12 3', '']) {
      expect(problems({ stripeAccount: bad })).toEqual([{ option: '--stripe-account', message: `--stripe-account must be a connected account id such as acct_1Example; got '${bad}'` }]);
    }
  });

  it('defaults --account-concurrency to 4 and takes 1 to 64', () => {
    expect(config({}).accountConcurrency).toBe(4);
    expect(config({ accountConcurrency: '1' }).accountConcurrency).toBe(1);
    expect(config({ accountConcurrency: '64' }).accountConcurrency).toBe(64);
    for (const bad of ['0', '65', '2.5', 'many']) expect(problems({ accountConcurrency: bad }).map((p) => p.option)).toEqual(['--account-concurrency']);
  });

  it('refuses --stripe-account with --account-column, and an empty --account-column', () => {
    expect(problems({ stripeAccount: 'acct_1', accountColumn: 'account' }).map((p) => p.option)).toEqual(['--account-column']);
    expect(problems({ accountColumn: ' ' }).map((p) => p.option)).toEqual(['--account-column']);
  });
});

describe('accountStatePath', () => {
  it("puts a connected account's state beside an explicit --state, named with its id before the extension", () => {
    expect(accountStatePath('states/nightly.db', 'acct_1Ab')).toBe(join(resolve('states'), 'nightly.acct_1Ab.db'));
    expect(accountStatePath('/var/lib/redact/state', 'acct_1Ab')).toBe('/var/lib/redact/state.acct_1Ab');
  });

  it("keeps the key's own account on the file given, the default state per account, and memory in memory", () => {
    expect(accountStatePath('states/nightly.db', '')).toBe('states/nightly.db');
    expect(accountStatePath(undefined, 'acct_1Ab')).toBeUndefined();
    expect(accountStatePath(':memory:', 'acct_1Ab')).toBe(':memory:');
  });
});
