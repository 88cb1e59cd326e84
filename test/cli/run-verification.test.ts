/**
 * Issue 14's "done when", end to end: against a spawned `stripe-redact emulator` (its least helpful
 * settings: young charges held `validated`, deleted customers refused) with `--api-base` and a state
 * file, a young charge leaves its row `redaction_pending` (exit 0 by default, 3 with
 * `--fail-on redaction_pending`); once the emulator's clock has passed `--young-days`, a second run
 * turns the row `redacted` with `verified_at`, spending calls only on it; a third spends none.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stripeFor } from '../helpers/emulator.js';
import { CLI_TEST_KEY, describeRun, pollUntil, readResults, readSummary, removeTempDirs, runCli, spawnCli, tempDir, writeInput, type CliProcess } from '../helpers/cli.js';
import { stateArgs } from '../helpers/cli.js';

const started: CliProcess[] = [];
afterAll(async () => {
  for (const server of started) server.child.kill('SIGTERM');
  await Promise.all(started.map((server) => server.result));
  await removeTempDirs();
});

const DAY = 86_400;

const SEED = {
  customers: [
    {
      id: 'cus_cli_young',
      email: 'young.cli@example.com',
      name: 'Young',
      payment_intents: [{ id: 'pi_cli_young', amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 3 }],
    },
    {
      id: 'cus_cli_old',
      email: 'old.cli@example.com',
      name: 'Old',
      payment_intents: [{ id: 'pi_cli_old', amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 300 }],
    },
    {
      id: 'cus_cli_deleted',
      email: 'deleted.cli@example.com',
      name: 'Deleted',
      deleted: true,
      payment_intents: [{ id: 'pi_cli_deleted', amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 300 }],
    },
  ],
};

/** `stripe-redact emulator` as a person starts it: its defaults, settling at once so the test does not wait. */
async function spawnEmulator(dir: string): Promise<string> {
  const seed = join(dir, 'seed.json');
  writeFileSync(seed, JSON.stringify(SEED));
  const server = spawnCli(['emulator', '--port', '0', '--validation-ms', '20', '--redaction-ms', '20', '--settle-ms', '0', '--seed', seed], { timeoutMs: 300_000 });
  started.push(server);
  return pollUntil('the emulator URL on stdout', () => /^(http:\/\/\S+)\n/.exec(server.output().stdout)?.[1]);
}

/** Reads a redact run makes once whatever its rows: the account, who receives webhooks (issue 18), the reappearance watch's event pages. */
const RUN_WIDE_READS = ['account.retrieve', 'webhook_endpoints.list', 'events.list'];

describe('run: proof from Stripe across runs', () => {
  it('holds a young charge redaction_pending, settles it in a later run that reads only it, then reads nothing', async () => {
    const dir = await tempDir();
    const url = await spawnEmulator(dir);
    const input = await writeInput(dir, 'email\nyoung.cli@example.com\nold.cli@example.com\ncus_cli_deleted\n');
    const state = join(dir, 'state.db');
    const run = (out: string, extra: string[] = []) =>
      runCli(['run', input, '--api-base', url, ...stateArgs(state), '--out', join(dir, out), '--poll-interval-ms', '20', '--no-progress', ...extra], {
        env: { STRIPE_API_KEY: CLI_TEST_KEY },
      });

    const first = await run('out1');
    expect(first.code, describeRun(first)).toBe(0);
    const rows1 = readResults(join(dir, 'out1')).rows;
    expect(rows1.map((r) => r.status)).toEqual(['redaction_pending', 'redacted', 'redacted']);
    expect(readResults(join(dir, 'out1')).columns.at(-1)).toBe('verified_at');
    expect(rows1[0]?.verified_at).toBe('');
    expect(rows1[1]?.verified_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The deleted customer went through its objects: its payment is the row's too.
    expect(rows1[2]?.object_ids).toContain('pi_cli_deleted');
    expect(first.stderr).toMatch(/redaction_pending 1: .*run again later with the same state/);
    expect(readSummary(join(dir, 'out1')).statuses.redaction_pending).toBe(1);

    // Named in --fail-on, Stripe's schedule fails the run.
    const strict = await run('out1b', ['--fail-on', 'redaction_pending']);
    expect(strict.code, describeRun(strict)).toBe(3);

    const response = await fetch(`${url}/_emulator/clock/advance?seconds=${91 * DAY}`, { method: 'POST' });
    expect(response.status).toBe(200);
    const second = await run('out2');
    expect(second.code, describeRun(second)).toBe(0);
    const rows2 = readResults(join(dir, 'out2')).rows;
    expect(rows2.map((r) => r.status)).toEqual(['redacted', 'redacted', 'redacted']);
    expect(rows2[0]?.verified_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(rows2[1]?.verified_at).toBe(rows1[1]?.verified_at);
    // Only the pending row cost calls: its customer, read once. Beside it only the reads every run
    // makes whatever its rows: the account, the webhook endpoints, the watch's one page of events.
    const rowCalls = (out: string) =>
      Object.fromEntries(Object.entries(readSummary(join(dir, out)).apiCalls.byOperation).filter(([operation]) => !RUN_WIDE_READS.includes(operation)));
    expect(readSummary(join(dir, 'out2')).apiCalls.byOperation).toMatchObject({ 'account.retrieve': 1 });
    expect(rowCalls('out2')).toEqual({ 'verify.customers.retrieve': 1 });

    const third = await run('out3');
    expect(third.code, describeRun(third)).toBe(0);
    expect(rowCalls('out3')).toEqual({});
    expect(readResults(join(dir, 'out3')).rows.map((r) => r.status)).toEqual(['redacted', 'redacted', 'redacted']);

    // What the report says, Stripe says: the young customer's payment is redacted now.
    const stripe = stripeFor({ port: Number(new URL(url).port) });
    expect((await stripe.paymentIntents.retrieve('pi_cli_young')).redaction?.status).toBe('redacted');
    expect((await stripe.paymentIntents.retrieve('pi_cli_deleted')).redaction?.status).toBe('redacted');

    const show = await runCli(['show', 'young.cli@example.com', '--state', state]);
    expect(show.code, describeRun(show)).toBe(0);
    expect(show.stdout).toMatch(/cus_cli_young: redacted .*\n {4}Stripe stated: deleted: true \(read [^)]+\); shown redacted at /);
  });
});
