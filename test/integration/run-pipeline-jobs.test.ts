/**
 * How the in-process pipeline drives jobs when Stripe answers unexpectedly (drive-job.ts): a job
 * Stripe no longer knows, a key refused in the middle of the run, a validate run over a blocked
 * customer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jobsOfRow } from '../helpers/cli.js';
import { SUITE_VARIANTS, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace } from '../helpers/pipeline.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const clean = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => ({ id: `cus_${prefix}${i}`, email: `${prefix}${i}@example.com` }));

async function allJobs(e: TestEmulator) {
  const jobs = [];
  for await (const job of e.stripe.privacy.redactionJobs.list({ limit: 100, expand: ['data.objects'] })) jobs.push(job);
  return jobs;
}

describe('runPipeline, jobs Stripe answers for unexpectedly', () => {
  it('forgets a job Stripe says it does not know and puts its objects in a new job', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(2) } });
    // The first look at the job is answered 404, as if it were another account's job. Here the job
    // does exist, so the new job finds the objects locked by it: a lock by a job the state no
    // longer counts as its own, which the person must resolve.
    emulator.faults.use({ method: 'GET', path: /^\/v1\/privacy\/redaction_jobs\/[^/]+$/, status: 404, code: 'resource_missing', times: 1 });
    const { rows, summary } = await pipelineWorkspace(emulator).run('email\nc0@example.com\nc1@example.com\n');
    // Refused at create (the pack, then each half alone) or created and failing validation:
    // docs/stripe.md#emulator-variants, --lock-refusal.
    expect(summary.apiCalls.byOperation['redaction_jobs.create']).toBe(SUITE_VARIANTS.lockRefusal === 'validation' ? 2 : 4);
    const jobs = await allJobs(emulator);
    const forgotten = jobs.find((j) => j.status === 'ready');
    expect(forgotten?.objects?.customers).toEqual(['cus_c0', 'cus_c1']);
    expect(rows.map((r) => [r.status, r.blocking_codes])).toEqual([
      ['needs_action', 'locked_by_other_job'],
      ['needs_action', 'locked_by_other_job'],
    ]);
    for (const row of rows) {
      expect(row.messages).toContain(forgotten?.id);
      expect(row.job_id).not.toBe(forgotten?.id);
    }
  });

  it('stops the run when the key is refused in the middle of it', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(2) } });
    emulator.faults.use({ method: 'POST', path: /^\/v1\/privacy\/redaction_jobs\/[^/]+\/run$/, status: 401 });
    await expect(pipelineWorkspace(emulator).run('email\nc0@example.com\nc1@example.com\n')).rejects.toMatchObject({ kind: 'auth' });
  });

  it('reports a failure Stripe gives for a job on its rows, with the job and the code', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(1) } });
    emulator.faults.use({ method: 'POST', path: /^\/v1\/privacy\/redaction_jobs\/[^/]+\/run$/, status: 400, code: 'parameter_invalid_empty' });
    const { rows } = await pipelineWorkspace(emulator).run('email\nc0@example.com\n');
    expect(rows[0]).toMatchObject({ status: 'failed', blocking_codes: 'parameter_invalid_empty' });
    expect(rows[0]?.messages).toMatch(new RegExp(`^${rows[0]?.job_id}: `));
  });

  it('validate mode reports a blocked customer needs_action and the others ready, and leaves no job live', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [...clean(2), { id: 'cus_open', email: 'open@example.com', payment_intents: [{ id: 'pi_open', amount: 100, currency: 'eur' }] }] },
    });
    const { rows } = await pipelineWorkspace(emulator).run('email\nc0@example.com\nopen@example.com\nc1@example.com\n', { mode: 'validate' });
    expect(rows.map((r) => [r.status, r.blocking_codes])).toEqual([
      ['ready', ''],
      ['needs_action', 'invalid_state'],
      ['ready', ''],
    ]);
    for (const row of rows) expect(jobsOfRow(row).length).toBeGreaterThan(0);
    expect((await allJobs(emulator)).map((j) => j.status)).toEqual(expect.arrayContaining(['canceled']));
    expect((await allJobs(emulator)).every((j) => j.status === 'canceled')).toBe(true);
  });
});
