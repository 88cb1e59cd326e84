import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/errors.js';
import { spoolInput } from '../../src/input/stdin-spool.js';

let parentDir: string;
beforeAll(async () => {
  parentDir = await mkdtemp(join(tmpdir(), 'stdin-spool-'));
});
afterAll(async () => {
  await rm(parentDir, { recursive: true, force: true });
});

describe('spoolInput', () => {
  it('copies the stream byte for byte to an owner-only file in an owner-only directory of its own', async () => {
    const bytes = Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from('email\n', 'utf16le'), Buffer.alloc(200_000, 0x41)]);
    const spooled = await spoolInput(Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]), { parentDir });
    expect(readFileSync(spooled.path)).toEqual(bytes);
    expect(statSync(spooled.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(spooled.path)).mode & 0o777).toBe(0o700);
    expect(dirname(dirname(spooled.path))).toBe(parentDir);
    spooled.remove();
    spooled.remove();
    expect(readdirSync(parentDir)).toEqual([]);
  });

  it('removes the copy when the process exits without remove(), and stops watching for that once removed', async () => {
    const listeners = process.listenerCount('exit');
    const spooled = await spoolInput(Readable.from([Buffer.from('email\n')]), { parentDir });
    expect(process.listenerCount('exit')).toBe(listeners + 1);
    process.listeners('exit').at(-1)?.call(process, 0);
    expect(existsSync(dirname(spooled.path))).toBe(false);
    expect(process.listenerCount('exit')).toBe(listeners);
  });

  it('removes the copy a run killed outright left in the same place, and not a live run\'s', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'stdin-spool-left-'));
    try {
      const child = spawn(process.execPath, ['-e', '']);
      const dead = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
      const left = join(parent, `stripe-redact-stdin-${dead}-AbC123`);
      mkdirSync(left);
      writeFileSync(join(left, 'requests.csv'), 'email\nada@example.com\n');
      const live = join(parent, `stripe-redact-stdin-${process.ppid}-DeF456`);
      mkdirSync(live);
      const spooled = await spoolInput(Readable.from([Buffer.from('email\n')]), { parentDir: parent });
      expect(existsSync(left)).toBe(false);
      expect(existsSync(live)).toBe(true);
      // Its own directory names this process, for the next run to tell.
      expect(dirname(spooled.path).split('/').at(-1)).toMatch(new RegExp(`^stripe-redact-stdin-${process.pid}-`));
      spooled.remove();
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('reports a failing stream as unreadable standard input and leaves nothing behind', async () => {
    const failing = new Readable({
      read() {
        this.destroy(Object.assign(new Error('read EIO'), { code: 'EIO' }));
      },
    });
    const error = await spoolInput(failing, { parentDir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputFileError);
    expect(error).toMatchObject({ code: 'INPUT_UNREADABLE', path: 'standard input', message: expect.stringContaining('EIO') });
    expect(readdirSync(parentDir)).toEqual([]);
  });
});
