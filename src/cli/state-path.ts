/**
 * Where a run's state lives. By default one state per Stripe account and mode, in the user's state
 * directory, so that no choice of `--out` (a dated folder each night) starts a cron job over with an
 * empty state, and no key of another account or mode can pick up a state that is not its own.
 */
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { isAccountId } from '../domain/account-id.js';

const APP = 'stripe-redact';

/**
 * The directory default states live in:
 * - `$XDG_STATE_HOME/stripe-redact` when `XDG_STATE_HOME` is set to an absolute path (any platform);
 * - on Linux and other Unix, `~/.local/state/stripe-redact` (the XDG Base Directory default:
 *   https://specifications.freedesktop.org/basedir-spec/latest/);
 * - on macOS `~/Library/Application Support/stripe-redact`, on Windows
 *   `%LOCALAPPDATA%\stripe-redact\Data` (env-paths' data directory: these systems have no state one).
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const xdgStateHome = env.XDG_STATE_HOME?.trim();
  // The spec ignores a relative value.
  if (xdgStateHome && isAbsolute(xdgStateHome)) return join(xdgStateHome, APP);
  if (platform === 'darwin' || platform === 'win32') return envPaths(APP, { suffix: '' }).data;
  return join(homedir(), '.local', 'state', APP);
}

/** The default state file of an account and mode: `<dir>/acct_123-live.db` or `…-test.db`. */
export function defaultStatePath(accountId: string, livemode: boolean, env: NodeJS.ProcessEnv = process.env): string {
  if (!isAccountId(accountId)) throw new TypeError(`Expected an account id such as acct_1Example, got '${accountId}'`);
  return join(defaultStateDir(env), `${accountId}-${livemode ? 'live' : 'test'}.db`);
}

/**
 * The state of one account of a platform's run: the default one per account and mode (`undefined`,
 * named once the account is read); with an explicit `--state FILE`, the key's own account (`''`)
 * uses FILE and a connected account the file beside it with its id before the extension
 * (`nightly.db` → `nightly.acct_1Ab.db`); an in-memory state stays in memory.
 */
export function accountStatePath(statePath: string | undefined, account: string): string | undefined {
  if (statePath === undefined || statePath === ':memory:' || account === '') return statePath;
  const absolute = resolve(statePath);
  const extension = extname(absolute);
  return join(dirname(absolute), `${basename(absolute, extension)}.${account}${extension}`);
}

/**
 * Why an explicit `--state FILE` cannot be used, or `undefined` when it can: its directory must
 * exist, it must not be a directory, and it must exist unless `allowNew` (`--new-state`): a typo
 * must never silently become a fresh, empty state that reports last night's erasures `not_found`.
 */
export function explicitStateProblem(path: string, allowNew = false): string | undefined {
  if (path === ':memory:') return undefined;
  const absolute = resolve(path);
  const kind = (p: string): 'file' | 'directory' | 'missing' => {
    try {
      return statSync(p).isDirectory() ? 'directory' : 'file';
    } catch {
      return 'missing';
    }
  };
  if (kind(absolute) === 'directory') return `--state must name a file; ${path} is a directory`;
  const directory = dirname(absolute);
  const parent = kind(directory);
  if (parent === 'missing') return `--state ${path}: the directory ${directory} does not exist; create it first (nothing is created for you, so a typo cannot start an empty state)`;
  if (parent === 'file') return `--state ${path}: ${directory} is not a directory`;
  if (kind(absolute) === 'missing' && !allowNew) {
    const nearby = stateFilesIn(directory);
    return (
      `--state ${path}: there is no state file ${absolute}; pass --new-state to start a new state there` +
      (nearby.length > 0 ? ` (state files in ${directory}: ${nearby.join(', ')})` : ` (${directory} holds no state file)`)
    );
  }
  return undefined;
}

/** The state files (`*.db`) of a directory, by name, at most ten: what a mistyped `--state` may have meant. */
function stateFilesIn(directory: string): string[] {
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith('.db'))
      .sort()
      .slice(0, 10)
      .map((name) => basename(name));
  } catch {
    return [];
  }
}
