import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/errors.js';
import { inspectRequestFile, readRequestRows, type RequestFileInfo } from '../../src/input/request-reader.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'request-reader-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function caught(promise: Promise<unknown>): Promise<InputFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

async function drain(info: RequestFileInfo): Promise<number> {
  let count = 0;
  for await (const _ of readRequestRows(info)) count += 1;
  return count;
}

describe('request reader: errors', () => {
  it('reports a missing file as unreadable, naming the path', async () => {
    const path = join(dir, 'missing.csv');
    const error = await caught(inspectRequestFile(path, {}));
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/no such file/);
  });

  it('reports a directory as unreadable', async () => {
    const error = await caught(inspectRequestFile(dir, {}));
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.message).toMatch(/directory/);
  });

  it('reports a file deleted between inspection and reading as unreadable', async () => {
    const path = await fixture('vanishing.csv', 'email\na@x.com\n');
    const info = await inspectRequestFile(path, {});
    await rm(path);
    expect((await caught(drain(info))).code).toBe('INPUT_UNREADABLE');
  });

  it.each(['', '\n\n  \n'])('reports a file with no records (%j) as empty', async (content) => {
    const path = await fixture(`empty-${content.length}.csv`, content);
    expect((await caught(inspectRequestFile(path, {}))).code).toBe('INPUT_EMPTY');
  });

  it('reports an unclosed quote with the line where its record starts', async () => {
    const path = await fixture('unclosed.csv', 'email,note\r\na@x.com,"multi\r\nline"\r\nb@y.com,"never closed\r\nc@z.com,x\r\n');
    const error = await caught(inspectRequestFile(path, {}));
    expect(error.code).toBe('INPUT_PARSE');
    expect(error.line).toBe(4);
    expect(error.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 4: `));
    expect(error.cause).toBeDefined();
  });

  it('reports an unclosed quote met while streaming past the inspected start', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `u${i}@x.com,ok`);
    const path = await fixture('late-error.csv', `email,note\n${rows.join('\n')}\nbad@x.com,"open\nu@x.com,ok\n`);
    const info = await inspectRequestFile(path, {});
    const error = await caught(drain(info));
    expect(error.code).toBe('INPUT_PARSE');
    expect(error.line).toBe(202);
    expect(error.column).toBe(2);
  });

  it('keeps text after a closing quote as data rather than stopping the run', async () => {
    const path = await fixture('lenient.csv', 'email,note\na@x.com,"quoted"tail\n');
    const info = await inspectRequestFile(path, {});
    const rows = [];
    for await (const row of readRequestRows(info)) rows.push(row.fields);
    expect(rows).toEqual([['a@x.com', '"quoted"tail']]);
  });
});
