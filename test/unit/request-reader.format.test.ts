import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectRequestFile, readRequestRows, type RequestRow } from '../../src/input/request-reader.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'request-reader-format-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function fixture(content: string | Buffer): Promise<string> {
  fileCount += 1;
  const path = join(dir, `requests-${fileCount}.csv`);
  await writeFile(path, content);
  return path;
}

async function readAll(path: string, column?: string): Promise<RequestRow[]> {
  const info = await inspectRequestFile(path, column === undefined ? {} : { column });
  const rows: RequestRow[] = [];
  for await (const row of readRequestRows(info)) rows.push(row);
  return rows;
}

describe('request reader: file format', () => {
  it('strips a UTF-8 BOM, so the first header cell is recognised', async () => {
    const path = await fixture('\ufeffemail,request_id\na@x.com,R1\n');
    const info = await inspectRequestFile(path, {});
    expect(info.header).toEqual(['email', 'request_id']);
    expect(info.identifierColumn).toBe(0);
    expect(await readAll(path)).toEqual([{ row: 1, line: 2, fields: ['a@x.com', 'R1'], identifier: 'a@x.com' }]);
  });

  it('reads CRLF line ends', async () => {
    const path = await fixture('email,name\r\na@x.com,A\r\nb@y.com,B\r\n');
    expect(await readAll(path)).toEqual([
      { row: 1, line: 2, fields: ['a@x.com', 'A'], identifier: 'a@x.com' },
      { row: 2, line: 3, fields: ['b@y.com', 'B'], identifier: 'b@y.com' },
    ]);
  });

  it('detects ; as the delimiter from the first record', async () => {
    const path = await fixture('id;customer;note\nR1;cus_123;"a, b; c"\n');
    const info = await inspectRequestFile(path, {});
    expect(info.delimiter).toBe(';');
    expect(info.identifierColumnName).toBe('customer');
    expect((await readAll(path))[0]?.fields).toEqual(['R1', 'cus_123', 'a, b; c']);
  });

  it('detects a tab as the delimiter when the first record holds more tabs than commas or semicolons', async () => {
    const path = await fixture('request_id\temail\tnote\nR1\ta@x.com\t"a, b; c"\n');
    const info = await inspectRequestFile(path, {});
    expect(info).toMatchObject({ delimiter: '\t', identifierColumn: 1 });
    expect(await readAll(path)).toEqual([{ row: 1, line: 2, fields: ['R1', 'a@x.com', 'a, b; c'], identifier: 'a@x.com' }]);
    expect((await inspectRequestFile(await fixture('email,note\ta\na@x.com,x\n'), {})).delimiter).toBe(',');
  });

  it('ignores delimiters inside quotes when detecting', async () => {
    const path = await fixture('"a;b;c;d",email\nx,a@x.com\n');
    expect((await inspectRequestFile(path, {})).delimiter).toBe(',');
  });

  it('defaults to , for a single-column file', async () => {
    const path = await fixture('a@x.com\nb@y.com\n');
    const info = await inspectRequestFile(path, {});
    expect(info).toMatchObject({ delimiter: ',', header: null, identifierColumn: 0, identifierColumnName: 'column_1', columnCount: 1 });
  });

  it('keeps quoted commas, doubled quotes and newlines inside one cell, and counts lines through them', async () => {
    const path = await fixture('email,note\r\n"a@x.com","said ""hi"", then\r\nleft"\r\nb@y.com,"two\r\nlines\r\nmore"\r\nc@z.com,x\r\n');
    expect(await readAll(path)).toEqual([
      { row: 1, line: 2, fields: ['a@x.com', 'said "hi", then\r\nleft'], identifier: 'a@x.com' },
      { row: 2, line: 4, fields: ['b@y.com', 'two\r\nlines\r\nmore'], identifier: 'b@y.com' },
      { row: 3, line: 7, fields: ['c@z.com', 'x'], identifier: 'c@z.com' },
    ]);
  });

  it('counts lines through LF and lone CR inside quoted cells too', async () => {
    const lf = await fixture('email,note\na@x.com,"one\ntwo\nthree"\nb@y.com,x\n');
    expect((await readAll(lf)).map(({ line }) => line)).toEqual([2, 5]);
    const cr = await fixture('email,note\ra@x.com,"one\rtwo"\rb@y.com,x\r');
    expect((await readAll(cr)).map(({ line }) => line)).toEqual([2, 4]);
  });

  it('skips blank records but keeps row numbers true to the file', async () => {
    const path = await fixture('email,id2\n\na@x.com,1\n   \n,\n , \nb@y.com,2\n\n\n');
    const rows = await readAll(path);
    expect(rows.map(({ row, line, identifier }) => ({ row, line, identifier }))).toEqual([
      { row: 2, line: 3, identifier: 'a@x.com' },
      { row: 6, line: 7, identifier: 'b@y.com' },
    ]);
  });

  it('does not count blank lines before the header as rows', async () => {
    const path = await fixture('\n\nemail\na@x.com\n');
    expect(await readAll(path)).toEqual([{ row: 1, line: 4, fields: ['a@x.com'], identifier: 'a@x.com' }]);
  });

  it('numbers rows from the first record when there is no header', async () => {
    const path = await fixture('cus_1\n\ncus_2\n');
    expect((await readAll(path)).map(({ row, line }) => [row, line])).toEqual([
      [1, 1],
      [3, 3],
    ]);
  });

  it('accepts records with more or fewer cells than the header', async () => {
    const path = await fixture('request,email,date\nR1,a@x.com,2024-01-01,extra,more\nR2\nR3,c@z.com\n');
    const info = await inspectRequestFile(path, {});
    expect(info.columnCount).toBe(5);
    expect(await readAll(path)).toEqual([
      { row: 1, line: 2, fields: ['R1', 'a@x.com', '2024-01-01', 'extra', 'more'], identifier: 'a@x.com' },
      { row: 2, line: 3, fields: ['R2'], identifier: '' },
      { row: 3, line: 4, fields: ['R3', 'c@z.com'], identifier: 'c@z.com' },
    ]);
  });

  it('keeps a stray quote inside an unquoted cell as data', async () => {
    const path = await fixture('email,note\na@x.com,5" screen\n');
    expect((await readAll(path))[0]?.fields).toEqual(['a@x.com', '5" screen']);
  });

  it('keeps the identifier cell untrimmed; classification trims it', async () => {
    const path = await fixture('email\n  a@x.com \n');
    expect((await readAll(path))[0]?.identifier).toBe('  a@x.com ');
  });

  it('can be read twice, giving the same rows', async () => {
    const path = await fixture('email\na@x.com\nb@y.com\n');
    const info = await inspectRequestFile(path, {});
    const first: RequestRow[] = [];
    for await (const row of readRequestRows(info)) first.push(row);
    const second: RequestRow[] = [];
    for await (const row of readRequestRows(info)) second.push(row);
    expect(second).toEqual(first);
    expect(first).toHaveLength(2);
  });

  it('stops reading when the consumer stops', async () => {
    const path = await fixture(`email\n${Array.from({ length: 1000 }, (_, i) => `u${i}@x.com`).join('\n')}\n`);
    const info = await inspectRequestFile(path, {});
    let seen = 0;
    for await (const row of readRequestRows(info)) {
      seen = row.row;
      if (seen === 3) break;
    }
    expect(seen).toBe(3);
  });
});
