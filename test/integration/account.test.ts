/**
 * `GET /v1/account` on the emulator (`accountId`, `--account-id`) and the gateway's
 * `retrieveAccount`, through the real SDK: what a state is bound to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEmulatorOptions } from '../../src/emulator/options.js';
import { GatewayError } from '../../src/errors.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let named: TestEmulator;
let plain: TestEmulator;

beforeAll(async () => {
  [named, plain] = await Promise.all([startTestEmulator({ accountId: 'acct_1NamedForTests' }), startTestEmulator()]);
});
afterAll(() => Promise.all([named.close(), plain.close()]));

describe('the emulator account', () => {
  it('answers GET /v1/account with the configured id, the same for test and live keys', async () => {
    const test = await named.stripe.accounts.retrieveCurrent();
    const live = await named.client({ apiKey: 'sk_live_other' }).accounts.retrieveCurrent();
    expect(test).toMatchObject({ id: 'acct_1NamedForTests', object: 'account', settings: { dashboard: { display_name: expect.any(String) } } });
    expect(live.id).toBe('acct_1NamedForTests');
  });

  it('has a fixed default id', async () => {
    expect((await plain.stripe.accounts.retrieveCurrent()).id).toBe('acct_emulator0000000');
  });

  it('refuses an account id that is not acct_ and letters or digits, naming the option', () => {
    expect(() => resolveEmulatorOptions({ accountId: 'cus_123' })).toThrow(/`accountId`.*`cus_123`/);
    expect(() => resolveEmulatorOptions({ accountId: 'acct_' })).toThrow(/`accountId`/);
    expect(() => resolveEmulatorOptions({ accountId: 'acct_a b' })).toThrow(/`accountId`/);
    expect(resolveEmulatorOptions({ accountId: 'acct_1Ok' }).accountId).toBe('acct_1Ok');
  });
});

describe('gateway.retrieveAccount', () => {
  it('reads the key’s own account in one read request', async () => {
    const { gateway, sent } = recordingGateway(named);
    expect(await gateway.retrieveAccount()).toEqual({ id: 'acct_1NamedForTests', displayName: 'stripe-redact emulator' });
    expect(sent).toEqual(['account.retrieve']);
  });

  it('maps a 403 (a restricted key without the permission) to a permission error', async () => {
    named.faults.use({ path: '/v1/account', status: 403, code: 'more_permissions_required', times: 1 });
    const { gateway } = recordingGateway(named, 'rk_test_restricted');
    const error = await gateway.retrieveAccount().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ kind: 'permission', retryable: false, status: 403 });
  });
});
