/**
 * The encodings the requests file may be in, each as a codec for whole-character slices: what ends
 * on a whole character, the slice as UTF-8 or the first byte that is no character, and why.
 */
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { encodingLabel, type TextEncoding } from './input-encoding.js';

/** A character encoding's rules, for whole-character slices of the file. */
export interface Codec {
  /** How many leading bytes of `bytes` end on a whole character; the rest waits for more. */
  completeLength(bytes: Buffer): number;
  /** `part` (whole characters) as UTF-8, or the index of its first byte that is no character. */
  decode(part: Buffer): Buffer | { badIndex: number };
  /** Bytes in the file of the characters `utf8` holds. */
  sourceLength(utf8: Buffer): number;
  /** Why the bytes at `badIndex` of `part` are refused, and what to do (`isAtEnd`: the file ends there). */
  explain(part: Buffer, badIndex: number, isAtEnd: boolean): string;
}

const hex = (byte: number | undefined): string => `0x${(byte ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;

/** How an undecodable byte reads in Windows-1252, the most common non-UTF-8 export: a hint, never applied. */
function asWindows1252(byte: number | undefined): string {
  const char = iconv.decode(Buffer.of(byte ?? 0), 'windows-1252');
  return char === '\uFFFD' || /[\u0000-\u001f\u007f-\u009f]/.test(char) ? '' : ` (in Windows-1252 that byte is '${char}')`;
}

const NAME_AN_ENCODING =
  'name the encoding: --encoding windows-1252 (Excel "CSV" on Windows and most Western European exports), ' +
  '--encoding latin1, or --encoding utf-16le (Excel "Unicode text")';

/** Length of a UTF-8 sequence by its lead byte; 0 for a byte that cannot start one. */
function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Index of the first byte that does not start a well-formed UTF-8 sequence (Unicode 15, table 3-7:
 * no overlongs, no surrogates, nothing above U+10FFFF), or -1. Run only once a fast check failed.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    const length = utf8SequenceLength(lead);
    if (length === 0) return i;
    if (length > 1) {
      // The second byte's range is narrower after some leads (overlongs, surrogates, > U+10FFFF).
      const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
      const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
      const second = bytes[i + 1];
      if (second === undefined || second < low || second > high) return i;
      for (let k = 2; k < length; k += 1) {
        const next = bytes[i + k];
        if (next === undefined || next < 0x80 || next > 0xbf) return i;
      }
    }
    i += length;
  }
  return -1;
}

const utf8Codec: Codec = {
  completeLength(bytes) {
    // Walk back over at most three continuation bytes to the lead of the last sequence.
    for (let i = bytes.length - 1; i >= Math.max(0, bytes.length - 4); i -= 1) {
      const byte = bytes[i] as number;
      if (byte < 0x80) return bytes.length;
      if (byte >= 0xc0) return bytes.length - i < utf8SequenceLength(byte) ? i : bytes.length;
    }
    return bytes.length;
  },
  decode(part) {
    // The bytes are passed on as they are: validating is all UTF-8 needs.
    return isUtf8(part) ? part : { badIndex: firstInvalidUtf8(part) };
  },
  sourceLength: (utf8) => utf8.length,
  explain(part, badIndex, isAtEnd) {
    const byte = part[badIndex];
    if (isAtEnd && badIndex + utf8SequenceLength(byte ?? 0) > part.length) {
      return `the file ends inside a UTF-8 character (byte ${hex(byte)} starts one that never finishes): it is cut off, or not UTF-8; ${NAME_AN_ENCODING}`;
    }
    return `byte ${hex(byte)} is not valid UTF-8${asWindows1252(byte)}. The file is not UTF-8: ${NAME_AN_ENCODING}`;
  },
};

/** A one-byte-per-character encoding through iconv-lite; `findBad` finds characters it refuses. */
function singleByteCodec(encoding: 'windows-1252' | 'latin1', findBad: (text: string) => number, why: (byte: number | undefined) => string): Codec {
  return {
    completeLength: (bytes) => bytes.length,
    decode(part) {
      const text = iconv.decode(part, encoding);
      const badIndex = findBad(text);
      return badIndex === -1 ? Buffer.from(text, 'utf8') : { badIndex };
    },
    sourceLength: (utf8) => utf8.toString('utf8').length,
    explain: (part, badIndex) => why(part[badIndex]),
  };
}

const windows1252Codec = singleByteCodec(
  'windows-1252',
  // iconv-lite decodes the five bytes Windows-1252 leaves undefined as U+FFFD; a single-byte file
  // cannot hold U+FFFD itself.
  (text) => text.indexOf('\uFFFD'),
  (byte) => `byte ${hex(byte)} is not a character in Windows-1252: the file is in another encoding (UTF-8? then drop --encoding)`,
);

const latin1Codec = singleByteCodec(
  'latin1',
  // 0x80–0x9F are C1 control codes in ISO-8859-1, never text: a file holding them is Windows-1252.
  (text) => text.search(/[\u0080-\u009f]/),
  (byte) =>
    `byte ${hex(byte)} is a control code in Latin-1 (ISO-8859-1), never text${asWindows1252(byte)}; ` +
    'the file is probably Windows-1252: pass --encoding windows-1252',
);

function utf16Codec(encoding: 'utf-16le' | 'utf-16be'): Codec {
  const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
  const unitAt = (bytes: Uint8Array, i: number): number =>
    encoding === 'utf-16le' ? (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) : ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
  const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;
  return {
    completeLength(bytes) {
      const even = bytes.length - (bytes.length % 2);
      // A high surrogate at the end waits for its low half.
      return even >= 2 && isHigh(unitAt(bytes, even - 2)) ? even - 2 : even;
    },
    decode(part) {
      try {
        return Buffer.from(decoder.decode(part), 'utf8');
      } catch {
        for (let i = 0; i + 1 < part.length; i += 2) {
          const unit = unitAt(part, i);
          if (isLow(unit)) return { badIndex: i };
          if (isHigh(unit)) {
            if (i + 3 >= part.length || !isLow(unitAt(part, i + 2))) return { badIndex: i };
            i += 2;
          }
        }
        return { badIndex: part.length - (part.length % 2) };
      }
    },
    // UTF-16 code units are what a JavaScript string counts.
    sourceLength: (utf8) => 2 * utf8.toString('utf8').length,
    explain(part, badIndex) {
      if (badIndex + 1 >= part.length) return `the file ends with half a ${encodingLabel(encoding)} character (an odd number of bytes): it is cut off, or not ${encodingLabel(encoding)}`;
      return `code unit 0x${unitAt(part, badIndex).toString(16).toUpperCase()} is half of a character with no other half: the file is not valid ${encodingLabel(encoding)}`;
    },
  };
}

export function codecFor(encoding: TextEncoding): Codec {
  switch (encoding) {
    case 'utf-8':
      return utf8Codec;
    case 'windows-1252':
      return windows1252Codec;
    case 'latin1':
      return latin1Codec;
    case 'utf-16le':
    case 'utf-16be':
      return utf16Codec(encoding);
  }
}
