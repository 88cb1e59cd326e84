/**
 * One run per state, with a lock the kernel releases (issue #8): a run killed with SIGKILL whose
 * parent never reaps it — a zombie, as under a supervisor or a container init that reaps late —
 * does not lock out the next run; a second live run is refused with exit 1 naming the state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  CLI_PATH,
  REPO_ROOT,
  TEST_KEY_ENV,
  childEnv,
  describeRun,
  listJobs,
  plainCustomers,
  pollUntil,
  readResults,
  removeTempDirs,
  runCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
} from '../helpers/cli.js';

const customers = plainCustomers('zombie', 20);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(removeTempDirs);

/** `State:` of /proc/PID/status: `Z` for a zombie, undefined once the pid is gone. */
function processState(pid: number): string | undefined {
  try {
    return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

describe('stripe-redact run, the state lock', () => {
  it('a run killed into a zombie (its parent never reaps it) leaves the state free: the next run starts and finishes', async () => {
    // Validation waits (settings are live) until the first run is killed, so it surely holds the state
    // when the second run asks, however slowly a loaded machine starts that one.
    const emulator: CliEmulator = await startCliEmulator({ seed: { customers }, validationMs: 600_000, redactionMs: 300 });
    cleanups.push(() => emulator.close());
    const dir = await tempDir();
    const input = await writeInput(dir, ['email', ...customers.map((c) => c.email)].join('\n'));
    const state = join(dir, 'state.db');
    const args = ['run', input, ...emulator.runArgs(join(dir, 'killed'), state)];

    // bash starts the run in the background, prints its pid, then becomes `sleep`: the run's
    // parent is alive and never waits for it.
    const quoted = [process.execPath, CLI_PATH, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
    const parent: ChildProcess = spawn('bash', ['-c', `${quoted} >/dev/null 2>&1 & echo $!; exec sleep 300`], {
      cwd: REPO_ROOT,
      env: childEnv(TEST_KEY_ENV),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => void parent.kill('SIGKILL'));
    let stdout = '';
    parent.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const runPid = Number(await pollUntil('the run pid', () => /^(\d+)\n/.exec(stdout)?.[1]));

    // The run holds the lock once Stripe holds one of its jobs.
    await pollUntil('a redaction job', async () => (await listJobs(emulator.stripe)).length > 0, { timeoutMs: 60_000 });
    const refused = await runCli(['run', input, ...emulator.runArgs(join(dir, 'refused'), state)], { env: TEST_KEY_ENV });
    expect(refused.code, describeRun(refused)).toBe(1);
    expect(refused.stderr).toContain(`stripe-redact: another stripe-redact run is using the state ${state}; wait for it to finish`);

    expect(processState(runPid), 'the first run is still at work').toMatch(/^[RSD]$/);
    process.kill(runPid, 'SIGKILL');
    await pollUntil('the killed run to be a zombie', () => processState(runPid) === 'Z');
    emulator.settings.validationMs = 300;

    const next = await runCli(['run', input, ...emulator.runArgs(join(dir, 'next'), state)], { env: TEST_KEY_ENV, timeoutMs: 90_000 });
    expect(processState(runPid), 'the killed run is still an unreaped zombie').toBe('Z');
    expect(next.code, describeRun(next)).toBe(0);
    expect(readResults(join(dir, 'next')).rows.map((r) => r.status)).toEqual(Array(customers.length).fill('redacted'));
  }, 240_000);
});
