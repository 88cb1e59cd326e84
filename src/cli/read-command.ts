/**
 * What `history` and `show` share: commander parsing with usage errors, and turning what stops
 * them into exit codes (docs/contract.md#exit-codes: 2 for a wrong command line or state name, 1 for a
 * state that cannot be read).
 */
import { stripeAccountProblem } from '../domain/account-id.js';
import { ConfigError, StripeRedactError } from '../errors.js';
import type { StateReader } from '../state/state-store.js';
import { openStateToRead } from './read-state.js';
import { TOOL } from './usage.js';
import type { CommandOutcome } from './exit-codes.js';

/** `--stripe-account` of the commands that read a state: which connected account's state. */
export const STRIPE_ACCOUNT_OPTION = ['--stripe-account <acct>', "a connected account's state: its default state, or the one beside --state FILE (FILE.acct_….db)"] as const;

/**
 * A `--stripe-account` value of a command that works on a state, checked before any file is named
 * after it (an id with a path separator must never pick a file).
 *
 * @throws {ConfigError} `CONFIG_STATE` when it is not an `acct_` id.
 */
export function checkStateAccount(stripeAccount: string | undefined): void {
  const problem = stripeAccountProblem(stripeAccount);
  if (problem !== undefined) throw new ConfigError(problem, { code: 'CONFIG_STATE', option: '--stripe-account' });
}

/**
 * Opens the state read-only, runs `read` on it, closes it; errors become a line on stderr and an
 * outcome (exit-codes.ts: a ConfigError is 2, any other error 1). `stripeAccount` (`--stripe-account`) picks a connected account's state.
 */
export function withStateToRead(statePath: string | undefined, read: (store: StateReader, path: string) => CommandOutcome, stripeAccount?: string): CommandOutcome {
  let store: StateReader | undefined;
  try {
    checkStateAccount(stripeAccount);
    const opened = openStateToRead(statePath, process.env, stripeAccount);
    store = opened.store;
    return read(opened.store, opened.path);
  } catch (error) {
    process.stderr.write(`${TOOL}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof StripeRedactError) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return { kind: 'error', error };
  } finally {
    store?.close();
  }
}
