/**
 * Guest checkouts through the spawned CLI: an email that no customer carries is looked up as
 * Checkout Sessions by `customer_details[email]` and the sessions are redacted as the row's objects;
 * `--no-guests` turns it off, and a later run with guests looks again where such a run confirmed
 * only "no customer".
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY_ENV, describeRun, readResults, readSummary, removeTempDirs, runCli, startCliEmulator, tempDir, writeInput, type CliEmulator } from '../helpers/cli.js';

let emulator: CliEmulator;
beforeAll(async () => {
  emulator = await startCliEmulator({
    seed: {
      customers: [{ id: 'cus_gst_member', email: 'member@example.com', name: 'Member' }],
      checkout_sessions: [
        { id: 'cs_test_gst_walkin', status: 'complete', payment_status: 'paid', customer_details: { email: 'walk-in@example.com', name: 'Walk In', phone: '+1 415 555 0101' } },
        { id: 'cs_test_gst_later', status: 'complete', payment_status: 'paid', customer_details: { email: 'later@example.com', name: 'Later' } },
        { id: 'cs_test_gst_twice_a', status: 'complete', payment_status: 'paid', customer_details: { email: 'twice@example.com', name: 'Twice' } },
        { id: 'cs_test_gst_twice_b', status: 'expired', customer_details: { email: 'twice@example.com', name: 'Twice' } },
      ],
    },
  });
});
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

const sessionLists = () => emulator.requests.filter((r) => r.method === 'GET' && r.path === '/v1/checkout/sessions').length;

describe('guest Checkout Sessions', () => {
  it('redacts the sessions of an email no customer carries, and says how they were found', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\nwalk-in@example.com\nmember@example.com\nnobody@example.com\ntwice@example.com\n');
    const out = join(dir, 'out');
    const before = sessionLists();
    const run = await runCli(['run', input, ...emulator.runArgs(out)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);

    const { rows } = readResults(out);
    expect(rows.map((r) => [r.email, r.status, r.object_ids])).toEqual([
      ['walk-in@example.com', 'redacted', 'cs_test_gst_walkin'],
      ['member@example.com', 'redacted', 'cus_gst_member'],
      ['nobody@example.com', 'not_found', ''],
      ['twice@example.com', 'redacted', 'cs_test_gst_twice_a cs_test_gst_twice_b'],
    ]);
    expect((rows[0]?.messages ?? '').split('\n')).toContain('found as guest Checkout Session of this email (no customer carries it)');
    expect(rows[3]?.messages).toContain('found as guest Checkout Sessions of this email (no customer carries it)');
    expect(rows[2]?.messages).toContain('no guest Checkout Session has it either');
    // One list call per email nobody has (walk-in, nobody, twice); none for the member's.
    expect(sessionLists() - before).toBe(3);

    const session = await emulator.stripe.checkout.sessions.retrieve('cs_test_gst_walkin');
    expect(session.customer_details).toMatchObject({ email: '[redacted]', name: '[redacted]', phone: '[redacted]' });
    expect(session).toMatchObject({ redaction: { status: 'redacted' } });
    expect(readSummary(out).apiCalls.byOperation).toMatchObject({ 'checkout.sessions.list': 3 });
  });

  it('with --no-guests leaves such an email not_found; a later run looks again, previews and redacts it', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\nlater@example.com\n');
    const state = join(dir, 'state.db');

    const before = sessionLists();
    const off = await runCli(['run', input, ...emulator.runArgs(join(dir, 'off'), state), '--no-guests'], { env: TEST_KEY_ENV });
    expect(off.code, describeRun(off)).toBe(0);
    expect(readResults(join(dir, 'off')).rows.map((r) => [r.status, r.object_ids])).toEqual([['not_found', '']]);
    expect(sessionLists()).toBe(before);
    const untouched = await emulator.stripe.checkout.sessions.retrieve('cs_test_gst_later');
    expect(untouched.customer_details?.email).toBe('later@example.com');

    // That run confirmed "no customer" only: with guests, the absence is not taken as settled.
    const plan = await runCli(['run', input, ...emulator.runArgs(join(dir, 'plan'), state), '--mode', 'plan'], { env: TEST_KEY_ENV });
    expect(plan.code, describeRun(plan)).toBe(0);
    expect(readResults(join(dir, 'plan')).rows.map((r) => [r.status, r.object_ids])).toEqual([['planned', 'cs_test_gst_later']]);

    const redact = await runCli(['run', input, ...emulator.runArgs(join(dir, 'redact'), state)], { env: TEST_KEY_ENV });
    expect(redact.code, describeRun(redact)).toBe(0);
    expect(readResults(join(dir, 'redact')).rows.map((r) => [r.status, r.object_ids])).toEqual([['redacted', 'cs_test_gst_later']]);
    expect((await emulator.stripe.checkout.sessions.retrieve('cs_test_gst_later')).customer_details?.email).toBe('[redacted]');
  });

  it('asks no more once no customer and no guest session were confirmed', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\nghost@example.com\n');
    const state = join(dir, 'state.db');
    const first = await runCli(['run', input, ...emulator.runArgs(join(dir, 'first'), state)], { env: TEST_KEY_ENV });
    expect(first.code, describeRun(first)).toBe(0);
    const before = sessionLists();
    const again = await runCli(['run', input, ...emulator.runArgs(join(dir, 'again'), state)], { env: TEST_KEY_ENV });
    expect(again.code, describeRun(again)).toBe(0);
    expect(readResults(join(dir, 'again')).rows.map((r) => r.status)).toEqual(['not_found']);
    expect(sessionLists()).toBe(before);
  });
});
