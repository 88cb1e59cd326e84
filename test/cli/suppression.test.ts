/**
 * Issue 18, the suppression list: a recipient following docs/suppression.md — HMAC-SHA-256 of the
 * trimmed, lower-cased email under the hex key `suppression key` prints — computes, with node:crypto
 * and nothing of the tool's code, the very digests `suppression export` lists for every erased email.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY_ENV, describeRun, readResults, removeTempDirs, runCli, startCliEmulator, tempDir, writeInput, type CliEmulator } from '../helpers/cli.js';

let emulator: CliEmulator;
beforeAll(async () => {
  emulator = await startCliEmulator({
    settleMs: 0,
    seed: {
      customers: [
        { email: 'Dana.Suppress@example.com' },
        { email: 'eli.suppress@example.com' },
        { email: 'fay.suppress@example.com' },
      ],
    },
  });
});
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

describe('stripe-redact suppression', () => {
  it('export lists one digest per erased email that a recipient recomputes with node:crypto from the key', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state.db');
    const erasedEmails = ['  dana.suppress@EXAMPLE.com ', 'eli.suppress@example.com', 'fay.suppress@example.com'];
    const input = await writeInput(dir, ['email', ...erasedEmails.map((e) => `"${e}"`), 'nobody.suppress@example.com'].join('\n'));
    const run = await runCli(['run', input, ...emulator.runArgs(join(dir, 'out'), state)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    expect(readResults(join(dir, 'out')).rows.map((r) => r.status)).toEqual(['redacted', 'redacted', 'redacted', 'not_found']);

    const key = await runCli(['suppression', 'key', '--state', state]);
    expect(key.code, describeRun(key)).toBe(0);
    const hexKey = key.stdout.trim();
    expect(hexKey).toMatch(/^[0-9a-f]{64}$/);

    const exported = await runCli(['suppression', 'export', '--state', state]);
    expect(exported.code, describeRun(exported)).toBe(0);
    const [header, ...lines] = exported.stdout.trim().split('\n');
    expect(header).toBe('digest,settled_on');
    const digests = lines.map((line) => line.split(',')[0]);
    for (const line of lines) expect(line).toMatch(/^[0-9a-f]{64},\d{4}-\d{2}-\d{2}$/);

    // The recipient's side: its own table of emails, as its CRM holds them.
    const recipientTable = ['Dana.Suppress@example.com', 'eli.suppress@example.com', 'FAY.suppress@example.com', 'nobody.suppress@example.com', 'someone.else@example.com'];
    const digestOf = (email: string) => createHmac('sha256', Buffer.from(hexKey, 'hex')).update(email.trim().toLowerCase(), 'utf8').digest('hex');
    const matched = recipientTable.filter((email) => digests.includes(digestOf(email)));
    expect(matched).toEqual(['Dana.Suppress@example.com', 'eli.suppress@example.com', 'FAY.suppress@example.com']);
    expect(new Set(digests)).toEqual(new Set(erasedEmails.map(digestOf)));

    // A key of its own: none of the digests is the state's keyed hash of the same email.
    const requestKeys = readFileSync(join(dir, 'out', 'downstream.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]?.replace(/^email:/, ''));
    expect(requestKeys).toHaveLength(3);
    for (const requestKey of requestKeys) expect(digests).not.toContain(requestKey);

    const file = join(dir, 'suppression.csv');
    const written = await runCli(['suppression', 'export', '--state', state, '--out', file]);
    expect(written.code, describeRun(written)).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(exported.stdout);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('refuses an unknown action and --out with key (exit 2)', async () => {
    const bad = await runCli(['suppression', 'import']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown action 'import'");
    const keyOut = await runCli(['suppression', 'key', '--out', '/tmp/x']);
    expect(keyOut.code).toBe(2);
  });
});
