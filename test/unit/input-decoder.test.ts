import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/errors.js';
import { createInputDecoder } from '../../src/input/input-decoder.js';
import { firstInvalidUtf8 } from '../../src/input/text-codecs.js';
import type { InputDecoding, TextEncoding } from '../../src/input/input-encoding.js';

const decodingOf = (encoding: TextEncoding, bomLength = 0): InputDecoding => ({ encoding, bomLength, decidedBy: bomLength > 0 ? 'bom' : 'option' });

/** Feeds `chunks` through the decoder one by one; resolves with the UTF-8 text it passes on. */
async function decode(decoding: InputDecoding, chunks: Buffer[], onBytes?: (chunk: Buffer) => void): Promise<string> {
  const decoder = createInputDecoder(decoding, { name: 'in.csv', ...(onBytes ? { onBytes } : {}) });
  Readable.from(chunks, { objectMode: false }).pipe(decoder);
  const parts: Buffer[] = [];
  for await (const part of decoder as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

async function decodeError(decoding: InputDecoding, chunks: Buffer[]): Promise<InputFileError> {
  const error = await decode(decoding, chunks).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

/** `bytes` cut at `at` into two chunks. */
const splitAt = (bytes: Buffer, at: number): Buffer[] => [bytes.subarray(0, at), bytes.subarray(at)];
/** `bytes` as one-byte chunks. */
const byteByByte = (bytes: Buffer): Buffer[] => [...bytes].map((byte) => Buffer.of(byte));

const MIXED = 'email,name\njörg@example.com,Jörg\n€ 100,😀 \u4e2d\r\nz@x.com,Zoë\n';

describe('input decoder: UTF-8', () => {
  const bytes = Buffer.from(MIXED, 'utf8');

  it('keeps a 2-, 3- or 4-byte character whole when a chunk boundary splits it, wherever it falls', async () => {
    for (let at = 0; at <= bytes.length; at += 1) {
      expect(await decode(decodingOf('utf-8'), splitAt(bytes, at)), `split at byte ${at}`).toBe(MIXED);
    }
    expect(await decode(decodingOf('utf-8'), byteByByte(bytes))).toBe(MIXED);
  });

  it('stops at the first byte that is not UTF-8, naming line, column and byte offset, and suggesting an encoding', async () => {
    const latin1 = Buffer.from('email\na@x.com\nj\xf6rg@example.com\n', 'latin1');
    const error = await decodeError(decodingOf('utf-8'), [latin1]);
    expect(error.code).toBe('INPUT_ENCODING');
    expect(error.line).toBe(3);
    expect(error.byteOffset).toBe(15);
    expect(error.message).toMatch(/^in\.csv: line 3, column 2 \(byte offset 15\): byte 0xF6 is not valid UTF-8/);
    expect(error.message).toContain("in Windows-1252 that byte is 'ö'");
    expect(error.message).toContain('--encoding windows-1252');
    expect(error.message).toContain('--encoding latin1');
  });

  it('counts lines and columns across chunks, with LF, CRLF and a lone CR, and a CRLF split between chunks', async () => {
    const text = Buffer.concat([Buffer.from('a\r\nb\rc\nd€\r'), Buffer.from('\nxy'), Buffer.of(0xff)]);
    for (let at = 0; at <= text.length - 1; at += 1) {
      const error = await decodeError(decodingOf('utf-8'), splitAt(text, at));
      expect(error.line, `split at byte ${at}`).toBe(5);
      expect(error.message, `split at byte ${at}`).toContain('line 5, column 3 (byte offset 15)');
    }
  });

  it('counts the column in characters, not bytes', async () => {
    const error = await decodeError(decodingOf('utf-8'), [Buffer.concat([Buffer.from('ööö'), Buffer.of(0x80)])]);
    expect(error.message).toContain('line 1, column 4 (byte offset 6)');
  });

  it.each([
    ['an overlong encoding of /', [0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a continuation byte with no lead', [0x80]],
    ['a lead byte followed by ASCII', [0xe2, 0x41, 0x41]],
  ])('refuses %s', async (_what, bad) => {
    const error = await decodeError(decodingOf('utf-8'), [Buffer.concat([Buffer.from('ok\n'), Buffer.from(bad), Buffer.from('\n')])]);
    expect(error.code).toBe('INPUT_ENCODING');
    expect(error.byteOffset).toBe(3);
    expect(error.line).toBe(2);
  });

  it('refuses a file that ends inside a character, even when the cut falls on a chunk boundary', async () => {
    const cut = Buffer.from('email\nx€', 'utf8').subarray(0, -1);
    const error = await decodeError(decodingOf('utf-8'), splitAt(cut, cut.length - 1));
    expect(error.code).toBe('INPUT_ENCODING');
    expect(error.message).toContain('line 2, column 2 (byte offset 7)');
    expect(error.message).toMatch(/ends inside a UTF-8 character/);
  });

  it('skips the BOM yet counts it in byte offsets, and hands every byte read to onBytes', async () => {
    const withBom = Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from('email\nü')]);
    const seen: Buffer[] = [];
    expect(await decode(decodingOf('utf-8', 3), splitAt(withBom, 2), (chunk) => seen.push(chunk))).toBe('email\nü');
    expect(Buffer.concat(seen)).toEqual(withBom);
    const error = await decodeError(decodingOf('utf-8', 3), [Buffer.concat([withBom, Buffer.of(0xff)])]);
    expect(error.byteOffset).toBe(11);
  });

  it('names a NUL byte as binary and hints at UTF-16 without a BOM', async () => {
    const utf16WithoutBom = Buffer.from('email\nä@x.com\n', 'utf16le');
    const error = await decodeError(decodingOf('utf-8'), [utf16WithoutBom]);
    expect(error.code).toBe('INPUT_BINARY');
    expect(error.line).toBe(1);
    expect(error.byteOffset).toBe(1);
    expect(error.message).toContain('NUL');
    expect(error.message).toContain('--encoding utf-16le');
  });

  it('finds the first invalid byte the way the fast check judges the whole buffer', () => {
    expect(firstInvalidUtf8(Buffer.from(MIXED))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.of(0x41, 0xf0, 0x9f, 0x98))).toBe(1);
    expect(firstInvalidUtf8(Buffer.of(0x41, 0xf5, 0x80, 0x80, 0x80))).toBe(1);
  });
});

describe('input decoder: UTF-16', () => {
  it.each(['utf-16le', 'utf-16be'] as const)('decodes %s after its BOM, whatever the chunking (odd splits, split surrogate pairs)', async (encoding) => {
    const body = encoding === 'utf-16le' ? Buffer.from(MIXED, 'utf16le') : Buffer.from(MIXED, 'utf16le').swap16();
    const bom = encoding === 'utf-16le' ? Buffer.of(0xff, 0xfe) : Buffer.of(0xfe, 0xff);
    const bytes = Buffer.concat([bom, body]);
    for (let at = 0; at <= bytes.length; at += 1) {
      expect(await decode(decodingOf(encoding, 2), splitAt(bytes, at)), `split at byte ${at}`).toBe(MIXED);
    }
    expect(await decode(decodingOf(encoding, 2), byteByByte(bytes))).toBe(MIXED);
  });

  it('refuses an unpaired surrogate, naming its line and byte offset', async () => {
    const bytes = Buffer.concat([Buffer.from('email\na', 'utf16le'), Buffer.of(0x3d, 0xd8), Buffer.from('b\n', 'utf16le')]);
    const error = await decodeError(decodingOf('utf-16le'), splitAt(bytes, 13));
    expect(error.code).toBe('INPUT_ENCODING');
    expect(error.line).toBe(2);
    expect(error.byteOffset).toBe(14);
    expect(error.message).toContain('0xD83D');
  });

  it('refuses a file with an odd number of bytes', async () => {
    const error = await decodeError(decodingOf('utf-16le'), [Buffer.concat([Buffer.from('email\n', 'utf16le'), Buffer.of(0x41)])]);
    expect(error.code).toBe('INPUT_ENCODING');
    expect(error.message).toMatch(/half a UTF-16LE character/);
  });
});

describe('input decoder: single-byte encodings', () => {
  it('reads Windows-1252, € and the curly quotes included', async () => {
    const bytes = Buffer.from([...Buffer.from('j'), 0xf6, ...Buffer.from('rg,'), 0x80, 0x93, 0x94, 0x0a]);
    expect(await decode(decodingOf('windows-1252'), byteByByte(bytes))).toBe('jörg,€“”\n');
  });

  it('refuses the bytes Windows-1252 leaves undefined', async () => {
    const error = await decodeError(decodingOf('windows-1252'), [Buffer.from([...Buffer.from('a\nb'), 0x81, 0x0a])]);
    expect(error.code).toBe('INPUT_ENCODING');
    expect(error.message).toContain('line 2, column 2 (byte offset 3): byte 0x81 is not a character in Windows-1252');
  });

  it('reads Latin-1', async () => {
    expect(await decode(decodingOf('latin1'), [Buffer.from('jörg@example.com,Zoë\n', 'latin1')])).toBe('jörg@example.com,Zoë\n');
  });

  it('refuses Latin-1 control codes 0x80–0x9F and points to Windows-1252', async () => {
    const error = await decodeError(decodingOf('latin1'), [Buffer.from([...Buffer.from('price\n'), 0x80, 0x0a])]);
    expect(error.code).toBe('INPUT_ENCODING');
    expect(error.line).toBe(2);
    expect(error.message).toContain("in Windows-1252 that byte is '€'");
    expect(error.message).toContain('--encoding windows-1252');
  });

  it('names a NUL byte in a single-byte file as binary, with its offset', async () => {
    const error = await decodeError(decodingOf('windows-1252'), [Buffer.from([...Buffer.from('ab\nö', 'latin1'), 0x00])]);
    expect(error.code).toBe('INPUT_BINARY');
    expect(error.byteOffset).toBe(4);
  });
});
