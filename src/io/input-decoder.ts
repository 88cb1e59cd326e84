/**
 * The requests file's bytes → UTF-8 for the CSV parser, strictly: a byte that is no character in
 * the file's encoding, or a NUL, stops the read with the line, column and byte offset where it
 * sits. Streaming: a character split between two chunks is carried over whole, never decoded in
 * halves; nothing is held but the current chunk.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { InputFileError } from '../errors.js';
import { encodingLabel, type InputDecoding, type TextEncoding } from './input-encoding.js';

/** A character encoding's rules, for whole-character slices of the file. */
interface Codec {
  /** How many leading bytes of `bytes` end on a whole character; the rest waits for more. */
  completeLength(bytes: Buffer): number;
  /** `part` (whole characters) as UTF-8, or the index of its first byte that is no character. */
  decode(part: Buffer): Buffer | { badIndex: number };
  /** Bytes in the file of the characters `utf8` holds. */
  sourceLength(utf8: Buffer): number;
  /** Why the bytes at `badIndex` of `part` are refused, and what to do (`isAtEnd`: the file ends there). */
  explain(part: Buffer, badIndex: number, isAtEnd: boolean): string;
}

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

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

function codecFor(encoding: TextEncoding): Codec {
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

/**
 * Where the next character of the decoded text sits. Line breaks are LF, CRLF and a lone CR, as the
 * reader counts them; columns count UTF-16 code units, as editors mostly do.
 */
class TextPosition {
  /** 1-based line of the next character. */
  line = 1;
  /** Characters already on that line. */
  column = 0;
  /** The last byte seen was a CR: a line break whether or not an LF follows. */
  #afterCr = false;

  /** Moves past `utf8`. */
  advance(utf8: Buffer): void {
    if (utf8.length === 0) return;
    let breaks = 0;
    /** Index where the last line of `utf8` starts; -1 while `utf8` holds no break. */
    let lineStart = -1;
    // The LF of a CRLF whose CR ended the previous buffer: that break is counted already.
    const isLfOfEarlierCr = this.#afterCr && utf8[0] === LF;
    if (isLfOfEarlierCr) lineStart = 1;
    for (let i = utf8.indexOf(LF, isLfOfEarlierCr ? 1 : 0); i !== -1; i = utf8.indexOf(LF, i + 1)) {
      // An LF after a CR is the CR's break, counted below.
      if (i === 0 || utf8[i - 1] !== CR) breaks += 1;
      lineStart = i + 1;
    }
    for (let i = utf8.indexOf(CR); i !== -1; i = utf8.indexOf(CR, i + 1)) {
      breaks += 1;
      lineStart = Math.max(lineStart, utf8[i + 1] === LF ? i + 2 : i + 1);
    }
    this.#afterCr = utf8[utf8.length - 1] === CR;
    if (breaks > 0) {
      this.line += breaks;
      this.column = 0;
    }
    this.column += (lineStart === -1 ? utf8 : utf8.subarray(lineStart)).toString('utf8').length;
  }

  /** Where the character at byte `index` of `utf8` (the next buffer to pass) sits: 1-based line and column. */
  at(utf8: Buffer, index: number): { line: number; column: number } {
    const probe = new TextPosition();
    probe.line = this.line;
    probe.column = this.column;
    probe.#afterCr = this.#afterCr;
    probe.advance(utf8.subarray(0, index));
    return { line: probe.line, column: probe.column + 1 };
  }
}

/** Options of {@link createInputDecoder}. */
export interface InputDecoderOptions {
  /** The input as messages name it: a path, or "standard input". */
  name: string;
  /** Fed every chunk of the file as read, BOM included: a hash (the SHA-256 summary.json records), a counter. */
  onBytes?: (chunk: Buffer) => void;
}

/**
 * A transform from the file's bytes to UTF-8 for csv-parse, per {@link InputDecoding}. It fails
 * the stream with an {@link InputFileError} — `INPUT_ENCODING` for a byte that is no character,
 * `INPUT_BINARY` for a NUL — naming the line, column and byte offset.
 */
export function createInputDecoder(decoding: InputDecoding, options: InputDecoderOptions): Transform {
  const codec = codecFor(decoding.encoding);
  const position = new TextPosition();
  /** Bytes of BOM not yet skipped. */
  let bomLeft = decoding.bomLength;
  /** The start of a character split by the chunk boundary, waiting for its end. */
  let carried = EMPTY;
  /** Byte offset in the file of `carried`'s first byte (of the next part). */
  let offset = 0;

  const fail = (code: 'INPUT_ENCODING' | 'INPUT_BINARY', problem: string, at: { line: number; column: number }, byteOffset: number): InputFileError =>
    new InputFileError(`${options.name}: line ${at.line}, column ${at.column} (byte offset ${byteOffset}): ${problem}`, {
      code,
      path: options.name,
      line: at.line,
      byteOffset,
    });

  /** Throws when `decoded` (the next text) holds a NUL: no text file does. */
  const refuseNul = (decoded: Buffer): void => {
    const nul = decoded.indexOf(0);
    if (nul === -1) return;
    const isAsciiBased = decoding.encoding === 'utf-8' || decoding.encoding === 'windows-1252' || decoding.encoding === 'latin1';
    throw fail(
      'INPUT_BINARY',
      `a NUL byte: this is not a ${encodingLabel(decoding.encoding)} text file. It is a binary file` +
        (isAsciiBased ? ', or UTF-16 text without a byte order mark (then pass --encoding utf-16le)' : '') +
        '; export the requests as CSV',
      position.at(decoded, nul),
      offset + codec.sourceLength(decoded.subarray(0, nul)),
    );
  };

  /** Checks, passes on and accounts for one slice of whole characters. */
  const emit = (stream: Transform, part: Buffer, isAtEnd: boolean): void => {
    if (part.length === 0) return;
    const decoded = codec.decode(part);
    if (!Buffer.isBuffer(decoded)) {
      const valid = codec.decode(part.subarray(0, decoded.badIndex));
      const prefix = Buffer.isBuffer(valid) ? valid : EMPTY;
      // Whichever comes first is the problem to name: a NUL before the bad byte says "binary".
      refuseNul(prefix);
      throw fail('INPUT_ENCODING', codec.explain(part, decoded.badIndex, isAtEnd), position.at(prefix, prefix.length), offset + decoded.badIndex);
    }
    refuseNul(decoded);
    position.advance(decoded);
    offset += part.length;
    stream.push(decoded);
  };

  return new Transform({
    transform(this: Transform, chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      try {
        options.onBytes?.(chunk);
        let bytes = carried.length === 0 ? chunk : Buffer.concat([carried, chunk]);
        if (bomLeft > 0) {
          const skipped = Math.min(bomLeft, bytes.length);
          bytes = bytes.subarray(skipped);
          bomLeft -= skipped;
          offset += skipped;
        }
        const end = codec.completeLength(bytes);
        // A copy: the carried bytes must outlive the chunk they came in.
        carried = Buffer.from(bytes.subarray(end));
        emit(this, bytes.subarray(0, end), false);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(this: Transform, done: TransformCallback) {
      try {
        // What is still carried is a character the file never finishes: decoding it fails.
        emit(this, carried, true);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}
