/**
 * `stripe-redact help run | head -1`: a reader that closes stdout early must not make the tool die
 * with a stack trace (EPIPE); it stops writing and exits as it would have (issue 15, item 11).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, childEnv } from '../helpers/cli.js';

/** Runs the CLI with its stdout pipe closed by the reader before anything is written. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  // The reader goes away at once, as `head -1` does after its line (here: before the first one).
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('stdout closed by its reader', () => {
  it.each([[['help', 'run']], [['--help']], [['run', '--help']], [['--version']]])('%j exits 0 quietly', async (args) => {
    const result = await runWithClosedStdout(args);
    expect(result.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(result).toMatchObject({ code: 0, signal: null });
  });
});
