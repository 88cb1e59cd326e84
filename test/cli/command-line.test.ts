/**
 * The command line behaves like the tools its users know (issue #8): `--version`, `help <command>`,
 * every usage error one line naming the tool with a hint and exit 2 (commander's own errors too),
 * numeric options bounded, and an unreachable server named in the error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TEST_KEY_ENV, describeRun, removeTempDirs, runCli, tempDir, writeInput } from '../helpers/cli.js';

afterAll(removeTempDirs);

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('--version and help <command>', () => {
  it('prints the package version on stdout and exits 0', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      expect(result.code, describeRun(result)).toBe(0);
      expect(result.stdout).toBe(`${VERSION}\n`);
    }
  });

  it("help run and help emulator print that command's own help", async () => {
    const run = await runCli(['help', 'run']);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/^Usage: stripe-redact run \[options\] <requests\.csv>/);
    expect(run.stdout).toContain('--fail-on');
    expect(run.stdout).toContain('--log-level');
    const emulator = await runCli(['help', 'emulator']);
    expect(emulator.code, describeRun(emulator)).toBe(0);
    expect(emulator.stdout).toMatch(/^Usage: stripe-redact emulator \[options\]/);
    expect(emulator.stdout).toContain('--rate-limit');
  });
});

describe('usage errors', () => {
  // Each is one line: the tool's name, what is wrong, where to look; exit 2, nothing on stdout.
  const cases: [string[], string][] = [
    [['run', 'x.csv', '--frobnicate'], "stripe-redact: unknown option '--frobnicate' (see stripe-redact run --help)"],
    [['run', 'x.csv', '--ou', 'dir'], "stripe-redact: unknown option '--ou' (Did you mean --out?) (see stripe-redact run --help)"],
    [['run'], "stripe-redact: missing required argument 'requests.csv' (see stripe-redact run --help)"],
    [['run', 'x.csv', '--out'], "stripe-redact: option '--out <dir>' argument missing (see stripe-redact run --help)"],
    [['run', 'a.csv', 'b.csv'], 'stripe-redact: too many arguments. Expected 1 argument but got 2 (see stripe-redact run --help)'],
    [['emulator', '--frobnicate'], "stripe-redact: unknown option '--frobnicate' (see stripe-redact emulator --help)"],
    [['emulator', '--port', 'x'], "stripe-redact: option '--port <n>' argument 'x' is invalid. Expected an integer from 0 and up, got 'x' (see stripe-redact emulator --help)"],
    [['frobnicate'], "stripe-redact: unknown command 'frobnicate' (see stripe-redact --help)"],
    [['--frobnicate'], "stripe-redact: unknown option '--frobnicate' (see stripe-redact --help)"],
    [['help', 'frobnicate'], "stripe-redact: no help on 'frobnicate': there is no such command (see stripe-redact --help)"],
    [[], 'stripe-redact: no command given (see stripe-redact --help)'],
    [['run', 'x.csv', '--max-rps', '1e9'], "stripe-redact: --max-rps must be a number from 1 to 25 (Stripe's test-mode limit); got '1e9' (see stripe-redact run --help)"],
    [['run', 'x.csv', '--max-search-rps', '21'], "stripe-redact: --max-search-rps must be a number from 1 to 20 (Stripe's search limit); got '21' (see stripe-redact run --help)"],
    [['run', 'x.csv', '--concurrency', '100000'], "stripe-redact: --concurrency must be a whole number from 1 to 1000; got '100000' (see stripe-redact run --help)"],
    [['run', 'x.csv', '--poll-interval-ms', '1'], "stripe-redact: --poll-interval-ms must be a whole number from 10 to 300000; got '1' (see stripe-redact run --help)"],
    [['run', 'x.csv', '--log-level', 'loud'], "stripe-redact: --log-level must be one of error, warn, info, debug; got 'loud' (see stripe-redact run --help)"],
  ];

  it('each bad command line gets exit 2 and one line naming the tool, the problem and where to look', async () => {
    // Spawned all at once: each is a process start and nothing more.
    const results = await Promise.all(cases.map(([args]) => runCli(args, { env: TEST_KEY_ENV, timeoutMs: 60_000 })));
    cases.forEach(([args, line], i) => {
      const result = results[i]!;
      expect(result.code, `${JSON.stringify(args)}: ${describeRun(result)}`).toBe(2);
      expect(result.stderr, JSON.stringify(args)).toBe(`${line}\n`);
      expect(result.stdout, JSON.stringify(args)).toBe('');
    });
  }, 90_000);

  it("names an unknown --fail-on status, and the live-mode limit for a live key's budget", async () => {
    const failOn = await runCli(['run', 'x.csv', '--fail-on', 'needs_action,needs-action'], { env: TEST_KEY_ENV });
    expect(failOn.code, describeRun(failOn)).toBe(2);
    expect(failOn.stderr).toMatch(/^stripe-redact: --fail-on has unknown status 'needs-action'; use a comma list of redacted, .* \(see stripe-redact run --help\)\n$/);
    const live = await runCli(['run', 'x.csv', '--live', '--max-rps', '101'], { env: { STRIPE_API_KEY: 'rk_live_cli' } });
    expect(live.code, describeRun(live)).toBe(2);
    expect(live.stderr).toBe("stripe-redact: --max-rps must be a number from 1 to 100 (Stripe's live-mode limit); got '101' (see stripe-redact run --help)\n");
  });
});

describe('an unreachable server', () => {
  it('is named in the error, with what to check; exit 1', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const dir = await tempDir();
    const input = await writeInput(dir, 'email\na@example.com\n');
    // The run retries connection errors (about 25 s in all) before it gives up.
    const result = await runCli(['run', input, '--api-base', `http://127.0.0.1:${port}`, '--out', dir], { env: TEST_KEY_ENV, timeoutMs: 60_000 });
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain(`stripe-redact: cannot reach 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(result.stderr).toMatch(/Check the network, DNS, proxy and firewall, and that a server is listening at --api-base\.\n$/);
  }, 70_000);
});
