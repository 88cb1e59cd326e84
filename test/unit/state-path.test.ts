import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/cli/run-config.js';
import { defaultStateDir, defaultStatePath, explicitStateProblem } from '../../src/cli/state-path.js';

describe('defaultStateDir', () => {
  it('follows XDG_STATE_HOME when it is absolute, on any platform', () => {
    expect(defaultStateDir({ XDG_STATE_HOME: '/srv/state' }, 'linux')).toBe(join('/srv/state', 'stripe-redact'));
    expect(defaultStateDir({ XDG_STATE_HOME: '/srv/state' }, 'darwin')).toBe(join('/srv/state', 'stripe-redact'));
  });

  it('falls back to ~/.local/state on Linux, ignoring a relative XDG_STATE_HOME as the spec says', () => {
    expect(defaultStateDir({}, 'linux')).toBe(join(homedir(), '.local', 'state', 'stripe-redact'));
    expect(defaultStateDir({ XDG_STATE_HOME: 'relative/dir' }, 'linux')).toBe(join(homedir(), '.local', 'state', 'stripe-redact'));
  });
});

describe('defaultStatePath', () => {
  it('names the file for the account and mode', () => {
    const env = { XDG_STATE_HOME: '/srv/state' };
    expect(defaultStatePath('acct_123', true, env)).toBe(join('/srv/state', 'stripe-redact', 'acct_123-live.db'));
    expect(defaultStatePath('acct_123', false, env)).toBe(join('/srv/state', 'stripe-redact', 'acct_123-test.db'));
  });

  it('refuses anything but an account id as a file name', () => {
    expect(() => defaultStatePath('../../etc/x', false, {})).toThrow(/account id/);
  });
});

describe('an explicit --state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stripe-redact-state-path-'));

  it('may name an existing file, or a new one in an existing directory with --new-state', () => {
    expect(explicitStateProblem(join(dir, 'new.db'), true)).toBeUndefined();
    writeFileSync(join(dir, 'old.db'), '');
    expect(explicitStateProblem(join(dir, 'old.db'))).toBeUndefined();
    expect(explicitStateProblem(join(dir, 'old.db'), true)).toBeUndefined();
    expect(explicitStateProblem(':memory:')).toBeUndefined();
  });

  it('may not name a file that does not exist without --new-state: it names the path and the state files nearby', () => {
    writeFileSync(join(dir, 'state.db'), '');
    const problem = explicitStateProblem(join(dir, 'stat.db'));
    expect(problem).toMatch(/--state .*stat\.db: there is no state file .*stat\.db; pass --new-state to start a new state there/);
    expect(problem).toMatch(/state files in .*: .*state\.db/);
  });

  it('refuses --new-state without --state, and accepts it with one', () => {
    const env = { STRIPE_API_KEY: 'sk_test_abc' };
    const alone = parseRunConfig('in.csv', { newState: true }, env, false);
    expect('problems' in alone && alone.problems.map((p) => p.option)).toEqual(['--new-state']);
    expect('config' in parseRunConfig('in.csv', { newState: true, state: join(dir, 'fresh.db') }, env, false)).toBe(true);
  });

  it('may not name a missing directory, a directory, or a path under a file', () => {
    expect(explicitStateProblem(join(dir, 'missing', 's.db'))).toMatch(/the directory .*missing does not exist/);
    expect(explicitStateProblem(dir)).toMatch(/must name a file/);
    expect(explicitStateProblem(join(dir, 'old.db', 's.db'))).toMatch(/is not a directory/);
  });

  it('is checked with the other options, naming --state', () => {
    const result = parseRunConfig('in.csv', { state: join(dir, 'missing', 's.db'), mode: 'dry' }, { STRIPE_API_KEY: 'sk_test_abc' }, false);
    expect('problems' in result && result.problems.map((p) => p.option).sort()).toEqual(['--mode', '--state']);
  });
});
