/**
 * Locks, however Stripe refuses them (docs/stripe.md#emulator-variants `--lock-refusal`): at create, with no code
 * naming the object, or at validation with `locked_by_other_job`. A foreign lock holds back only the
 * identifier it holds; a lock of this state's own job is ours, waited for and never called another's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pipelineWorkspace } from '../helpers/pipeline.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const customers = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `cus_l${i}`, email: `l${i}@example.com` }));

describe.each(['create', 'validation'] as const)('--lock-refusal %s', (lockRefusal) => {
  it('a pack of ten with one identifier a foreign job holds: the other nine are redacted in this run, the held one needs action naming the holder', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, lockRefusal, seed: { customers: customers(10) } });
    const foreign = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_l6'] } });
    await waitForJobStatus(emulator.stripe, foreign.id, 'ready');

    const { rows } = await pipelineWorkspace(emulator).run(['id', ...customers(10).map((c) => c.id)].join('\n'));
    expect(rows.map((r) => [r.id, r.status])).toEqual(customers(10).map((c) => [c.id, c.id === 'cus_l6' ? 'needs_action' : 'redacted']));
    const held = rows.find((r) => r.id === 'cus_l6');
    expect(held).toMatchObject({ blocking_codes: 'locked_by_other_job' });
    expect(held?.messages).toContain(`held by job ${foreign.id} that this state does not own`);
    expect(held?.job_id).not.toBe(foreign.id);
    // The foreign job is left alone, and every identifier but the held one went into jobs that succeeded.
    expect((await emulator.stripe.privacy.redactionJobs.retrieve(foreign.id)).status).toBe('ready');
    const redactedBy = new Set(rows.filter((r) => r.status === 'redacted').map((r) => r.job_id as string));
    for (const id of redactedBy) expect((await emulator.stripe.privacy.redactionJobs.retrieve(id)).status).toBe('succeeded');
  });

  it("an email and, in another row, its customer's PaymentIntent settle with the customer's job: with a blocker in error mode, then in fix mode", async () => {
    emulator = await startJaneEmulator(lockRefusal, 3);
    const ws = pipelineWorkspace(emulator);
    const input = ['id', 'jane@example.com', ...customers(3).map((c) => c.id), 'pi_jane_paid'].join('\n');

    const error = await ws.run(input);
    const [janeE, , , , piE] = error.rows;
    expect(janeE).toMatchObject({ status: 'needs_action', blocking_codes: 'invalid_state' });
    expect(piE).toMatchObject({ status: 'pending', job_id: janeE?.job_id, messages: expect.stringContaining(`held by job ${janeE?.job_id} of this state`) });
    for (const row of error.rows) expect(row.messages).not.toMatch(foreignWords);
    expect(error.rows.slice(1, 4).map((r) => r.status)).toEqual(['redacted', 'redacted', 'redacted']);

    const fix = await ws.run(input, { validationBehavior: 'fix' });
    const [jane, , , , pi] = fix.rows;
    expect(jane).toMatchObject({ status: 'redacted', job_id: janeE?.job_id });
    expect(pi).toMatchObject({ status: 'redacted', job_id: jane?.job_id, blocking_codes: '' });
    for (const row of fix.rows) expect(row.messages).not.toMatch(foreignWords);
    expect((await emulator.stripe.privacy.redactionJobs.retrieve(jane?.job_id as string)).status).toBe('succeeded');
  });

  it('the PaymentIntent packed in an earlier job than its customer: the customer waits for that job of ours, never called another', async () => {
    emulator = await startJaneEmulator(lockRefusal, 10);
    const ws = pipelineWorkspace(emulator);
    // Ten identifiers fill the first job with the PaymentIntent; the customer goes into a second one.
    const input = ['id', 'pi_jane_paid', ...customers(9).map((c) => c.id), 'jane@example.com'].join('\n');
    const error = await ws.run(input);
    expect(error.rows.at(-1)).toMatchObject({ status: 'needs_action', blocking_codes: 'invalid_state' });
    for (const row of error.rows) expect(row.messages).not.toMatch(foreignWords);
    const fix = await ws.run(input, { validationBehavior: 'fix' });
    expect(fix.rows.map((r) => r.status)).toEqual(Array(11).fill('redacted'));
    for (const row of fix.rows) expect(row.messages).not.toMatch(foreignWords);
  });
});

/** Words that would call a lock another tool's: never for a job of this state. */
const foreignWords = /another (redaction )?job|does not own/;

/** Jane (a paid and an open PaymentIntent: a blocker) and `others` plain customers, under the given lock refusal. */
function startJaneEmulator(lockRefusal: 'create' | 'validation', others: number): Promise<TestEmulator> {
  return startTestEmulator({
    validationMs: 5,
    redactionMs: 5,
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
        ...customers(others),
      ],
    },
  });
}
