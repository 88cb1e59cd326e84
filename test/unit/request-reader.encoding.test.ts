import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/errors.js';
import type { InputEncoding } from '../../src/input/input-encoding.js';
import { inspectRequestFile, readRequestRows, scanRequestFile, type RequestRow } from '../../src/input/request-reader.js';
import { buildXlsx } from '../helpers/zip.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'request-reader-encoding-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function fixture(content: Buffer, extension = 'csv'): Promise<string> {
  fileCount += 1;
  const path = join(dir, `requests-${fileCount}.${extension}`);
  await writeFile(path, content);
  return path;
}

async function readAll(path: string, encoding?: InputEncoding): Promise<RequestRow[]> {
  const info = await inspectRequestFile(path, encoding === undefined ? {} : { encoding });
  const rows: RequestRow[] = [];
  for await (const row of readRequestRows(info)) rows.push(row);
  return rows;
}

async function caught(promise: Promise<unknown>): Promise<InputFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

const utf16le = (text: string) => Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text, 'utf16le')]);
const LATIN1 = Buffer.from('email,name\nada@example.com,Ada\nj\xf6rg@example.com,J\xf6rg\n', 'latin1');

describe('request reader: encodings', () => {
  it('refuses a Latin-1 file read as UTF-8, naming the line', async () => {
    const path = await fixture(LATIN1);
    const error = await caught(inspectRequestFile(path, {}));
    expect(error.code).toBe('INPUT_ENCODING');
    expect(error.line).toBe(3);
    expect(error.message).toContain(`${path}: line 3, column 2 (byte offset 32): byte 0xF6 is not valid UTF-8`);
  });

  it('refuses a bad byte on the first line already when inspecting', async () => {
    const path = await fixture(Buffer.from('e\xe9mail\na@x.com\n', 'latin1'));
    expect((await caught(inspectRequestFile(path, {}))).code).toBe('INPUT_ENCODING');
  });

  it.each(['latin1', 'windows-1252'] as const)('reads jörg from a Latin-1 file with --encoding %s', async (encoding) => {
    const path = await fixture(LATIN1);
    const rows = await readAll(path, encoding);
    expect(rows.map((row) => row.identifier)).toEqual(['ada@example.com', 'jörg@example.com']);
    expect(rows[1]?.fields).toEqual(['jörg@example.com', 'Jörg']);
  });

  it("reads Excel's \"Unicode text\" export: UTF-16LE with a BOM, tab-separated, CRLF", async () => {
    const path = await fixture(utf16le('request_id\temail\tnote\r\nR1\tjörg@example.com\t"a, b; c"\r\nR2\t😀@example.com\t\r\n'));
    const info = await inspectRequestFile(path, {});
    expect(info).toMatchObject({ delimiter: '\t', header: ['request_id', 'email', 'note'], identifierColumn: 1, decoding: { encoding: 'utf-16le', decidedBy: 'bom' } });
    expect(await readAll(path)).toEqual([
      { row: 1, line: 2, fields: ['R1', 'jörg@example.com', 'a, b; c'], identifier: 'jörg@example.com' },
      { row: 2, line: 3, fields: ['R2', '😀@example.com', ''], identifier: '😀@example.com' },
    ]);
  });

  it('reads UTF-16LE with a BOM and commas, and UTF-16BE with a BOM and semicolons', async () => {
    const le = await fixture(utf16le('email,name\nzoë@example.com,Zoë\n'));
    expect((await readAll(le)).map((row) => row.fields)).toEqual([['zoë@example.com', 'Zoë']]);
    const be = await fixture(Buffer.concat([Buffer.of(0xfe, 0xff), Buffer.from('email;name\nzoë@example.com;Zoë\n', 'utf16le').swap16()]));
    expect((await readAll(be)).map((row) => row.fields)).toEqual([['zoë@example.com', 'Zoë']]);
  });

  it('reads UTF-16LE without a BOM when --encoding utf-16le names it', async () => {
    const path = await fixture(Buffer.from('email\nzoë@example.com\n', 'utf16le'));
    expect((await readAll(path, 'utf-16le')).map((row) => row.identifier)).toEqual(['zoë@example.com']);
  });

  it('refuses a BOM that contradicts --encoding, naming both', async () => {
    const path = await fixture(utf16le('email\na@x.com\n'));
    const error = await caught(inspectRequestFile(path, { encoding: 'windows-1252' }));
    expect(error.code).toBe('INPUT_ENCODING');
    expect(error.message).toMatch(/--encoding windows-1252 .* UTF-16LE byte order mark/);
  });

  it('names UTF-16 without a BOM read as UTF-8 as binary-or-UTF-16', async () => {
    const path = await fixture(Buffer.from('email\nzoë@example.com\n', 'utf16le'));
    const error = await caught(inspectRequestFile(path, {}));
    expect(error.code).toBe('INPUT_BINARY');
    expect(error.message).toContain('--encoding utf-16le');
  });

  it.each([
    ['an xlsx workbook renamed .csv', buildXlsx(), /looks like an Excel workbook \(xlsx\); open it in its program and save or export it as "CSV UTF-8"/],
    ['a legacy xls workbook', Buffer.concat([Buffer.of(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1), Buffer.alloc(504)]), /Excel 97–2003 workbook/],
    ['a gzip file', gzipSync('email\na@x.com\n'), /gzip-compressed/],
    ['a PDF', Buffer.from('%PDF-1.4\n1 0 obj\n'), /a PDF document/],
  ])('refuses %s, naming what it is', async (_what, content, message) => {
    const path = await fixture(content);
    const error = await caught(inspectRequestFile(path, {}));
    expect(error.code).toBe('INPUT_BINARY');
    expect(error.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: this is not a CSV file: it looks like`));
    expect(error.message).toMatch(message);
  });

  it('refuses a text file with a NUL byte deep inside, naming its line', async () => {
    const path = await fixture(Buffer.concat([Buffer.from('email\n' + 'a@x.com\n'.repeat(20_000)), Buffer.of(0), Buffer.from('\n')]));
    const info = await inspectRequestFile(path, {});
    const error = await caught(scanRequestFile(info));
    expect(error.code).toBe('INPUT_BINARY');
    expect(error.line).toBe(20_002);
  });

  it('finds a bad byte far past the inspected start when the whole file is scanned, its line right over many chunks with characters across chunk boundaries', async () => {
    // 3-byte characters at every offset modulo 3, so some straddle each 64 KiB boundary.
    const lines = Array.from({ length: 30_000 }, (_, i) => `€${'x'.repeat(i % 3)}${i}@example.com`);
    const path = await fixture(Buffer.concat([Buffer.from(`email\n${lines.join('\n')}\n`), Buffer.from('bad\xff\n', 'latin1')]));
    const info = await inspectRequestFile(path, {});
    const error = await caught(scanRequestFile(info));
    expect(error.line).toBe(30_002);
    expect(error.message).toContain('line 30002, column 4');
  });

  it('scans the whole file once: data rows counted, bytes hashed with the BOM', async () => {
    const content = Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from('email\na@x.com\n\nb@x.com\n')]);
    const path = await fixture(content);
    const scan = await scanRequestFile(await inspectRequestFile(path, {}));
    expect(scan).toMatchObject({ rows: 2, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex'), lastDataRow: 3 });
  });

  it('names the input as the caller asks in messages', async () => {
    const path = await fixture(buildXlsx());
    const error = await caught(inspectRequestFile(path, { name: 'standard input' }));
    expect(error.message).toMatch(/^standard input: this is not a CSV file/);
    expect(error.path).toBe('standard input');
  });
});
