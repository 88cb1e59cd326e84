/**
 * `stripe-redact emulator`'s variant flags (docs/stripe.md#emulator-variants) parsed by the spawned binary: the
 * server it starts behaves as the flags say, a bad value is a usage error naming the flag, and the
 * first stdout line stays the bare URL.
 */
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { stripeFor } from '../helpers/emulator.js';
import { describeRun, HELPFUL_VARIANT_FLAGS, pollUntil, runCli, spawnCli, type CliProcess } from '../helpers/cli.js';
import { waitForJobStatus } from '../helpers/redaction-jobs.js';

const started: CliProcess[] = [];
afterAll(async () => {
  for (const server of started) server.child.kill('SIGTERM');
  await Promise.all(started.map((server) => server.result));
});

/** Spawn the emulator with these flags; resolves to an SDK client for it once its URL is printed. */
async function spawnEmulator(flags: readonly string[]): Promise<{ stripe: Stripe; server: CliProcess; url: string }> {
  // The server lives for the whole file: give it longer than one test's worth of time to exit.
  const server = spawnCli(['emulator', '--port', '0', '--validation-ms', '20', '--redaction-ms', '20', ...flags], { timeoutMs: 300_000 });
  started.push(server);
  const url = await pollUntil('the emulator URL on stdout', () => /^(http:\/\/\S+)\n/.exec(server.output().stdout)?.[1]);
  expect(server.output().stdout.split('\n')[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return { stripe: stripeFor({ port: Number(new URL(url).port) }), server, url };
}

async function rejection(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const DAY_SECONDS = 86_400;

/** A customer with a payment made now: its id and its charge. */
async function paidCustomer(stripe: Stripe): Promise<{ customer: string; charge: string }> {
  const customer = (await stripe.customers.create({ email: 'paid@example.com', name: 'Paid' })).id;
  const pi = await stripe.paymentIntents.create({ amount: 500, currency: 'usd', customer, payment_method: 'pm_card_visa', confirm: true, description: 'Order' });
  return { customer, charge: pi.latest_charge as string };
}

/** A job on the customer, run when it validates; resolves to the job once it succeeded or failed. */
async function runJob(stripe: Stripe, customer: string): Promise<Stripe.Privacy.RedactionJob> {
  const job = await stripe.privacy.redactionJobs.create({ objects: { customers: [customer] } });
  const validated = await waitForJobStatus(stripe, job.id, ['ready', 'failed']);
  if (validated.status === 'failed') return validated;
  await stripe.privacy.redactionJobs.run(job.id);
  return waitForJobStatus(stripe, job.id, 'succeeded');
}

/** A customer held by a ready job and a second job on it that failed; resolves to both and the lock message. */
async function lockMessage(stripe: Stripe): Promise<{ holder: string; message: string }> {
  const customer = (await stripe.customers.create({ email: 'flags@example.com' })).id;
  const holder = await stripe.privacy.redactionJobs.create({ objects: { customers: [customer] } });
  await waitForJobStatus(stripe, holder.id, 'ready');
  const locked = await stripe.privacy.redactionJobs.create({ objects: { customers: [customer] } });
  await waitForJobStatus(stripe, locked.id, 'failed');
  const [error] = (await stripe.privacy.redactionJobs.listValidationErrors(locked.id)).data;
  expect(error?.code).toBe('locked_by_other_job');
  return { holder: holder.id, message: error!.message };
}

describe('stripe-redact emulator variant flags', () => {
  it('serves the least helpful variants without flags', async () => {
    const { stripe } = await spawnEmulator([]);
    // A lock is refused at create: 400, Stripe's plain message, no code, no param.
    const customer = (await stripe.customers.create({ email: 'flags@example.com' })).id;
    const holder = await stripe.privacy.redactionJobs.create({ objects: { customers: [customer] } });
    await waitForJobStatus(stripe, holder.id, 'ready');
    const locked = await rejection(stripe.privacy.redactionJobs.create({ objects: { customers: [customer] } }));
    expect(locked).toMatchObject({ statusCode: 400, code: undefined, param: undefined });
    expect(locked.message).toContain('This object is being processed by another active job.');
    expect(locked.message).not.toContain(holder.id);
    const accepted = await stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_doesnotexist'] } });
    expect(accepted.status).toBe('validating');
    // A refused transition answers 409, with no code.
    const refused = await rejection(stripe.privacy.redactionJobs.run(accepted.id));
    expect(refused).toMatchObject({ statusCode: 409, code: undefined });
  });

  it('serves the helpful variants with --lock-errors named, --unknown-ids refuse, --transition-errors coded, --fix-listing drop', async () => {
    const { stripe } = await spawnEmulator(HELPFUL_VARIANT_FLAGS);
    expect(HELPFUL_VARIANT_FLAGS).toEqual(expect.arrayContaining(['--lock-errors', 'named', '--unknown-ids', 'refuse', '--transition-errors', 'coded']));
    expect(HELPFUL_VARIANT_FLAGS).toEqual(expect.arrayContaining(['--lock-refusal', 'validation', '--refusal-status', '400']));
    const { holder, message } = await lockMessage(stripe);
    expect(message).toContain(holder);
    const refused = await rejection(stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_doesnotexist'] } }));
    expect(refused).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'objects[customers][0]' });
    expect(await rejection(stripe.privacy.redactionJobs.validate(holder))).toMatchObject({ statusCode: 400, code: 'status_transition_invalid' });
  });

  it('refuses expand[]=validation_errors with --expand-validation-errors no', async () => {
    const { stripe } = await spawnEmulator(['--expand-validation-errors', 'no']);
    const customer = (await stripe.customers.create({ email: 'expand@example.com' })).id;
    const job = await stripe.privacy.redactionJobs.create({ objects: { customers: [customer] } });
    expect(await rejection(stripe.privacy.redactionJobs.retrieve(job.id, { expand: ['validation_errors'] }))).toMatchObject({ statusCode: 400, param: 'expand' });
  });

  it('holds young charges, refuses deleted customers and moves its clock without flags', async () => {
    const { stripe, url } = await spawnEmulator([]);
    const { customer, charge } = await paidCustomer(stripe);
    const held = await runJob(stripe, customer);
    expect(held.status).toBe('succeeded');
    expect(await stripe.charges.retrieve(charge)).toMatchObject({ redaction: { status: 'validated' } });
    expect(await stripe.customers.retrieve(customer)).toMatchObject({ redaction: { status: 'validated' } });
    const moved = await fetch(`${url}/_emulator/clock/advance?seconds=${91 * DAY_SECONDS}`, { method: 'POST' });
    expect(moved.status).toBe(200);
    expect(await stripe.charges.retrieve(charge)).toMatchObject({ redaction: { status: 'redacted' } });
    expect({ ...(await stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true });
    expect((await fetch(`${url}/_emulator/clock/advance?seconds=soon`, { method: 'POST' })).status).toBe(400);

    const deleted = await paidCustomer(stripe);
    await stripe.customers.del(deleted.customer);
    const refused = await runJob(stripe, deleted.customer);
    expect(refused.status).toBe('failed');
    const [error] = (await stripe.privacy.redactionJobs.listValidationErrors(refused.id)).data;
    expect(error).toMatchObject({ code: 'invalid_state', erroring_object: { id: deleted.customer, object_type: 'customer' } });
  });

  it('serves --settle-ms, --young-days, --young-charges and --deleted-customers as given', async () => {
    const { stripe, url } = await spawnEmulator(['--settle-ms', '0', '--young-days', '1', '--young-charges', 'validated', '--deleted-customers', 'redact']);
    const { customer, charge } = await paidCustomer(stripe);
    await stripe.customers.del(customer);
    expect((await runJob(stripe, customer)).status).toBe('succeeded');
    expect({ ...(await stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true, redaction: { status: 'validated' } });
    await fetch(`${url}/_emulator/clock/advance?seconds=${2 * DAY_SECONDS}`, { method: 'POST' });
    expect(await stripe.charges.retrieve(charge)).toMatchObject({ redaction: { status: 'redacted' }, description: '[redacted]' });
    expect({ ...(await stripe.customers.retrieve(customer)) }).toEqual({ id: customer, object: 'customer', deleted: true });

    const { stripe: unheld } = await spawnEmulator(['--settle-ms', '0', '--young-charges', 'redacted']);
    const fresh = await paidCustomer(unheld);
    expect((await runJob(unheld, fresh.customer)).status).toBe('succeeded');
    expect(await unheld.charges.retrieve(fresh.charge)).toMatchObject({ redaction: { status: 'redacted' } });
  });

  it.each([
    [['--settle-ms', '-1'], /--settle-ms.*'-1'.*integer from 0 to 86400000/],
    [['--young-days', '4000'], /--young-days.*'4000'.*integer from 0 to 3650/],
    [['--young-charges', 'held'], /--young-charges.*'held'.*validated, redacted/],
    [['--deleted-customers', 'skip'], /--deleted-customers.*'skip'.*refuse, redact/],
  ])('exits 2 naming the flag for %j', async (flags, message) => {
    const result = await runCli(['emulator', '--port', '0', ...flags]);
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('answers 429 rate_limit when one operation gets more than --endpoint-rate-limit requests in a second', async () => {
    const { stripe } = await spawnEmulator(['--endpoint-rate-limit', '3', '--rate-limit', '100']);
    const answers = await Promise.all(Array.from({ length: 5 }, () => stripe.customers.list({ limit: 1 }).then(() => 200, (e: Stripe.errors.StripeError) => `${e.statusCode} ${e.code}`)));
    expect(answers.filter((a) => a === 200)).toHaveLength(3);
    expect(answers.filter((a) => a !== 200)).toEqual(['429 rate_limit', '429 rate_limit']);
    // Another operation has a window of its own.
    expect((await stripe.customers.create({ email: 'other@example.com' })).id).toMatch(/^cus_/);
  });

  it('exits 2 naming the flag and its choices for a bad value', async () => {
    const result = await runCli(['emulator', '--port', '0', '--lock-errors', 'loud']);
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stderr).toMatch(/--lock-errors.*'loud'.*plain, named/);
    expect(result.stdout).toBe('');
  });

  it('lists every variant flag with its choices in --help', async () => {
    const result = await runCli(['emulator', '--help']);
    expect(result.code, describeRun(result)).toBe(0);
    for (const flag of ['--unknown-ids', '--transition-errors', '--lock-errors', '--fix-listing', '--expand-validation-errors', '--lock-refusal', '--refusal-status', '--endpoint-rate-limit']) {
      expect(result.stdout, flag).toContain(flag);
    }
    expect(result.stdout).toMatch(/"create",\s+"validation"/);
    expect(result.stdout).toMatch(/"409",\s+"400"/);
    expect(result.stdout).toMatch(/"accept",\s+"refuse"/);
    for (const flag of ['--settle-ms', '--young-days', '--young-charges', '--deleted-customers', '/_emulator/clock/advance']) expect(result.stdout, flag).toContain(flag);
    expect(result.stdout).toMatch(/"validated",\s+"redacted"/);
    expect(result.stdout).toMatch(/"refuse",\s+"redact"/);
  });
});
