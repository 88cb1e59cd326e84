/**
 * Which state `history` and `show` read, and opening it for reading only. Without `--state` they
 * read the default state (state-path.ts) — one per account and mode — without asking Stripe which
 * account a key belongs to: the people who ask "did we get this request?" often hold no API key,
 * and a lookup in the state needs none. When the state directory holds the states of several
 * accounts or modes, the command names them and asks for `--state`.
 */
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError, StateStoreError } from '../errors.js';
import { openStateReadOnly } from '../state/sqlite-state-store.js';
import type { StateReader } from '../state/state-store.js';
import { accountStatePath, defaultStateDir } from './state-path.js';

/** Default state files as state-path.ts names them: `acct_…-live.db`, `acct_…-test.db`. */
const DEFAULT_STATE_NAME = /^acct_[A-Za-z0-9]+-(live|test)\.db$/;

/** The default states in the state directory, sorted by name. */
export function listDefaultStates(env: NodeJS.ProcessEnv = process.env): string[] {
  const directory = defaultStateDir(env);
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names.filter((name) => DEFAULT_STATE_NAME.test(name)).sort().map((name) => join(directory, name));
}

/**
 * The state file to read: `--state` as given, else the only default state.
 *
 * @throws {ConfigError} `CONFIG_STATE` when there is no default state, or several.
 */
export function chooseStateToRead(statePath: string | undefined, env: NodeJS.ProcessEnv = process.env, stripeAccount?: string): string {
  // `--stripe-account`: the connected account's state — beside an explicit platform state, or its
  // own default state(s) in the state directory.
  if (stripeAccount !== undefined && statePath !== undefined) return accountStatePath(statePath, stripeAccount) as string;
  if (statePath !== undefined) return resolve(statePath);
  const states = listDefaultStates(env).filter((path) => stripeAccount === undefined || basename(path).startsWith(`${stripeAccount}-`));
  if (states.length === 1) return states[0] as string;
  const directory = defaultStateDir(env);
  if (stripeAccount !== undefined && states.length === 0) {
    throw new ConfigError(`no state of ${stripeAccount} in ${directory}: no run has acted for that account on this machine with the default state; name a state file with --state`, {
      code: 'CONFIG_STATE',
      option: '--stripe-account',
    });
  }
  if (states.length === 0) {
    throw new ConfigError(
      `no state in ${directory}: no run has used the default state on this machine (runs on the built-in emulator, such as npm start or run --emulator, keep their state in memory only, so nothing is left to show); name a state file with --state`,
      {
        code: 'CONFIG_STATE',
        option: '--state',
      },
    );
  }
  throw new ConfigError(`${directory} holds the states of ${states.length} accounts or modes: name one with --state, or an account with --stripe-account (${states.join(', ')})`, {
    code: 'CONFIG_STATE',
    option: '--state',
  });
}

/**
 * Opens the chosen state read-only; `STRIPE_REDACT_HASH_KEY` overrides its stored hashing key, as
 * for `run`. A missing file is the user's to fix (`ConfigError`); an unreadable one stays a
 * `StateStoreError`.
 */
export function openStateToRead(statePath: string | undefined, env: NodeJS.ProcessEnv = process.env, stripeAccount?: string): { store: StateReader; path: string } {
  const path = chooseStateToRead(statePath, env, stripeAccount);
  try {
    const hashKey = env.STRIPE_REDACT_HASH_KEY;
    return { store: openStateReadOnly({ path, ...(hashKey ? { hashKey } : {}) }), path };
  } catch (error) {
    if (error instanceof StateStoreError && error.code === 'STATE_MISSING') {
      throw new ConfigError(`--state ${path}: there is no such state file`, { code: 'CONFIG_STATE', option: '--state', cause: error });
    }
    throw error;
  }
}
