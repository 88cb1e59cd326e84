/**
 * The package installs as its users install it (issue #8): `npm pack` holds the built code, the
 * launcher and the samples `--emulator` needs, and no tests; a global install of that tarball into
 * a temporary prefix gives a working `stripe-redact`. One install, as the README says:
 * `npm i -g --allow-scripts=better-sqlite3 <tarball>`.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, describeRun, readResults, removeTempDirs, runCli, tempDir } from '../helpers/cli.js';

const run = promisify(execFile);
afterAll(removeTempDirs);

/** This process's environment without npm's own variables (set when the tests run under `npm test`). */
function npmEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return { ...env, ...extra };
}

describe('the npm package', () => {
  it('packs the built code without tests, and installs globally into a working stripe-redact', async () => {
    const dir = await tempDir('stripe-redact-pack-');
    // --ignore-scripts: the tests' pretest already built dist/, and a rebuild now would rewrite it
    // under the feet of the other CLI tests running in parallel.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, env: npmEnv({}) });
    const [manifest] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = manifest!.files.map((f) => f.path);
    for (const file of ['bin/stripe-redact.js', 'dist/cli/main.js', 'dist/cli/run-command.js', 'dist/emulator/index.js', 'samples/emulator-seed.json', 'samples/requests.csv', 'docs/stripe.md', 'docs/contract.md', 'README.md', 'package.json']) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => /^(test|src|bench|output)\/|\.map$|^tsconfig|^vitest/.test(f))).toEqual([]);

    // better-sqlite3's install script downloads a prebuilt binary from GitHub, which this machine
    // cannot reach; hand it the one this checkout built, where prebuild-install looks first.
    const sqlite = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string };
    const prebuilds = join(dir, 'prebuilds');
    await mkdir(prebuilds);
    const prebuild = `better-sqlite3-v${sqlite.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    await run('tar', ['-czf', join(prebuilds, prebuild), '-C', join(REPO_ROOT, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node']);

    const prefix = join(dir, 'prefix');
    await run(
      'npm',
      ['install', '--global', '--prefix', prefix, '--allow-scripts=better-sqlite3', '--prefer-offline', '--no-audit', '--no-fund', join(dir, manifest!.filename)],
      { cwd: dir, env: npmEnv({ npm_config_better_sqlite3_local_prebuilds: prebuilds }) },
    );
    const bin = join(prefix, 'bin', 'stripe-redact');

    const version = await run(bin, ['--version'], { cwd: dir });
    expect(version.stdout).toBe(`${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);

    // The sample on the built-in emulator, from the installed package's own samples/.
    const sample = join(prefix, 'lib', 'node_modules', 'stripe-redact', 'samples', 'requests.csv');
    const out = join(dir, 'out');
    const result = await run(bin, ['run', sample, '--emulator', '--validation-behavior', 'fix', '--out', out], { cwd: dir }).then(
      (r) => ({ code: 0, signal: null, ...r }),
      (error: { code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }) => error,
    );
    expect(result.code, describeRun(result)).toBe(0);
    expect(readResults(out).rows.length).toBeGreaterThan(0);
    // The same run from this checkout agrees row for row: the package is the code under test.
    const local = await runCli(['run', sample, '--emulator', '--validation-behavior', 'fix', '--out', join(dir, 'local')]);
    expect(local.code, describeRun(local)).toBe(0);
    expect(readResults(out).rows.map((r) => r.status)).toEqual(readResults(join(dir, 'local')).rows.map((r) => r.status));
  }, 240_000);
});
