/**
 * What a process killed outright leaves behind (io/left-behind.ts): a later process removes the
 * entries whose maker is gone, and nothing of a live process, of its own, of another name, or a link.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, pidAfterPrefix, removeLeftBehind } from '../../src/io/left-behind.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The pid of a process that has exited: it names no process now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  return new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
}

describe('isProcessAlive', () => {
  it('is true of this process and its parent, false of one that exited', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(process.ppid)).toBe(true);
    expect(isProcessAlive(await deadPid())).toBe(false);
  });
});

describe('pidAfterPrefix', () => {
  it('reads the pid after the prefix and before a dash, and nothing of another name', () => {
    const pidOf = pidAfterPrefix('stripe-redact-stdin-');
    expect(pidOf('stripe-redact-stdin-4242-aB3dE9')).toBe(4242);
    expect(pidOf('stripe-redact-stdin-aB3dE9')).toBeUndefined();
    expect(pidOf('stripe-redact-stdin-4242')).toBeUndefined();
    expect(pidOf('other-4242-aB3dE9')).toBeUndefined();
  });
});

describe('removeLeftBehind', () => {
  it("removes a dead process's files and directories, whole, and leaves live ones, its own, other names and links", async () => {
    dir = mkdtempSync(join(tmpdir(), 'left-behind-'));
    const dead = await deadPid();
    const prefix = 'stripe-redact-stdin-';
    const deadDir = join(dir, `${prefix}${dead}-aaaaaa`);
    mkdirSync(deadDir);
    writeFileSync(join(deadDir, 'requests.csv'), 'email\nada@example.com\n');
    writeFileSync(join(dir, `${prefix}${dead}-bbbbbb`), 'a file');
    const kept = [`${prefix}${process.ppid}-cccccc`, `${prefix}${process.pid}-dddddd`, `${prefix}eeeeee`, `unrelated-${dead}-ffffff`];
    for (const name of kept) mkdirSync(join(dir, name));
    const target = mkdtempSync(join(tmpdir(), 'left-behind-target-'));
    try {
      symlinkSync(target, join(dir, `${prefix}${dead}-gggggg`));
      removeLeftBehind(dir, pidAfterPrefix(prefix));
      expect(readdirSync(dir).sort()).toEqual([...kept, `${prefix}${dead}-gggggg`].sort());
      expect(readdirSync(tmpdir())).toContain(target.split('/').at(-1));
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('does nothing for a directory that does not exist', () => {
    expect(() => removeLeftBehind(join(tmpdir(), 'left-behind-none', 'missing'), pidAfterPrefix('x-'))).not.toThrow();
  });
});
