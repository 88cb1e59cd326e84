/**
 * Issue 18, the reappearance watch through the spawned CLI: a redacted email re-created as a new
 * customer the next day (emulator clock) is in the next night's reappeared.csv with its request id,
 * once, and not the night after; a never-requested email is not; `--fail-on reappeared` and
 * `stripe-redact watch` exit 3 when someone came back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY_ENV, describeRun, readResults, readSummary, removeTempDirs, runCli, startCliEmulator, tempDir, writeInput, type CliEmulator } from '../helpers/cli.js';
import { stripeFor } from '../helpers/emulator.js';

let emulator: CliEmulator;
beforeAll(async () => {
  emulator = await startCliEmulator({
    settleMs: 0,
    seed: {
      customers: [
        { id: 'cus_back_alice', email: 'alice.back@example.com', name: 'Alice' },
        { id: 'cus_back_bob', email: 'bob.back@example.com', name: 'Bob' },
        { id: 'cus_watch_carol', email: 'carol.watch@example.com', name: 'Carol' },
      ],
    },
  });
});
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

const DAY = 86_400;
async function advanceDays(days: number): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/clock/advance?seconds=${days * DAY}`, { method: 'POST' });
  expect(response.status).toBe(200);
}

function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];
}

describe('the reappearance watch of redact runs', () => {
  it('names a redacted email re-created the next day in the next night’s reappeared.csv, once, with its request id', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state.db');
    const input = await writeInput(dir, 'request_id,email\nDSR-1,alice.back@example.com\nDSR-2,bob.back@example.com\n');
    const stripe = stripeFor(emulator);

    const night1 = await runCli(['run', input, ...emulator.runArgs(join(dir, 'night1'), state)], { env: TEST_KEY_ENV });
    expect(night1.code, describeRun(night1)).toBe(0);
    expect(readResults(join(dir, 'night1')).rows.map((r) => r.status)).toEqual(['redacted', 'redacted']);
    expect(readSummary(join(dir, 'night1')).reappeared).toBe(0);
    expect(readCsv(join(dir, 'night1', 'reappeared.csv'))).toEqual([]);

    // The next day a CRM sync writes Alice again (another case), and a stranger signs up.
    await advanceDays(1);
    const back = await stripe.customers.create({ email: 'Alice.Back@example.com', name: 'Alice again' });
    await stripe.customers.create({ email: 'never.asked@example.com' });
    await advanceDays(1);

    const night2 = await runCli(['run', input, ...emulator.runArgs(join(dir, 'night2'), state), '--fail-on', 'reappeared'], { env: TEST_KEY_ENV });
    expect(night2.code, describeRun(night2)).toBe(3);
    const found = readCsv(join(dir, 'night2', 'reappeared.csv'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ customer_id: back.id, request_id: 'DSR-1', customer_created: new Date(back.created * 1000).toISOString() });
    expect(found[0]?.request_key).toMatch(/^email:[0-9a-f]{64}$/);
    expect(found[0]?.settled_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const summary = readSummary(join(dir, 'night2'));
    expect(summary.reappeared).toBe(1);
    expect(summary.watch).toMatchObject({ source: 'events', pages: 1 });
    expect(summary.apiCalls.byOperation['events.list']).toBe(1);
    expect(night2.stderr).toContain('reappeared: 1 people came back after their erasure');
    // Never acted on: the new customer is still there, unredacted.
    expect((await stripe.customers.retrieve(back.id)) as { email?: string }).toMatchObject({ email: 'Alice.Back@example.com' });
    const html = readFileSync(join(dir, 'night2', 'report.html'), 'utf8');
    expect(html).toContain('People who came back after their erasure (1)');
    expect(html).toContain(back.id);

    // The night after: the same customer is not reported again, by a run or by watch.
    await advanceDays(1);
    await stripe.customers.update(back.id, { name: 'Alice, changed again' });
    const night3 = await runCli(['run', input, ...emulator.runArgs(join(dir, 'night3'), state), '--fail-on', 'reappeared'], { env: TEST_KEY_ENV });
    expect(night3.code, describeRun(night3)).toBe(0);
    expect(readCsv(join(dir, 'night3', 'reappeared.csv'))).toEqual([]);
    const watch = await runCli(['watch', '--state', state, '--api-base', emulator.url, '--out', join(dir, 'watch')], { env: TEST_KEY_ENV });
    expect(watch.code, describeRun(watch)).toBe(0);
    expect(watch.stderr).toContain('reappeared: 0');
  });

  it('stripe-redact watch on its own exits 3 when it finds someone, and writes reappeared.csv', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state.db');
    const input = await writeInput(dir, 'ticket,email\nT-77,carol.watch@example.com\n');
    const run = await runCli(['run', input, ...emulator.runArgs(join(dir, 'run'), state)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    await advanceDays(1);
    const carol = await stripeFor(emulator).customers.create({ email: 'carol.watch@example.com' });
    const watch = await runCli(['watch', '--state', state, '--api-base', emulator.url, '--out', join(dir, 'watch')], { env: TEST_KEY_ENV });
    expect(watch.code, describeRun(watch)).toBe(3);
    expect(readCsv(join(dir, 'watch', 'reappeared.csv'))).toEqual([
      expect.objectContaining({ customer_id: carol.id, request_id: 'T-77' }),
    ]);
    expect(watch.stderr).toContain('reappeared: 1 people came back');
    const again = await runCli(['watch', '--state', state, '--api-base', emulator.url, '--out', join(dir, 'watch2')], { env: TEST_KEY_ENV });
    expect(again.code, describeRun(again)).toBe(0);
  });

  it('watch refuses a --state file that does not exist (exit 2)', async () => {
    const dir = await tempDir();
    const watch = await runCli(['watch', '--state', join(dir, 'missing.db'), '--api-base', emulator.url, '--out', dir], { env: TEST_KEY_ENV });
    expect(watch.code, describeRun(watch)).toBe(2);
    expect(watch.stderr).toContain('no such state file');
  });
});
