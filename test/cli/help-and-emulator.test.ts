/**
 * The commands' help (exit 0, every flag of docs/contract.md#commands listed) and the `emulator` command as a
 * separate process that a `run` talks to, as in a CI job.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRun, SUITE_SETTLE_FLAGS, SUITE_VARIANT_FLAGS, pollUntil, readResults, removeTempDirs, runCli, spawnCli, tempDir, writeInput } from '../helpers/cli.js';

afterAll(removeTempDirs);

describe('--help', () => {
  it('run --help exits 0 and lists the flags', async () => {
    const result = await runCli(['run', '--help']);
    expect(result.code, describeRun(result)).toBe(0);
    for (const flag of [
      '--out',
      '--state',
      '--new-state',
      '--fail-on',
      '--mode',
      '--validation-behavior',
      '--column',
      '--emulator',
      '--api-base',
      '--live',
      '--max-rps',
      '--max-search-rps',
      '--log-format',
    ]) {
      expect(result.stdout, flag).toContain(flag);
    }
    expect(result.stdout).toContain('STRIPE_API_KEY');
  });

  it('emulator --help exits 0 and lists the flags', async () => {
    const result = await runCli(['emulator', '--help']);
    expect(result.code, describeRun(result)).toBe(0);
    for (const flag of [
      '--port',
      '--seed',
      '--latency-ms',
      '--validation-ms',
      '--redaction-ms',
      '--rate-limit',
      '--search-rate-limit',
      '--search-lag-ms',
      '--max-job-objects',
    ]) {
      expect(result.stdout, flag).toContain(flag);
    }
  });

  it('--help alone exits 0 and names both commands; no command exits 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code, describeRun(help)).toBe(0);
    expect(help.stdout).toContain('run');
    expect(help.stdout).toContain('emulator');
    const none = await runCli([]);
    expect(none.code, describeRun(none)).toBe(2);
  });
});

describe('stripe-redact emulator', () => {
  it('prints its URL on the first stdout line, serves a run, and stops on SIGTERM', async () => {
    const dir = await tempDir();
    const seed = join(dir, 'seed.json');
    await writeInput(dir, JSON.stringify({ customers: [{ id: 'cus_proc_a', email: 'proc@example.com', name: 'P' }] }), 'seed.json');
    const server = spawnCli(['emulator', '--port', '0', '--seed', seed, '--validation-ms', '30', '--redaction-ms', '30', ...SUITE_SETTLE_FLAGS, ...SUITE_VARIANT_FLAGS]);
    try {
      const url = await pollUntil('the emulator URL on stdout', () => /^(http:\/\/\S+)\n/.exec(server.output().stdout)?.[1]);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/_emulator/health`);
      expect(health.status).toBe(200);

      const input = await writeInput(dir, 'email\nproc@example.com\n');
      const out = join(dir, 'out');
      const run = await runCli(['run', input, '--api-base', url, '--poll-interval-ms', '20', '--out', out]);
      expect(run.code, describeRun(run)).toBe(0);
      expect(readResults(out).rows[0]).toMatchObject({ status: 'redacted', object_ids: 'cus_proc_a' });
    } finally {
      server.child.kill('SIGTERM');
    }
    const stopped = await server.result;
    expect(stopped.code, describeRun(stopped)).toBe(0);
  });
});
