/**
 * `stripe-redact run` spawned against an emulator in this process: locks refused at create or at
 * validation (docs/stripe.md#emulator-variants `--lock-refusal`), and the per-endpoint budget measured at the server.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { peakRequestsPerOperation, type EmulatorOptions } from '../../src/emulator/index.js';
import { TEST_KEY_ENV, describeRun, plainCustomers, readResults, removeTempDirs, runCli, startCliEmulator, tempDir, writeInput, type CliEmulator } from '../helpers/cli.js';

const emulators: CliEmulator[] = [];
async function emulatorWith(options: Partial<EmulatorOptions>): Promise<CliEmulator> {
  const emulator = await startCliEmulator(options);
  emulators.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});
afterAll(removeTempDirs);

describe.each(['create', 'validation'] as const)('locks under --lock-refusal %s', (lockRefusal) => {
  it('a pack of ten with one identifier a foreign job holds: nine redacted in this run, the held one needs_action naming the holder (exit 3)', async () => {
    const customers = plainCustomers('lock', 10);
    const emulator = await emulatorWith({ lockRefusal, seed: { customers } });
    const foreign = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_lock_3'] } });
    const dir = await tempDir();
    const input = await writeInput(dir, ['customer_id', ...customers.map((c) => c.id)].join('\n'));
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(3);
    const { rows } = readResults(out);
    expect(rows.map((r) => r.status)).toEqual(customers.map((c) => (c.id === 'cus_lock_3' ? 'needs_action' : 'redacted')));
    const held = rows.find((r) => r.customer_id === 'cus_lock_3');
    expect(held?.blocking_codes).toBe('locked_by_other_job');
    expect(held?.messages).toContain(`held by job ${foreign.id} that this state does not own: cancel it or let it finish`);
    expect((await emulator.stripe.privacy.redactionJobs.retrieve(foreign.id)).status).not.toMatch(/succeeded|canceled/);
  });

  it("an email and its customer's PaymentIntent in another row, with a blocker: error mode, then fix mode, settle both with the customer's job", async () => {
    const emulator = await emulatorWith({
      lockRefusal,
      seed: {
        customers: [
          {
            id: 'cus_jane',
            email: 'jane@example.com',
            payment_intents: [
              { id: 'pi_jane_paid', amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' },
              { id: 'pi_jane_open', amount: 100, currency: 'eur' },
            ],
          },
        ],
      },
    });
    const dir = await tempDir();
    const input = await writeInput(dir, 'request\njane@example.com\npi_jane_paid\n');
    const state = join(dir, 'state.db');
    const first = await runCli(['run', input, ...emulator.runArgs(join(dir, 'error'), state)], { env: TEST_KEY_ENV });
    expect(first.code, describeRun(first)).toBe(3);
    const error = readResults(join(dir, 'error')).rows;
    expect(error.map((r) => r.status)).toEqual(['needs_action', 'pending']);
    for (const row of error) expect(row.messages).not.toMatch(/another (redaction )?job|does not own/);

    const second = await runCli(['run', input, ...emulator.runArgs(join(dir, 'fix'), state), '--validation-behavior', 'fix'], { env: TEST_KEY_ENV });
    expect(second.code, describeRun(second)).toBe(0);
    const [jane, pi] = readResults(join(dir, 'fix')).rows;
    expect(jane).toMatchObject({ status: 'redacted', job_id: error[0]?.job_id });
    expect(pi).toMatchObject({ status: 'redacted', job_id: jane?.job_id });
    for (const row of [jane, pi]) expect(row?.messages).not.toMatch(/another (redaction )?job|does not own/);
  });
});

describe('the per-endpoint budget', () => {
  it('with --max-rps 50 on a live-mode run, no operation gets more than 20 requests in any second, measured at the server', async () => {
    // Stripe's live limits: 100 a second, 25 per endpoint. Emails no customer has cost a list-filter
    // confirmation and a guest Checkout Session look-up each: two operations that, at 50 a second
    // between them, would each get 25.
    const emulator = await emulatorWith({ rateLimit: 100, searchRateLimit: 20, endpointRateLimit: 25 });
    const dir = await tempDir();
    const emails = Array.from({ length: 70 }, (_, i) => `nobody.${i}@example.com`);
    const input = await writeInput(dir, ['email', ...emails].join('\n'));
    const out = join(dir, 'out');
    const run = await runCli(['run', input, ...emulator.runArgs(out), '--live', '--max-rps', '50'], { env: { STRIPE_API_KEY: 'sk_live_cli_budget' }, timeoutMs: 60_000 });
    expect(run.code, describeRun(run)).toBe(0);
    expect(readResults(out).rows.every((r) => r.status === 'not_found')).toBe(true);
    const peaks = peakRequestsPerOperation(emulator.requests);
    expect(peaks['GET /v1/customers']).toBeGreaterThanOrEqual(15);
    expect(Object.entries(peaks).filter(([, peak]) => peak > 20)).toEqual([]);
    expect(emulator.requests.filter((r) => r.status === 429)).toEqual([]);
  }, 90_000);

  it('refuses --max-endpoint-rps outside 1–25 with exit 2 naming the option, before sending anything', async () => {
    const emulator = await emulatorWith({});
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\na@example.com\n');
    for (const bad of ['0', '26', '2.5']) {
      const run = await runCli(['run', input, ...emulator.runArgs(join(dir, 'out')), '--max-endpoint-rps', bad], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(2);
      expect(run.stderr).toContain(`--max-endpoint-rps must be a whole number from 1 to 25 (Stripe's per-endpoint limit); got '${bad}'`);
    }
    expect(emulator.requests).toEqual([]);
  });
});
