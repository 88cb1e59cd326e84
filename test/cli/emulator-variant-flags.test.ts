/**
 * `stripe-redact emulator`'s variant flags (stripe-api.md §6) parsed by the spawned binary: the
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
async function spawnEmulator(flags: readonly string[]): Promise<{ stripe: Stripe; server: CliProcess }> {
  // The server lives for the whole file: give it longer than one test's worth of time to exit.
  const server = spawnCli(['emulator', '--port', '0', '--validation-ms', '20', '--redaction-ms', '20', ...flags], { timeoutMs: 300_000 });
  started.push(server);
  const url = await pollUntil('the emulator URL on stdout', () => /^(http:\/\/\S+)\n/.exec(server.output().stdout)?.[1]);
  expect(server.output().stdout.split('\n')[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return { stripe: stripeFor({ port: Number(new URL(url).port) }), server };
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
  });
});
