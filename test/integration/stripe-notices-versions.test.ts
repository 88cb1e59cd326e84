/**
 * Stripe's notices and API versions, through the real SDK against the emulator: `--notice` on every
 * response reaches the gateway's `onNotice` and never becomes a Node process warning; the emulator
 * refuses a version it does not know as Stripe refuses an invalid one, and the gateway says which
 * version it sent, which one it pins, and how to choose another.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_API_VERSION } from '../../src/emulator/index.js';
import { GatewayError } from '../../src/errors.js';
import { createStripeGateway } from '../../src/stripe/stripe-gateway.js';
import { PINNED_API_VERSION, type StripeGatewayOptions } from '../../src/stripe/stripe-client.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const NOTICE = 'API version 2026-08-26.preview will stop accepting redaction jobs on 2027-01-01.';
const OTHER_VERSION = '2026-06-24.preview';

let noisy: TestEmulator;
let versions: TestEmulator;
beforeAll(async () => {
  [noisy, versions] = await Promise.all([
    startTestEmulator({ notice: NOTICE, seed: { customers: [{ id: 'cus_notice', email: 'n@example.com' }] } }),
    startTestEmulator({ apiVersions: [EMULATOR_API_VERSION, OTHER_VERSION] }),
  ]);
});
afterAll(() => Promise.all([noisy.close(), versions.close()]));

function gatewayFor(emulator: TestEmulator, extra: Partial<StripeGatewayOptions> = {}) {
  return createStripeGateway({ apiKey: 'sk_test_versions', apiBase: emulator.url, send: (_class, _label, request) => request(), ...extra });
}

/** Process warnings emitted while `action` runs (the SDK's own handling of `Stripe-Notice`). */
async function warningsDuring(action: () => Promise<unknown>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on('warning', onWarning);
  try {
    await action();
    // process.emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}

describe('Stripe-Notice', () => {
  afterEach(() => noisy.faults.reset());

  it('the emulator sends it on every API response, errors included, and not on its own endpoints', async () => {
    const ok = await fetch(`${noisy.url}/v1/account`, { headers: { Authorization: 'Bearer sk_test_x' } });
    const missing = await fetch(`${noisy.url}/v1/customers/cus_nope`, { headers: { Authorization: 'Bearer sk_test_x' } });
    const health = await fetch(`${noisy.url}/_emulator/health`);
    expect([ok.status, missing.status]).toEqual([200, 404]);
    expect(ok.headers.get('stripe-notice')).toBe(NOTICE);
    expect(missing.headers.get('stripe-notice')).toBe(NOTICE);
    expect(health.headers.get('stripe-notice')).toBeNull();
    const quiet = await fetch(`${versions.url}/v1/account`, { headers: { Authorization: 'Bearer sk_test_x' } });
    expect(quiet.headers.get('stripe-notice')).toBeNull();
  });

  it('reaches onNotice on every response, answers and refusals alike, and is never a process warning', async () => {
    const notices: string[] = [];
    const gateway = gatewayFor(noisy, { onNotice: (notice) => notices.push(notice) });
    const warnings = await warningsDuring(async () => {
      await gateway.retrieveAccount();
      await gateway.readObject('cus_notice', 'customer', 'lookup');
      expect((await gateway.readObject('cus_nope', 'customer', 'lookup')).stated).toBe('missing');
    });
    expect(notices).toEqual([NOTICE, NOTICE, NOTICE]);
    expect(warnings).toEqual([]);
  });

  it('is dropped, not warned, by a gateway that asks for none (where the bare SDK warns)', async () => {
    expect(await warningsDuring(() => gatewayFor(noisy).retrieveAccount())).toEqual([]);
    expect(await warningsDuring(() => noisy.stripe.accounts.retrieveCurrent())).toEqual([NOTICE]);
  });
});

describe('API versions', () => {
  it('the emulator knows the version the pinned SDK sends', () => {
    expect(PINNED_API_VERSION).toBe(EMULATOR_API_VERSION);
  });

  it('the emulator refuses a version it does not know with 400 invalid_request_error naming it, and serves a request without one', async () => {
    const refused = await fetch(`${versions.url}/v1/account`, { headers: { Authorization: 'Bearer sk_test_x', 'Stripe-Version': '2099-01-01.preview' } });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('2099-01-01.preview') as unknown });
    expect(body.error.code).toBeUndefined();
    const unversioned = await fetch(`${versions.url}/v1/account`, { headers: { Authorization: 'Bearer sk_test_x' } });
    expect(unversioned.status).toBe(200);
  });

  it('sends --stripe-version when given: a server that knows only that version serves it, and refuses the pinned one', async () => {
    const otherOnly = await startTestEmulator({ apiVersions: [OTHER_VERSION] });
    try {
      expect((await gatewayFor(otherOnly, { stripeVersion: OTHER_VERSION }).retrieveAccount()).id).toBe('acct_emulator0000000');
      const pinned = await gatewayFor(otherOnly).retrieveAccount().catch((error: unknown) => error);
      expect((pinned as GatewayError).message).toContain("Stripe refused the request's API version 2026-08-26.preview (the version this tool pins)");
    } finally {
      await otherOnly.close();
    }
  });

  it('a refused version names the version sent, the pinned one and --stripe-version', async () => {
    const given = await gatewayFor(versions, { stripeVersion: '2099-01-01.preview' }).retrieveAccount().catch((error: unknown) => error);
    expect(given).toBeInstanceOf(GatewayError);
    expect(given).toMatchObject({ kind: 'invalid_request', status: 400, retryable: false });
    const message = (given as GatewayError).message;
    expect(message).toContain("Stripe refused the request's API version 2099-01-01.preview (given with --stripe-version; the version this tool pins is 2026-08-26.preview)");
    expect(message).toContain('Invalid Stripe API version: 2099-01-01.preview');
    expect(message).toContain('--stripe-version YYYY-MM-DD.name');
  });
});
