/**
 * What a spawned run does when Stripe refuses it as a whole (issue 14, "Notices and versions"):
 * an account without redaction jobs stops at once with exit 1 and its rows continue in a later run;
 * a restricted key without their permission is told which; `--stripe-version` is checked and sent,
 * and a refused version names the pinned one and the option; Stripe's notices go through the logger
 * once, never past `--quiet`; and a fatal error is printed once on stderr.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMULATOR_API_VERSION } from '../../src/emulator/index.js';
import {
  TEST_KEY_ENV,
  describeRun,
  listJobs,
  plainCustomers,
  readResults,
  pollUntil,
  removeTempDirs,
  runCli,
  spawnCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
} from '../helpers/cli.js';

afterAll(removeTempDirs);

const sent = (emulator: CliEmulator) => emulator.requests.map((r) => `${r.method} ${r.path}`);
const count = (text: string, part: string) => text.split(part).length - 1;
/** Lines of stderr that are JSON log entries (a foreign SDK hint line may precede them). */
const jsonLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
const logEntries = (dir: string) =>
  readFileSync(join(dir, 'stripe-redact.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('an account that cannot use redaction jobs', () => {
  it('stops at the first 404 on creating a job (exit 1, said once, nothing more sent); a later run redacts the rows', async () => {
    const customers = plainCustomers('nojobs', 12);
    const emulator = await startCliEmulator({ seed: { customers } });
    try {
      emulator.faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', status: 404, message: 'Unrecognized request URL (POST: /v1/privacy/redaction_jobs).' });
      const dir = await tempDir();
      const input = await writeInput(dir, ['email', ...customers.map((c) => c.email)].join('\n'));
      const state = join(dir, 'state.db');
      for (const quiet of [[], ['--quiet']]) {
        emulator.requests.length = 0;
        const run = await runCli(['run', input, ...emulator.runArgs(join(dir, `out${quiet.length}`), state), ...quiet], { env: TEST_KEY_ENV });
        expect(run.code, describeRun(run)).toBe(1);
        expect(count(run.stderr, 'this account cannot use redaction jobs (Stripe answered POST /v1/privacy/redaction_jobs with HTTP 404: Unrecognized request URL')).toBe(1);
        // Printed once, as a line: not a second time as a JSON log entry.
        expect(jsonLines(run.stderr).filter((entry) => entry.message === 'run aborted')).toEqual([]);
        // The log file keeps it.
        expect(logEntries(join(dir, `out${quiet.length}`)).filter((e) => e.message === 'run aborted')).toMatchObject([{ code: 'GATEWAY_UNAVAILABLE' }]);
        // Stopped at once: the creates of its two packs (sent together) are the last redaction calls;
        // no job is polled, validated or listed, and no create is retried.
        const redactionCalls = sent(emulator).filter((request) => request.includes('/v1/privacy/'));
        expect(redactionCalls.length).toBeGreaterThan(0);
        expect(redactionCalls.length).toBeLessThanOrEqual(2);
        expect(new Set(redactionCalls)).toEqual(new Set(['POST /v1/privacy/redaction_jobs']));
        expect(emulator.requests.filter((r) => r.path.includes('/v1/privacy/')).every((r) => r.status === 404)).toBe(true);
      }

      emulator.faults.reset();
      const later = await runCli(['run', input, ...emulator.runArgs(join(dir, 'later'), state)], { env: TEST_KEY_ENV });
      expect(later.code, describeRun(later)).toBe(0);
      expect(readResults(join(dir, 'later')).rows.map((r) => r.status)).toEqual(Array(12).fill('redacted'));
      expect(await listJobs(emulator.stripe)).toHaveLength(2);
    } finally {
      await emulator.close();
    }
  });

  it('a restricted key without the redaction jobs permission is told which (exit 1)', async () => {
    const emulator = await startCliEmulator({ seed: { customers: plainCustomers('rk', 1) } });
    try {
      emulator.faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', status: 403, code: 'more_permissions_required' });
      const dir = await tempDir();
      const input = await writeInput(dir, 'email\nrk.0@example.com\n');
      const run = await runCli(['run', input, ...emulator.runArgs(dir)], { env: { STRIPE_API_KEY: 'rk_test_restricted' } });
      expect(run.code, describeRun(run)).toBe(1);
      expect(count(run.stderr, 'the restricted key lacks the permission Privacy → Redaction jobs: Write')).toBe(1);
    } finally {
      await emulator.close();
    }
  });
});

describe('--stripe-version', () => {
  it('a malformed version is a usage error naming the option; nothing is sent', async () => {
    const emulator = await startCliEmulator();
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, 'email\na@example.com\n');
      const run = await runCli(['run', input, ...emulator.runArgs(dir), '--stripe-version', 'latest'], { env: TEST_KEY_ENV });
      expect(run.code, describeRun(run)).toBe(2);
      expect(run.stderr).toContain("--stripe-version must be a Stripe API version such as 2026-08-26.preview");
      expect(emulator.requests).toEqual([]);
    } finally {
      await emulator.close();
    }
  });

  it('is sent; a version Stripe refuses stops the run after the account read, naming it, the pinned one and the option', async () => {
    const emulator = await startCliEmulator({ apiVersions: [EMULATOR_API_VERSION, '2026-06-24.preview'], seed: { customers: plainCustomers('ver', 1) } });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, 'email\nver.0@example.com\n');
      const refused = await runCli(['run', input, ...emulator.runArgs(join(dir, 'refused')), '--stripe-version', '2099-01-01.preview', '--quiet'], { env: TEST_KEY_ENV });
      expect(refused.code, describeRun(refused)).toBe(1);
      expect(count(refused.stderr, "Stripe refused the request's API version 2099-01-01.preview (given with --stripe-version; the version this tool pins is 2026-08-26.preview)")).toBe(1);
      expect(sent(emulator)).toEqual(['GET /v1/account']);

      const accepted = await runCli(['run', input, ...emulator.runArgs(join(dir, 'accepted')), '--stripe-version', '2026-06-24.preview'], { env: TEST_KEY_ENV });
      expect(accepted.code, describeRun(accepted)).toBe(0);
      expect(readResults(join(dir, 'accepted')).rows.map((r) => r.status)).toEqual(['redacted']);
    } finally {
      await emulator.close();
    }
  });
});

describe("Stripe's notices", () => {
  const NOTICE = 'This API version is deprecated; see https://docs.stripe.com/upgrades.';

  it('go through the logger once per run at warn (stderr and the log file), never as a process warning; --quiet keeps them off stderr', async () => {
    const emulator = await startCliEmulator({ notice: NOTICE, seed: { customers: plainCustomers('notice', 3) } });
    try {
      const dir = await tempDir();
      const input = await writeInput(dir, 'email\nnotice.0@example.com\nnotice.1@example.com\nnotice.2@example.com\n');
      const plain = await runCli(['run', input, ...emulator.runArgs(join(dir, 'plain'))], { env: TEST_KEY_ENV });
      expect(plain.code, describeRun(plain)).toBe(0);
      expect(emulator.requests.length).toBeGreaterThan(3);
      expect(count(plain.stderr, NOTICE)).toBe(1);
      expect(jsonLines(plain.stderr).filter((e) => e.notice === NOTICE)).toMatchObject([{ level: 'warn', message: 'Stripe sent a notice' }]);
      expect(plain.stderr).not.toMatch(/\(node:\d+\)|Warning: /);
      expect(logEntries(join(dir, 'plain')).filter((e) => e.notice === NOTICE)).toHaveLength(1);

      const quiet = await runCli(['run', input, ...emulator.runArgs(join(dir, 'quiet')), '--quiet'], { env: TEST_KEY_ENV });
      expect(quiet.code, describeRun(quiet)).toBe(0);
      expect(quiet.stderr).not.toContain(NOTICE);
      expect(quiet.stderr).not.toMatch(/\(node:\d+\)|Warning: /);
      expect(logEntries(join(dir, 'quiet')).filter((e) => e.notice === NOTICE)).toMatchObject([{ level: 'warn' }]);
    } finally {
      await emulator.close();
    }
  });

  it('stripe-redact emulator --notice TEXT sends it on every API response', async () => {
    const server = spawnCli(['emulator', '--port', '0', '--notice', NOTICE]);
    try {
      const url = await pollUntil('the emulator URL on stdout', () => /^(http:\/\/\S+)\n/.exec(server.output().stdout)?.[1]);
      for (const path of ['/v1/account', '/v1/customers/cus_missing']) {
        const answer = await fetch(`${url}${path}`, { headers: { Authorization: 'Bearer sk_test_x' } });
        expect(answer.headers.get('stripe-notice')).toBe(NOTICE);
      }
    } finally {
      server.child.kill('SIGTERM');
    }
    expect((await server.result).code).toBe(0);
  });
});
