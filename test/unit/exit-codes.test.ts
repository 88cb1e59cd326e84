import { describe, expect, it } from 'vitest';
import { ConfigError, GatewayError, InputFileError } from '../../src/errors.js';
import { exitCodeOf, outcomeOfEarlyExit, type CommandOutcome } from '../../src/cli/exit-codes.js';

describe('exitCodeOf: every outcome of every command → its exit code', () => {
  const table: Array<[string, CommandOutcome, number]> = [
    ['done', { kind: 'done' }, 0],
    ['usage', { kind: 'usage' }, 2],
    ['run, nothing failing', { kind: 'run', failing: [] }, 0],
    ['run, a --fail-on item', { kind: 'run', failing: ['pending'] }, 3],
    ['run interrupted by SIGINT, even with failing items', { kind: 'run', failing: ['pending'], interruptedBy: 'SIGINT' }, 130],
    ['run interrupted by SIGTERM', { kind: 'run', failing: [], interruptedBy: 'SIGTERM' }, 143],
    ['selftest held', { kind: 'selftest', held: true }, 0],
    ['selftest did not hold', { kind: 'selftest', held: false }, 1],
    ['second SIGINT', { kind: 'interrupted', signal: 'SIGINT' }, 130],
    ['second SIGTERM', { kind: 'interrupted', signal: 'SIGTERM' }, 143],
    ['failed (show of a request the state does not hold)', { kind: 'failed' }, 1],
    ['watch found people back', { kind: 'reappeared' }, 3],
    ['ConfigError', { kind: 'error', error: new ConfigError('bad', { code: 'CONFIG_X', option: '--x' }) }, 2],
    ['InputFileError', { kind: 'error', error: new InputFileError('bad file', { code: 'INPUT_EMPTY', path: 'a.csv' }) }, 2],
    ['a Stripe error', { kind: 'error', error: new GatewayError('refused', { kind: 'auth', retryable: false }) }, 1],
    ['a bug', { kind: 'error', error: new TypeError('x is undefined') }, 1],
    ['a thrown non-error', { kind: 'error', error: 'string' }, 1],
  ];
  it.each(table)('%s', (_name, outcome, code) => {
    expect(exitCodeOf(outcome)).toBe(code);
  });

  it("maps parseCommandLine's early exits: 0 (help) is done, 2 is usage", () => {
    expect(outcomeOfEarlyExit(0)).toEqual({ kind: 'done' });
    expect(outcomeOfEarlyExit(2)).toEqual({ kind: 'usage' });
  });
});
