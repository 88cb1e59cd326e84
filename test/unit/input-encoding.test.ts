import { describe, expect, it } from 'vitest';
import { decideDecoding, parseInputEncoding } from '../../src/input/input-encoding.js';

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];
const head = (...parts: (number[] | string)[]): Buffer =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));

describe('decideDecoding', () => {
  it('reads strict UTF-8 when neither a BOM nor --encoding says otherwise', () => {
    expect(decideDecoding(head('email\n'), undefined)).toEqual({ encoding: 'utf-8', bomLength: 0, decidedBy: 'default' });
  });

  it.each([
    ['UTF-8', UTF8_BOM, 'utf-8'],
    ['UTF-16LE', UTF16LE_BOM, 'utf-16le'],
    ['UTF-16BE', UTF16BE_BOM, 'utf-16be'],
  ] as const)('lets a %s BOM decide, skipping its bytes', (_label, bom, encoding) => {
    expect(decideDecoding(head(bom, 'e'), undefined)).toEqual({ encoding, bomLength: bom.length, decidedBy: 'bom' });
  });

  it('accepts --encoding that agrees with the BOM', () => {
    expect(decideDecoding(head(UTF16LE_BOM, 'e\0'), 'utf-16le')).toMatchObject({ encoding: 'utf-16le', decidedBy: 'bom' });
    expect(decideDecoding(head(UTF8_BOM, 'e'), 'utf-8')).toMatchObject({ encoding: 'utf-8', decidedBy: 'bom' });
  });

  it.each([
    [UTF8_BOM, 'windows-1252', /--encoding windows-1252 says Windows-1252, but the file starts with a UTF-8 byte order mark/],
    [UTF16LE_BOM, 'latin1', /--encoding latin1 says Latin-1 \(ISO-8859-1\), but the file starts with a UTF-16LE byte order mark/],
    [UTF16BE_BOM, 'utf-16le', /--encoding utf-16le says UTF-16LE, but the file starts with a UTF-16BE byte order mark/],
    [UTF16LE_BOM, 'utf-8', /--encoding utf-8 says UTF-8, but the file starts with a UTF-16LE byte order mark/],
  ] as const)('refuses a BOM that contradicts --encoding, naming both (%j vs %s)', (bom, requested, message) => {
    const decision = decideDecoding(head(bom, 'e'), requested);
    expect(decision).toEqual({ problem: expect.stringMatching(message) });
  });

  it.each([
    ['UTF-32LE', [0xff, 0xfe, 0x00, 0x00]],
    ['UTF-32BE', [0x00, 0x00, 0xfe, 0xff]],
  ])('refuses %s, which it cannot read', (label, bom) => {
    expect(decideDecoding(head(bom, 'e\0\0\0'), undefined)).toEqual({ problem: expect.stringContaining(`${label} is not supported`) });
  });

  it('takes --encoding without a BOM', () => {
    expect(decideDecoding(head('j\xf6rg'), 'windows-1252')).toEqual({ encoding: 'windows-1252', bomLength: 0, decidedBy: 'option' });
    expect(decideDecoding(head('j\xf6rg'), 'latin1')).toEqual({ encoding: 'latin1', bomLength: 0, decidedBy: 'option' });
    expect(decideDecoding(Buffer.from('email\n', 'utf16le'), 'utf-16le')).toEqual({ encoding: 'utf-16le', bomLength: 0, decidedBy: 'option' });
  });

  it('refuses --encoding utf-16le for a file whose first bytes are not UTF-16LE text', () => {
    expect(decideDecoding(head('email\na@x.com\n'), 'utf-16le')).toEqual({ problem: expect.stringContaining('not UTF-16LE text') });
  });
});

describe('parseInputEncoding', () => {
  it.each([
    ['utf-8', 'utf-8'],
    ['UTF8', 'utf-8'],
    ['windows-1252', 'windows-1252'],
    ['cp1252', 'windows-1252'],
    ['latin1', 'latin1'],
    ['ISO-8859-1', 'latin1'],
    ['iso_8859-1', 'latin1'],
    ['utf-16le', 'utf-16le'],
    ['UTF16LE', 'utf-16le'],
  ])('reads %s as %s', (value, encoding) => {
    expect(parseInputEncoding(value)).toBe(encoding);
  });

  it.each(['ascii', 'utf-16', 'shift_jis', ''])('names no encoding for %j', (value) => {
    expect(parseInputEncoding(value)).toBeUndefined();
  });
});
