/**
 * Progress over the whole run on a terminal, nothing of it off one (issue #8). The terminal is a
 * pseudo-terminal from util-linux `script`, as a person at a shell would have.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_PATH, REPO_ROOT, childEnv, describeRun, readResults, removeTempDirs, runCli, tempDir } from '../helpers/cli.js';

const run = promisify(execFile);
afterAll(removeTempDirs);

const SAMPLE = join(REPO_ROOT, 'samples', 'requests.csv');
/** The sample's data rows (its header line aside). */
const SAMPLE_ROWS = readFileSync(SAMPLE, 'utf8').trim().split('\n').length - 1;
const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

describe('stripe-redact run, progress', () => {
  it('on a terminal draws each step in place — checking, looking up or driving, writing — above the summary', async () => {
    const out = await tempDir();
    const command = [process.execPath, CLI_PATH, 'run', SAMPLE, '--emulator', '--validation-behavior', 'fix', '--out', out].map(quote).join(' ');
    // script -e returns the command's exit code; the pty merges stdout and stderr.
    const { stdout } = await run('script', ['-qfec', command, '/dev/null'], { cwd: REPO_ROOT, env: childEnv({ COLUMNS: '160' }) });
    const redraws = stdout.split('\r\u001b[2K').slice(1).map((line) => line.replace(/\r?\n[\s\S]*$/, '').replace(/\r$/, ''));
    expect(redraws[0]).toBe(`checking the input ${SAMPLE_ROWS} rows`);
    expect(redraws.some((line) => /^(looking up|driving jobs) \[[#-]{24}\] +\d+% \d+\/\d+ (identifiers|jobs)/.test(line)), redraws.join('\n')).toBe(true);
    expect(redraws.at(-1)).toBe(`writing the report · ${SAMPLE_ROWS} rows`);
    // Info lines go above the bar; the summary comes after it.
    expect(stdout).toMatch(/info {2}run started/);
    expect(stdout).toMatch(new RegExp(`writing the report · ${SAMPLE_ROWS} rows\\r?\\n(\\r?\\n)?stripe-redact redact run run_\\S+: ${SAMPLE_ROWS} rows`));
    expect(readResults(out).rows).toHaveLength(SAMPLE_ROWS);
  });

  it('off a terminal draws nothing: no carriage return, no bar', async () => {
    const out = await tempDir();
    const result = await runCli(['run', SAMPLE, '--emulator', '--validation-behavior', 'fix', '--out', out]);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stderr).not.toMatch(/\r|\u001b|checking the input|driving jobs|writing the report/);
  });
});
