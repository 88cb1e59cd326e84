/**
 * An account without redaction jobs, and a restricted key without their permission, through the
 * real SDK against the emulator (faults shaped as Stripe answers them): the gateway says so in
 * words, and sends nothing more once it has; a 404 for one job id stays what it was (that job is gone).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { explainRefusal } from '../../src/stripe/stripe-errors.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const UNRECOGNIZED = 'Unrecognized request URL (POST: /v1/privacy/redaction_jobs). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ seed: { customers: [{ id: 'cus_refusals', email: 'r@example.com' }] } });
});
afterAll(() => emulator.close());
afterEach(() => emulator.faults.reset());

const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('an account without redaction jobs', () => {
  it('a 404 on creating a job is `unavailable`, in words naming the endpoint, and nothing more is sent', async () => {
    emulator.faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', status: 404, message: UNRECOGNIZED });
    const { gateway, sent } = recordingGateway(emulator);
    const error = await caught(gateway.createJob({ customers: ['cus_refusals'] }, 'error', 'key-unavailable-1'));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ kind: 'unavailable', code: 'GATEWAY_UNAVAILABLE', status: 404, retryable: false });
    expect((error as GatewayError).message).toMatch(
      /^this account cannot use redaction jobs \(Stripe answered POST \/v1\/privacy\/redaction_jobs with HTTP 404: Unrecognized request URL/,
    );
    // Stopped: later calls of this gateway are refused unsent.
    expect(await caught(gateway.listJobs({ limit: 10 }))).toBe(error);
    expect(await caught(gateway.retrieveAccount())).toBe(error);
    expect(sent).toEqual(['redaction_jobs.create']);
    expect((await emulator.stripe.privacy.redactionJobs.list({ limit: 10 })).data).toEqual([]);
  });

  it('a 404 on listing jobs is the same', async () => {
    emulator.faults.use({ method: 'GET', path: '/v1/privacy/redaction_jobs', status: 404 });
    const { gateway } = recordingGateway(emulator);
    expect(await caught(gateway.listJobs({ limit: 10 }))).toMatchObject({ kind: 'unavailable' });
    const other = recordingGateway(emulator).gateway;
    expect(await caught(other.listJobsWithObjects({ limit: 10 }))).toMatchObject({ kind: 'unavailable' });
  });

  it('a 404 for one job id is that job gone, not the account', async () => {
    const { gateway } = recordingGateway(emulator);
    expect(await caught(gateway.retrieveJob('prj_gone'))).toMatchObject({ kind: 'not_found', status: 404 });
    expect(await caught(gateway.runJob('prj_gone', 'key-run-gone'))).toMatchObject({ kind: 'not_found' });
    // And the gateway goes on.
    expect((await gateway.retrieveAccount()).id).toBe('acct_emulator0000000');
  });

  it('a 403 on a redaction call names the permission a restricted key lacks, Write for writes and Read for reads', async () => {
    emulator.faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', status: 403, code: 'more_permissions_required', times: 1 });
    const writer = recordingGateway(emulator, 'rk_test_restricted');
    const write = await caught(writer.gateway.createJob({ customers: ['cus_refusals'] }, 'error', 'key-permission-1'));
    expect(write).toMatchObject({ kind: 'permission', status: 403 });
    expect((write as GatewayError).message).toMatch(/^the restricted key lacks the permission Privacy → Redaction jobs: Write \(Stripe refused redaction_jobs.create with HTTP 403/);
    expect(await caught(writer.gateway.retrieveAccount())).toBe(write);
    expect(writer.sent).toEqual(['redaction_jobs.create']);

    emulator.faults.use({ method: 'GET', path: /^\/v1\/privacy\/redaction_jobs\//, status: 403, times: 1 });
    const reader = recordingGateway(emulator, 'rk_test_restricted');
    const read = await caught(reader.gateway.retrieveJob('prj_any'));
    expect((read as GatewayError).message).toContain('Privacy → Redaction jobs: Read');
  });
});

describe('explainRefusal', () => {
  const refusal = (status: number, extra: Partial<ConstructorParameters<typeof GatewayError>[1]> = {}) =>
    new GatewayError('Stripe says no.', { kind: status === 403 ? 'permission' : status === 404 ? 'invalid_request' : 'invalid_request', retryable: false, status, ...extra });

  it('leaves every other refusal alone', () => {
    expect(explainRefusal(refusal(400), 'redaction_jobs.create', undefined)).toBeUndefined();
    expect(explainRefusal(refusal(404, { kind: 'not_found', stripeCode: 'resource_missing' }), 'redaction_jobs.retrieve', undefined)).toBeUndefined();
    expect(explainRefusal(refusal(403), 'customers.search', undefined)).toBeUndefined();
    expect(explainRefusal(refusal(400), 'customers.list', undefined)).toBeUndefined();
    expect(explainRefusal(new Error('not a gateway error'), 'account.retrieve', undefined)).toBeUndefined();
  });

  it('a create refused for an object slot is that object, not the account', () => {
    const slot = refusal(404, { kind: 'not_found', stripeCode: 'resource_missing', param: 'objects[customers][0]' });
    expect(explainRefusal(slot, 'redaction_jobs.create', undefined)).toBeUndefined();
  });

  it('keeps Stripe’s status, code and request id', () => {
    const explained = explainRefusal(refusal(404, { stripeCode: 'x', requestId: 'req_1' }), 'redaction_jobs.list', '2025-03-31.basil');
    expect(explained).toMatchObject({ kind: 'unavailable', status: 404, stripeCode: 'x', requestId: 'req_1' });
    expect(explained?.message).toContain('this run sent 2025-03-31.basil');
  });
});
