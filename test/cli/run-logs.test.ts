/**
 * What a spawned run logs (docs/architecture.md#private-by-design, issue #3 "Operating it"): JSON lines on a
 * non-TTY stderr (from `--log-level info` on; cron-quiet runs are pinned in run-cron.test.ts) and
 * always in `<out>/stripe-redact.log`, never an email or the API key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_TEST_KEY, TEST_KEY_ENV, describeRun, removeTempDirs, runCli, startCliEmulator, tempDir, writeInput } from '../helpers/cli.js';

afterAll(removeTempDirs);

describe('stripe-redact run, logs', () => {
  it('writes JSON lines to stderr and to the log file in --out, without emails or the key', async () => {
    const emulator = await startCliEmulator({
      seed: {
        customers: [
          { id: 'cus_log_a', email: 'private.person@example.com' },
          { id: 'cus_log_b', email: 'blocked.person@example.com', payment_intents: [{ amount: 100, currency: 'eur' }] },
        ],
      },
    });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, 'email\nprivate.person@example.com\nblocked.person@example.com\nnobody.known@example.com\n');
      const run = await runCli(['run', input, ...emulator.runArgs(dir), '--log-level', 'debug'], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(3);

      const file = readFileSync(join(dir, 'stripe-redact.log'), 'utf8');
      const entries = file.trim().split('\n').map((line) => JSON.parse(line) as { message: string; level: string });
      expect(entries.map((e) => e.message)).toEqual(expect.arrayContaining(['run started', 'job created', 'stripe response', 'run finished']));
      // Not a TTY: the console gets JSON lines too (a foreign SDK hint line may precede them).
      const consoleEntries = run.stderr.split('\n').filter((line) => line.startsWith('{'));
      expect(consoleEntries.some((line) => (JSON.parse(line) as { message: string }).message === 'run finished')).toBe(true);
      for (const text of [file, run.stderr, run.stdout]) {
        expect(text).not.toMatch(/private\.person|blocked\.person|nobody\.known/);
        expect(text).not.toContain(CLI_TEST_KEY);
      }
    } finally {
      await emulator.close();
    }
  });
});
