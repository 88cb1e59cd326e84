import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { identifyBinaryFile } from '../../src/input/file-signature.js';
import { buildXlsx, buildZip } from '../helpers/zip.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('identifyBinaryFile', () => {
  it('names an xlsx workbook, which is a zip whose entries live under xl/', () => {
    expect(identifyBinaryFile(buildXlsx())).toMatchObject({ id: 'xlsx', description: 'an Excel workbook (xlsx)' });
    expect(identifyBinaryFile(buildXlsx())?.advice).toMatch(/CSV UTF-8/);
  });

  it('names an OpenDocument spreadsheet, a Word document and a plain zip', () => {
    expect(identifyBinaryFile(buildZip({ mimetype: 'application/vnd.oasis.opendocument.spreadsheet', 'content.xml': '<x/>' }))?.id).toBe('ods');
    expect(identifyBinaryFile(buildZip({ '[Content_Types].xml': '<Types/>', 'word/document.xml': '<w/>' }))?.id).toBe('docx');
    expect(identifyBinaryFile(buildZip({ 'requests.csv': 'email\na@x.com\n' }))).toMatchObject({ id: 'zip', description: 'a zip archive' });
    expect(identifyBinaryFile(buildZip({}))?.id).toBe('zip');
  });

  it.each([
    ['xls', bytes(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0)],
    ['gzip', gzipSync('email\na@x.com\n')],
    ['pdf', Buffer.from('%PDF-1.7\n%âãÏÓ\n')],
    ['sqlite', Buffer.from('SQLite format 3\0\x10\0')],
    ['bzip2', Buffer.from('BZh91AY&SY')],
    ['xz', bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00)],
    ['zstd', bytes(0x28, 0xb5, 0x2f, 0xfd, 0x04)],
    ['7z', bytes(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00)],
    ['rar', Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1')],
    ['png', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a)],
    ['jpeg', bytes(0xff, 0xd8, 0xff, 0xe0)],
    ['tar', Buffer.concat([Buffer.alloc(257), Buffer.from('ustar\x0000')])],
  ])('names %s', (id, head) => {
    expect(identifyBinaryFile(head)?.id).toBe(id);
  });

  it.each([
    ['a CSV', Buffer.from('email\na@x.com\n')],
    ['an empty file', Buffer.alloc(0)],
    ['a CSV whose first cell starts with PK', Buffer.from('PK,email\n1,a@x.com\n')],
    ['a UTF-16LE BOM', bytes(0xff, 0xfe, 0x65, 0x00)],
  ])('names nothing for %s', (_what, head) => {
    expect(identifyBinaryFile(head)).toBeUndefined();
  });
});
