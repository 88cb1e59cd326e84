/** A state belongs to one Stripe account and mode: bound at first use, checked at every later one. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/sqlite-state-store.js';

const statePath = () => join(mkdtempSync(join(tmpdir(), 'stripe-redact-identity-')), 'state.db');
const A_TEST = { accountId: 'acct_A', livemode: false };

describe('the state’s account', () => {
  it('is bound at first use and kept on every later open with the same account and mode', () => {
    const path = statePath();
    const first = openStateStore({ path });
    expect(first.account()).toBeUndefined();
    expect(first.bindAccount(A_TEST)).toEqual({ kind: 'bound', account: A_TEST, earlierRuns: 0 });
    first.close();
    const again = openStateStore({ path });
    expect(again.account()).toEqual(A_TEST);
    expect(again.bindAccount({ ...A_TEST })).toEqual({ kind: 'kept', account: A_TEST });
    again.close();
  });

  it('refuses another account, or the same account in the other mode, and writes nothing', () => {
    const store = openStateStore({ path: ':memory:' });
    store.bindAccount(A_TEST);
    expect(store.bindAccount({ accountId: 'acct_B', livemode: false })).toEqual({
      kind: 'mismatch',
      stored: A_TEST,
      current: { accountId: 'acct_B', livemode: false },
    });
    expect(store.bindAccount({ accountId: 'acct_A', livemode: true })).toMatchObject({ kind: 'mismatch', stored: A_TEST });
    expect(store.account()).toEqual(A_TEST);
    store.close();
  });

  it('binds a state written before states had an account, and says how many runs it already held', () => {
    const path = statePath();
    const old = openStateStore({ path });
    old.startRun('redact', 'requests.csv');
    old.startRun('redact', 'requests.csv');
    old.close();
    // What a state of the previous release holds: its meta has no account rows at all.
    const db = new Database(path);
    expect(db.prepare("SELECT COUNT(*) AS n FROM meta WHERE key IN ('account_id','livemode')").get()).toEqual({ n: 0 });
    db.close();
    const store = openStateStore({ path });
    expect(store.bindAccount({ accountId: 'acct_A', livemode: true })).toEqual({
      kind: 'bound',
      account: { accountId: 'acct_A', livemode: true },
      earlierRuns: 2,
    });
    expect(store.account()).toEqual({ accountId: 'acct_A', livemode: true });
    store.close();
  });

  it('does not create a missing directory: a mistyped path is an error, not a fresh state', () => {
    const missing = join(statePath(), '..', 'no-such-dir', 'state.db');
    expect(() => openStateStore({ path: missing })).toThrow(/cannot open the state file .*no-such-dir/);
  });
});
