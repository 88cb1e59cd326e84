import { jobsOfRow } from '../helpers/cli.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SUITE_VARIANTS, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';
import { pipelineWorkspace } from '../helpers/pipeline.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const clean = (n: number, prefix = 'c') =>
  Array.from({ length: n }, (_, i) => ({ id: `cus_${prefix}${i}`, email: `${prefix}${i}@example.com` }));

async function allJobs(e: TestEmulator) {
  const jobs = [];
  for await (const job of e.stripe.privacy.redactionJobs.list({ limit: 100, expand: ['data.objects'] })) jobs.push(job);
  return jobs;
}

describe('runPipeline against the emulator', () => {
  it('splits a job whose cascade is too large until the culprit stands alone, and redacts the rest', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      maxJobObjects: 3,
      seed: {
        customers: [
          { id: 'cus_big', email: 'big@example.com', payment_intents: Array.from({ length: 4 }, () => ({ amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' })) },
          ...clean(5),
        ],
      },
    });
    const ws = pipelineWorkspace(emulator);
    const { rows, summary } = await ws.run(['id', 'cus_big', ...clean(5).map((c) => c.id)].join('\n'));
    const big = rows.find((r) => r.id === 'cus_big');
    expect(big?.status).toBe('needs_action');
    expect(big?.blocking_codes).toContain('too_many_objects');
    expect(rows.filter((r) => r.id !== 'cus_big').map((r) => r.status)).toEqual(Array(5).fill('redacted'));
    expect(summary.statuses.redacted).toBe(5);
  });

  it("pins an error on a related object to its customer with one lookup, without halving the job", async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [...clean(9), { id: 'cus_pi', email: 'pi@example.com', payment_intents: [{ id: 'pi_unconfirmed', amount: 100, currency: 'eur' }] }] },
    });
    const ws = pipelineWorkspace(emulator);
    const { rows, summary } = await ws.run(['id', ...clean(9).map((c) => c.id), 'cus_pi'].join('\n'));
    expect(rows.find((r) => r.id === 'cus_pi')).toMatchObject({ status: 'needs_action', blocking_codes: 'invalid_state' });
    expect(rows.filter((r) => r.id !== 'cus_pi').map((r) => r.status)).toEqual(Array(9).fill('redacted'));
    // One job for all ten, then one for the nine clean ones and one holding the blocked one for
    // re-validation: no bisection.
    expect(summary.apiCalls.byOperation['redaction_jobs.create']).toBe(3);
    expect((await allJobs(emulator)).filter((j) => j.status === 'failed').map((j) => j.objects?.customers)).toEqual([['cus_pi']]);
    expect(summary.apiCalls.byOperation['payment_intent.retrieve']).toBe(1);
  });

  it('looks a related object up once in a run, also when its customer is packed into a new job', async () => {
    // Under the default variants the id Stripe does not hold fails the first validation beside the
    // PaymentIntent's error; the nine others go into a new job whose validation names the same
    // PaymentIntent again. Under the helpful ones the create is refused instead: one lookup either way.
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [...clean(8), { id: 'cus_pi', email: 'pi@example.com', payment_intents: [{ id: 'pi_unconfirmed', amount: 100, currency: 'eur' }] }] },
    });
    const ws = pipelineWorkspace(emulator);
    const { rows, summary } = await ws.run(['id', ...clean(8).map((c) => c.id), 'cus_pi', 'cus_missing'].join('\n'));
    expect(rows.find((r) => r.id === 'cus_pi')).toMatchObject({ status: 'needs_action', blocking_codes: 'invalid_state' });
    expect(rows.find((r) => r.id === 'cus_missing')?.status).toBe('not_found');
    expect(rows.filter((r) => r.id?.startsWith('cus_c')).map((r) => r.status)).toEqual(Array(8).fill('redacted'));
    expect(summary.apiCalls.byOperation['payment_intent.retrieve']).toBe(1);
  });

  it("reports a lock held by a foreign job with that job's id and still redacts the other customers", async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(3) } });
    const foreign = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_c0'] } });
    await waitForJobStatus(emulator.stripe, foreign.id, 'ready');
    const ws = pipelineWorkspace(emulator);
    const { rows } = await ws.run('email\nc0@example.com\nc1@example.com\nc2@example.com\n');
    expect(rows[0]?.status).toBe('needs_action');
    expect(rows[0]?.blocking_codes).toBe('locked_by_other_job');
    expect(rows[0]?.messages).toContain(foreign.id);
    expect(rows.slice(1).map((r) => r.status)).toEqual(['redacted', 'redacted']);
    // The foreign job is left alone.
    expect((await emulator.stripe.privacy.redactionJobs.retrieve(foreign.id)).status).toBe('ready');
  });

  it("finds a foreign lock's holder on a later page of Stripe's job list, and reads no further than it must", async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [...clean(1), ...clean(120, 'x')] } });
    const foreign = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_c0'] } });
    // 120 newer jobs push the holder onto the second page (100 a page, newest first).
    for (const { id } of clean(120, 'x')) await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: [id] } });
    await waitForJobStatus(emulator.stripe, foreign.id, 'ready');
    const { rows, summary } = await pipelineWorkspace(emulator).run('id\ncus_c0\n');
    expect(rows[0]).toMatchObject({ status: 'needs_action', blocking_codes: 'locked_by_other_job' });
    expect(rows[0]?.messages).toContain(foreign.id);
    // Two pages found it; the list has no third. (A lock error that names its job needs no list.)
    expect(summary.apiCalls.byOperation['redaction_jobs.list_with_objects']).toBe(SUITE_VARIANTS.lockErrors === 'named' ? undefined : 2);
  });

  it('settles a refused validate by the status Stripe reports: a job still failed is an error for its rows, not sent again', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [{ id: 'cus_pi', email: 'pi@example.com', payment_intents: [{ id: 'pi_open', amount: 100, currency: 'eur' }] }] },
    });
    // The switch to fix goes through; its validate is refused while the job stays failed.
    emulator.faults.use({ method: 'POST', path: /\/validate$/, status: 400 });
    const { rows, summary } = await pipelineWorkspace(emulator).run('id\ncus_pi\n', { validationBehavior: 'fix' });
    expect(rows[0]).toMatchObject({ status: 'failed' });
    expect(rows[0]?.messages).toContain(rows[0]?.job_id);
    expect(summary.apiCalls.byOperation['redaction_jobs.validate']).toBe(1);
    expect((await emulator.stripe.paymentIntents.retrieve('pi_open')).status).toBe('requires_payment_method');
  });

  it('waits for its own job that locks an object, and reports that object redacted with it', async () => {
    emulator = await startTestEmulator({
      validationMs: 40,
      // The first job must still hold the PaymentIntent when the second one validates: with 40 ms a
      // loaded machine let it finish first, and the second job then met a PaymentIntent already
      // redacted (reported already_redacted — see the lead's note on that race).
      redactionMs: 1500,
      seed: {
        customers: [
          ...clean(9),
          { id: 'cus_owner', email: 'owner@example.com', payment_intents: [{ id: 'pi_owned', amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' }] },
        ],
      },
    });
    const ws = pipelineWorkspace(emulator);
    // Ten customers fill the first job; the PaymentIntent of the tenth goes into a second one.
    const { rows } = await ws.run(['id', ...clean(9).map((c) => c.id), 'cus_owner', 'pi_owned'].join('\n'));
    expect(rows.map((r) => r.status)).toEqual(Array(11).fill('redacted'));
    const owner = rows.find((r) => r.id === 'cus_owner');
    const pi = rows.find((r) => r.id === 'pi_owned');
    expect(jobsOfRow(pi)).toContain(owner?.job_id);
    expect(pi?.blocking_codes).toBe('');
  });

  it('drops an id Stripe does not know from the job and creates the job again without it', async () => {
    // A deleted customer Stripe refuses to redact (pinned: both passes of the suite must agree), with nothing left holding data.
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      deletedCustomers: 'refuse',
      seed: { customers: [...clean(2), { id: 'cus_deleted', email: 'd@example.com', deleted: true }] },
    });
    const ws = pipelineWorkspace(emulator);
    const { rows, summary } = await ws.run('id\ncus_c0\ncus_missing1\ncus_deleted\ncus_c1\n');
    expect(rows.map((r) => r.status)).toEqual(['redacted', 'not_found', 'already_redacted', 'redacted']);
    // Refused at create (one create per unknown id) or accepted and failing validation (one create
    // in all before the job without them): docs/stripe.md#emulator-variants, --unknown-ids.
    expect(summary.apiCalls.byOperation['redaction_jobs.create']).toBe(SUITE_VARIANTS.unknownIds === 'refuse' ? 3 : 2);
    const succeeded = (await allJobs(emulator)).filter((j) => j.status === 'succeeded');
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]?.objects?.customers).toEqual(['cus_c0', 'cus_c1']);
  });

  it('rides out 429s, 500s and lost answers: retried creates reuse their idempotency key, so no job is doubled', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(12) } });
    emulator.faults.use({ method: 'GET', path: '/v1/customers/search', status: 429, times: 3 });
    emulator.faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', status: 500, times: 2 });
    // Carried out, answer lost — twice for each of the two creates, past the SDK's own one retry of a
    // closed connection: only a key that stays the same across the pipeline's retries makes them a
    // replay rather than a second job.
    emulator.faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', lostResponse: true, times: 4 });
    const ws = pipelineWorkspace(emulator);
    const { rows, summary } = await ws.run(['email', ...clean(12).map((c) => c.email)].join('\n'));
    expect(rows.every((r) => r.status === 'redacted')).toBe(true);
    expect(summary.apiCalls.rateLimited).toBeGreaterThanOrEqual(1);
    const jobs = await allJobs(emulator);
    expect(jobs).toHaveLength(2);
    const carried = jobs.flatMap((j) => j.objects?.customers ?? []);
    expect(new Set(carried).size).toBe(12);
    expect(carried).toHaveLength(12);
  });

  it('finds a customer that search has not indexed yet through the list filter in auto mode, not in search mode', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, searchLagMs: 60_000 });
    await emulator.stripe.customers.create({ email: 'fresh@example.com' });
    const searchOnly = await pipelineWorkspace(emulator).run('email\nfresh@example.com\n', { lookup: 'search', mode: 'plan' });
    expect(searchOnly.rows[0]?.status).toBe('not_found');
    expect(searchOnly.rows[0]?.messages).toMatch(/search/);
    const auto = await pipelineWorkspace(emulator).run('email\nfresh@example.com\n', { lookup: 'auto' });
    expect(auto.rows[0]?.status).toBe('redacted');
    expect(auto.rows[0]?.messages).toMatch(/list filter/);
  });

  it('re-validates a failed job that was canceled from outside on the next run, and redacts it with fix', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [{ id: 'cus_open', email: 'open@example.com', payment_intents: [{ id: 'pi_open', amount: 100, currency: 'eur' }] }] },
    });
    const ws = pipelineWorkspace(emulator);
    const first = await ws.run('email\nopen@example.com\n');
    expect(first.rows[0]?.status).toBe('needs_action');
    // The poll brought the job's errors along: no separate validation error list was needed.
    expect(first.summary.apiCalls.byOperation['redaction_jobs.validation_errors']).toBeUndefined();
    const jobId = first.rows[0]?.job_id as string;
    await emulator.stripe.privacy.redactionJobs.cancel(jobId);
    await waitForJobStatus(emulator.stripe, jobId, 'canceled');

    const second = await ws.run('email\nopen@example.com\n');
    expect(second.rows[0]?.status).toBe('needs_action');
    expect(jobsOfRow(second.rows[0])).toContain(jobId);

    const third = await ws.run('email\nopen@example.com\n', { validationBehavior: 'fix' });
    expect(third.rows[0]?.status).toBe('redacted');
    expect(third.rows[0]?.fixes).toBe('canceled PaymentIntent pi_open');
    expect((await emulator.stripe.paymentIntents.retrieve('pi_open')).status).toBe('canceled');
  });

  it('validate mode reports ready and what fix would change, then cancels every job it made', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [...clean(2), { id: 'cus_sub', email: 'sub@example.com', subscriptions: [{ id: 'sub_x', items: [{ price_data: { currency: 'eur', unit_amount: '500', recurring: { interval: 'month' } } }] }] }] },
    });
    const ws = pipelineWorkspace(emulator);
    const { rows, summary } = await ws.run('email\nc0@example.com\nc1@example.com\nsub@example.com\n', { mode: 'validate', validationBehavior: 'fix' });
    expect(rows.map((r) => r.status)).toEqual(['ready', 'ready', 'ready']);
    expect(rows[2]?.fixes).toBe('would cancel subscription sub_x');
    expect((await allJobs(emulator)).every((j) => j.status === 'canceled')).toBe(true);
    expect((await emulator.stripe.customers.retrieve('cus_c0')).deleted).toBeUndefined();
    expect(summary.statuses.ready).toBe(3);

    // A redact run afterwards does the work for real.
    const redact = await ws.run('email\nc0@example.com\nc1@example.com\nsub@example.com\n', { validationBehavior: 'fix' });
    expect(redact.rows.map((r) => r.status)).toEqual(['redacted', 'redacted', 'redacted']);
  });

  it('plan mode resolves and checks ids but creates no job', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [...clean(1), { id: 'cus_gone', email: 'g@example.com', deleted: true }] } });
    const ws = pipelineWorkspace(emulator);
    const { rows, summary } = await ws.run('id\nc0@example.com\ncus_gone\ncus_nope\nnot-an-id\n', { mode: 'plan' });
    // A deleted customer is not a redacted one: a redact run would put it in a job (issue 14).
    expect(rows.map((r) => r.status)).toEqual(['planned', 'planned', 'not_found', 'invalid']);
    expect(rows[0]?.object_ids).toBe('cus_c0');
    expect(await allJobs(emulator)).toHaveLength(0);
    expect(Object.keys(summary.apiCalls.byOperation).some((op) => op.startsWith('redaction_jobs'))).toBe(false);
  });

  it('keeps emails out of the state file', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(1, 'private') } });
    const ws = pipelineWorkspace(emulator);
    await ws.run('email\nprivate0@example.com\nnobody.else@example.com\n');
    for (const file of ['state.db', 'state.db-wal']) {
      let bytes = '';
      try {
        bytes = readFileSync(join(ws.dir, file), 'latin1');
      } catch {
        continue;
      }
      expect(bytes).not.toContain('private0@example.com');
      expect(bytes).not.toContain('nobody.else');
    }
  });
});

describe('runPipeline, one customer named twice', () => {
  it('puts a customer named by email and by id in one job once', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(2) } });
    const ws = pipelineWorkspace(emulator);
    const { rows } = await ws.run('who\nc0@example.com\ncus_c0\nC0@Example.com\ncus_c1\n');
    expect(rows.map((r) => r.status)).toEqual(['redacted', 'redacted', 'redacted', 'redacted']);
    const jobs = await allJobs(emulator);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.objects?.customers).toEqual(['cus_c0', 'cus_c1']);
  });
});

describe('runPipeline, jobs canceled from outside', () => {
  it('replaces a job canceled from outside once per run, then leaves the rows pending for the next run', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(1) } });
    const e = emulator;
    const canceled = new Set<string>();
    // Run calls fail until someone has canceled that job, so each job sits `ready` until canceled
    // from outside; after that its run call reaches Stripe and is refused for the job's status.
    class UntilCanceled extends RegExp {
      override test(path: string): boolean {
        const id = /^\/v1\/privacy\/redaction_jobs\/([^/]+)\/run$/.exec(path)?.[1];
        return id !== undefined && !canceled.has(id);
      }
    }
    e.faults.use({ method: 'POST', path: new UntilCanceled('run'), status: 503 });
    const canceler = (async () => {
      for (let i = 0; i < 4000 && canceled.size < 2; i++) {
        for (const job of await allJobs(e)) {
          if (job.status === 'ready' && !canceled.has(job.id)) {
            await e.stripe.privacy.redactionJobs.cancel(job.id);
            canceled.add(job.id);
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // Retries long enough (seconds) for the canceler to act while the run call keeps failing.
    const ws = pipelineWorkspace(e, { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 1000 });
    const [{ rows }] = await Promise.all([ws.run('email\nc0@example.com\n'), canceler]);
    expect(canceled.size).toBe(2);
    expect(rows[0]?.status).toBe('pending');
    expect(rows[0]?.messages).toMatch(/canceled outside stripe-redact/);
    expect(jobsOfRow(rows[0]).sort()).toEqual([...canceled].sort());

    e.faults.reset();
    const next = await ws.run('email\nc0@example.com\n');
    expect(next.rows[0]?.status).toBe('redacted');
  });
});

describe('runPipeline, resuming a job switched to fix', () => {
  it('does not run a fix job left by an earlier run unless this run allows fix', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [{ id: 'cus_open', email: 'open@example.com', payment_intents: [{ id: 'pi_open', amount: 100, currency: 'eur' }] }] },
    });
    const ws = pipelineWorkspace(emulator);
    // The fix run gets its job to ready with fix, then every run call fails: the job is left behind.
    emulator.faults.use({ method: 'POST', path: /\/run$/, status: 503 });
    const first = await ws.run('email\nopen@example.com\n', { validationBehavior: 'fix' });
    expect(first.rows[0]?.status).toBe('failed');
    const [left] = await allJobs(emulator);
    expect(left).toMatchObject({ status: 'ready', validation_behavior: 'fix' });
    emulator.faults.reset();

    const second = await ws.run('email\nopen@example.com\n');
    expect(second.rows[0]?.status).toBe('needs_action');
    expect((await emulator.stripe.privacy.redactionJobs.retrieve(left!.id)).status).toBe('canceled');
    expect((await emulator.stripe.paymentIntents.retrieve('pi_open')).status).toBe('requires_payment_method');

    const third = await ws.run('email\nopen@example.com\n', { validationBehavior: 'fix' });
    expect(third.rows[0]?.status).toBe('redacted');
  });
});

describe('runPipeline, a twin job', () => {
  it('adopts the job a lost create made when the replayed create finds it locking the same identifiers', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(3) } });
    const ws = pipelineWorkspace(emulator);
    // An earlier run wrote a job down and sent its create; Stripe made the job, the answer was lost,
    // and the idempotency key has expired since (the emulator never saw this run's key).
    const store = openStateStore({ path: ws.statePath });
    for (const id of ['cus_c0', 'cus_c1']) {
      const key = store.emailKey(`${id.slice(4)}@example.com`);
      store.noteIdentifier(key, 'email', 'run_earlier');
      store.recordResolution(key, [{ id, type: 'customer' }]);
    }
    store.insertJob(['cus_c0', 'cus_c1'], 'error', 'run_earlier');
    store.close();
    const twin = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_c0', 'cus_c1'] } });
    // And someone else's job holds c2 alone: a lock, never a twin.
    const foreign = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_c2'] } });
    await waitForJobStatus(emulator.stripe, twin.id, 'ready');
    await waitForJobStatus(emulator.stripe, foreign.id, 'ready');

    const { rows } = await ws.run('email\nc0@example.com\nc1@example.com\nc2@example.com\n');
    expect(rows.map((r) => r.status)).toEqual(['redacted', 'redacted', 'needs_action']);
    expect((await emulator.stripe.privacy.redactionJobs.retrieve(twin.id)).status).toBe('succeeded');
    for (const row of rows.slice(0, 2)) expect(jobsOfRow(row)).toContain(twin.id);
    expect(rows[2]?.messages).toContain(foreign.id);
    expect((await emulator.stripe.privacy.redactionJobs.retrieve(foreign.id)).status).toBe('ready');
    expect((await allJobs(emulator)).filter((j) => j.status === 'succeeded').map((j) => j.id)).toEqual([twin.id]);
  });
});

describe('runPipeline, emails found on no customer', () => {
  it('does not ask again once the list filter confirmed the absence, but does after a search miss alone', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5 });
    const ws = pipelineWorkspace(emulator);
    const first = await ws.run('email\nnobody@example.com\n');
    expect(first.rows[0]?.status).toBe('not_found');
    const again = await ws.run('email\nnobody@example.com\n');
    expect(again.rows[0]).toMatchObject({ status: 'not_found', messages: first.rows[0]?.messages });
    // Nothing asked about the email: the run's only call is its read of who received data (issue 18;
    // with nothing erased, the watch has nothing to compare and reads nothing).
    expect(again.summary.apiCalls.byOperation).toEqual({ 'webhook_endpoints.list': 1 });

    const searchOnly = pipelineWorkspace(emulator);
    await searchOnly.run('email\nnobody@example.com\n', { lookup: 'search' });
    const searchedAgain = await searchOnly.run('email\nnobody@example.com\n', { lookup: 'search' });
    expect(searchedAgain.summary.apiCalls.byOperation['customers.search']).toBe(1);
  });
});

describe('runPipeline, a job Stripe takes too long over', () => {
  it('leaves it pending after --job-timeout-ms, and the next run follows the same job to the end', async () => {
    emulator = await startTestEmulator({ validationMs: 1200, redactionMs: 5, seed: { customers: clean(1) } });
    const ws = pipelineWorkspace(emulator);
    const first = await ws.run('email\nc0@example.com\n', { jobTimeoutMs: 150 });
    expect(first.rows[0]?.status).toBe('pending');
    expect(first.rows[0]?.messages).toMatch(/still validating after \d+ s; the next run follows it/);
    const jobId = first.rows[0]?.job_id;

    const second = await ws.run('email\nc0@example.com\n');
    expect(second.rows[0]).toMatchObject({ status: 'redacted', job_id: jobId });
    expect(await allJobs(emulator)).toHaveLength(1);
  });

  it('reports a customer its job redacted while no run was watching as redacted, without saying no customer has the email', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 600, seed: { customers: clean(1) } });
    const ws = pipelineWorkspace(emulator);
    const first = await ws.run('email\nc0@example.com\n', { jobTimeoutMs: 150 });
    expect(first.rows[0]?.status).toBe('pending');
    const jobId = first.rows[0]?.job_id as string;
    // Stripe finishes the job between the runs: the redacted customer no longer answers a lookup by email.
    await waitForJobStatus(emulator.stripe, jobId, 'succeeded');

    const second = await ws.run('email\nc0@example.com\n');
    expect(second.rows[0]).toMatchObject({ status: 'redacted', job_id: jobId, object_ids: 'cus_c0', messages: '' });
  });
});

describe('runPipeline, objects a redaction already took', () => {
  it("reports an object its customer's job redacted as redacted by that job, not as redacted before the tool acted", async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [{ id: 'cus_paid', email: 'paid@example.com', payment_intents: [{ id: 'pi_paid', amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' }] }] },
    });
    const ws = pipelineWorkspace(emulator);
    const first = await ws.run('id\ncus_paid\n');
    expect(first.rows[0]).toMatchObject({ status: 'redacted' });
    // The next request names the PaymentIntent that job's cascade redacted.
    const second = await ws.run('id\npi_paid\npi_elsewhere\n');
    expect(second.rows[0]).toMatchObject({ status: 'redacted', job_id: first.rows[0]?.job_id, object_ids: 'pi_paid' });
    expect(second.rows[0]?.messages).toContain(first.rows[0]?.job_id);
    expect(second.rows[1]?.status).toBe('not_found');
  });

  it('reports an object that Stripe held redacted before any job of the state as already_redacted', async () => {
    emulator = await startTestEmulator({
      validationMs: 5,
      redactionMs: 5,
      seed: { customers: [{ id: 'cus_other', email: 'other@example.com', payment_intents: [{ id: 'pi_other', amount: 100, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' }] }] },
    });
    // Another tool redacted the customer, and with it its PaymentIntent.
    const foreign = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_other'] } });
    await waitForJobStatus(emulator.stripe, foreign.id, 'ready');
    await emulator.stripe.privacy.redactionJobs.run(foreign.id);
    await waitForJobStatus(emulator.stripe, foreign.id, 'succeeded');
    const { rows } = await pipelineWorkspace(emulator).run('id\npi_other\n');
    expect(rows[0]).toMatchObject({ status: 'already_redacted', job_id: '' });
  });
});

describe('runPipeline, where search cannot be used', () => {
  it('falls back to the list filter in auto mode when the account cannot search, and never searches in list mode', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: clean(3) } });
    // What an account in a region without search gets.
    emulator.faults.use({ method: 'GET', path: '/v1/customers/search', status: 400, code: 'feature_not_available' });
    const auto = await pipelineWorkspace(emulator).run('email\nc0@example.com\nc1@example.com\nnobody@example.com\n', { mode: 'plan' });
    expect(auto.rows.map((r) => r.status)).toEqual(['planned', 'planned', 'not_found']);
    expect(auto.rows[2]?.messages).toMatch(/exact list filter/);
    expect(auto.summary.apiCalls.byOperation['customers.search']).toBe(1);

    emulator.faults.reset();
    const list = await pipelineWorkspace(emulator).run('email\nc2@example.com\n', { lookup: 'list' });
    expect(list.rows[0]?.status).toBe('redacted');
    expect(list.summary.apiCalls.byOperation['customers.search']).toBeUndefined();
  });
});
