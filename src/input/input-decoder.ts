/**
 * The requests file's bytes → UTF-8 for the CSV parser, strictly: a byte that is no character in
 * the file's encoding, or a NUL, stops the read with the line, column and byte offset where it
 * sits. Streaming: a character split between two chunks is carried over whole, never decoded in
 * halves; nothing is held but the current chunk.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { InputFileError } from '../errors.js';
import { encodingLabel, type InputDecoding } from './input-encoding.js';
import { codecFor } from './text-codecs.js';
import { TextPosition } from './text-position.js';

const EMPTY = Buffer.alloc(0);

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
