/** Splitting a platform's input by each row's account (input/split-by-account.ts), as the CLI does before any account is read. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/errors.js';
import { findAccountColumn, splitByAccount } from '../../src/input/split-by-account.js';
import { checkInput } from '../../src/pipeline/run-pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'split-by-account-'));
async function infoOf(text: string, name = `in-${Math.random().toString(36).slice(2)}.csv`) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return (await checkInput({ inputPath: path })).info;
}

describe('splitByAccount', () => {
  it("writes each account's rows in input order and keeps the input's row numbers (a blank line is no row, as in any run)", async () => {
    const info = await infoOf('email,account\na@example.com,acct_one\nb@example.com,\n,\nc@example.com,acct_one\nd@example.com,acct_two\n');
    const column = findAccountColumn(info, undefined);
    expect(column).toEqual({ index: 1, name: 'account', chosenBy: 'header' });
    const split = (await splitByAccount(info, column!))!;
    try {
      expect(split.parts.map((p) => [p.account, p.rows])).toEqual([
        ['acct_one', 2],
        ['', 1],
        ['acct_two', 1],
      ]);
      expect([...split.order]).toEqual([0, 1, 0, 2]);
      expect([...split.rowNumbers]).toEqual([1, 2, 4, 5]);
      expect(readFileSync(split.parts[0]!.path, 'utf8')).toBe('input column 1,input column 2\na@example.com,acct_one\nc@example.com,acct_one\n');
    } finally {
      split.remove();
    }
  });

  it('removes the split a run killed outright left in the same place, and makes its own under its pid', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'split-left-'));
    const child = spawn(process.execPath, ['-e', '']);
    const dead = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    const left = join(parent, `stripe-redact-accounts-${dead}-AbC123`);
    mkdirSync(left);
    writeFileSync(join(left, 'part-0.csv'), 'ada@example.com,acct_one\n');
    const info = await infoOf('email,account\na@example.com,acct_one\n');
    const split = (await splitByAccount(info, findAccountColumn(info, undefined)!, { parentDir: parent }))!;
    try {
      expect(existsSync(left)).toBe(false);
      expect(readdirSync(parent)).toEqual([expect.stringMatching(new RegExp(`^stripe-redact-accounts-${process.pid}-`))]);
    } finally {
      split.remove();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('takes a header column only when its values are account ids, and leaves no file otherwise', async () => {
    const info = await infoOf('email,account\na@example.com,premium\nb@example.com,acct_one\n');
    expect(await splitByAccount(info, findAccountColumn(info, undefined)!)).toBeUndefined();
    const empty = await infoOf('email,stripe_account\na@example.com,\n');
    expect(await splitByAccount(empty, findAccountColumn(empty, undefined)!)).toBeUndefined();
  });

  it('reads --account-column by number in a file without a header, and refuses a cell that is no account id, naming its row', async () => {
    const info = await infoOf('a@example.com;acct_one\nb@example.com;acct_two\n');
    const column = findAccountColumn(info, '2')!;
    expect(column).toMatchObject({ index: 1, chosenBy: 'option' });
    const split = (await splitByAccount(info, column))!;
    split.remove();
    expect(split.parts.map((p) => p.account)).toEqual(['acct_one', 'acct_two']);

    const bad = await infoOf('email,shop\na@example.com,acct_one\nb@example.com,premium\n');
    const error = await splitByAccount(bad, findAccountColumn(bad, 'shop')!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect(error).toMatchObject({ code: 'INPUT_ACCOUNT', line: 3 });
    expect((error as Error).message).toMatch(/row 2 .*'premium'/);
  });

  it('refuses an --account-column naming no column, or the identifier column', async () => {
    const info = await infoOf('email,account\na@example.com,acct_one\n');
    expect(() => findAccountColumn(info, 'shop')).toThrow(/--account-column 'shop' names no column/);
    expect(() => findAccountColumn(info, 'email')).toThrow(/is the identifier column/);
  });
});
