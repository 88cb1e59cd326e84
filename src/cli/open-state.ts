import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, GatewayError } from '../errors.js';
import type { Logger } from '../io/logger.js';
import { acquireStateLock } from '../state/state-lock.js';
import { openStateStore } from '../state/sqlite-state-store.js';
import type { StateAccount, StateStore } from '../state/state-store.js';
import type { StripeAccount, StripeGateway } from '../stripe/gateway.js';
import { defaultStatePath } from './state-path.js';

/** The permission `GET /v1/account` needs on a restricted key (https://docs.stripe.com/keys/restricted-api-keys). */
export const ACCOUNT_PERMISSION = 'Connect → Accounts: Read (connected_account_read)';

/** An opened state, bound to the key's account and mode, and locked for this run. */
export interface OpenedState {
  store: StateStore;
  /** Absolute path, or `:memory:`. */
  path: string;
  account: StripeAccount;
  livemode: boolean;
  /** Releases the lock file (nothing for `:memory:`). */
  release: () => void;
  /** True when this run started the state (no file was there; always for `:memory:`): it holds no history. */
  isNew: boolean;
}

const modeName = (livemode: boolean) => (livemode ? 'live mode' : 'test mode');
const describeAccount = (account: StateAccount) => `${account.accountId} (${modeName(account.livemode)})`;

/** The key's account; a 403 becomes a message naming the permission a restricted key lacks. */
async function readAccount(gateway: StripeGateway, stripeAccount: string | undefined): Promise<StripeAccount> {
  try {
    return await gateway.retrieveAccount();
  } catch (error) {
    // Stripe's answer to a Stripe-Account the key cannot act for: 403 `account_invalid`.
    if (error instanceof GatewayError && stripeAccount !== undefined && (error.stripeCode === 'account_invalid' || error.kind === 'permission')) {
      throw new GatewayError(`the key cannot act for the connected account ${stripeAccount}: Stripe answered ${error.status ?? 403}${error.stripeCode ? ` ${error.stripeCode}` : ''}: ${error.message}`, {
        kind: 'permission',
        retryable: false,
        ...(error.status !== undefined ? { status: error.status } : {}),
        ...(error.stripeCode !== undefined ? { stripeCode: error.stripeCode } : {}),
        cause: error,
      });
    }
    if (error instanceof GatewayError && error.kind === 'permission') {
      throw new GatewayError(
        `reading the key's account (GET /v1/account), which the state is bound to, needs the permission ${ACCOUNT_PERMISSION} on a restricted key: add it and run again (${error.message})`,
        { kind: 'permission', retryable: false, ...(error.status !== undefined ? { status: error.status } : {}), cause: error },
      );
    }
    throw error;
  }
}

/**
 * Reads the key's account (one `GET /v1/account`), then opens the state that belongs to it: the
 * explicit one, or the account's default one (its directory made if needed). Refuses, before
 * anything else is sent, a state bound to another account or mode (`ConfigError`, exit 2), and
 * turns a 403 on the account into a message naming the permission to add.
 */
export async function openStateForAccount(options: {
  gateway: StripeGateway;
  /** From `--state`; `undefined` for the account's default state. */
  statePath: string | undefined;
  /** The key's mode. */
  livemode: boolean;
  hashKey?: string;
  logger: Logger;
  /** `--stripe-account`: the gateway acts for this connected account; named in a refusal. */
  stripeAccount?: string;
  /**
   * Why this command never starts a state (e.g. "a watch never starts a state"): a state that does
   * not exist yet is then refused (`ConfigError` CONFIG_STATE) instead of created.
   */
  mustExist?: string;
}): Promise<OpenedState> {
  const { gateway, livemode, logger } = options;
  const explicitPath = options.statePath === undefined || options.statePath === ':memory:' ? options.statePath : resolve(options.statePath);
  // A state named on the command line is locked first, so that a second run on it stops before it
  // sends anything; the default state's name needs the account.
  let release = explicitPath === undefined || explicitPath === ':memory:' ? () => {} : acquireStateLock(explicitPath);
  let store: StateStore | undefined;
  try {
    const account = await readAccount(gateway, options.stripeAccount);
    let path: string;
    if (explicitPath === undefined) {
      path = defaultStatePath(account.id, livemode);
      // Owner only, like the state itself.
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      release = acquireStateLock(path);
    } else {
      path = explicitPath;
    }
    const isNew = path === ':memory:' || !existsSync(path);
    if (isNew && options.mustExist !== undefined) {
      throw new ConfigError(`there is no state of ${describeAccount({ accountId: account.id, livemode })} at ${path} (${options.mustExist}): run first, or name a state with --state`, {
        code: 'CONFIG_STATE',
        option: '--state',
      });
    }
    store = openStateStore({ path, ...(options.hashKey ? { hashKey: options.hashKey } : {}) });
    const current: StateAccount = { accountId: account.id, livemode };
    const binding = store.bindAccount(current);
    switch (binding.kind) {
      case 'mismatch':
        throw new ConfigError(
          `the state ${path} belongs to ${describeAccount(binding.stored)}; this key is for ${describeAccount(current)}: ${
            explicitPath === undefined ? "move that file away, it is not this account's state" : "use another --state, or leave --state out to use this account's own state"
          }`,
          { code: 'CONFIG_STATE_ACCOUNT', option: '--state' },
        );
      case 'bound':
        if (binding.earlierRuns > 0) {
          logger.warn(
            `the state held ${binding.earlierRuns} run(s) from before states recorded their account; it now belongs to ${describeAccount(current)}`,
            { state: path, account: account.id, livemode },
          );
        } else if (explicitPath === undefined) {
          // Cron's log level is warn: a default state that vanished (a new machine, a wiped home)
          // must be seen there, since every request it held now reads as new.
          logger.warn(
            `new state for ${describeAccount(current)} at ${path}: it holds no history of earlier runs; if earlier runs used another state file, pass it with --state`,
            { state: path, account: account.id, livemode },
          );
        } else {
          logger.info(`new state for ${describeAccount(current)}`, { state: path, account: account.id, livemode });
        }
        break;
      case 'kept':
        logger.info(`state of ${describeAccount(current)}`, { state: path, account: account.id, livemode });
        break;
    }
    return { store, path, account, livemode, release, isNew };
  } catch (error) {
    store?.close();
    release();
    throw error;
  }
}
