/**
 * The requests file as CSV records: its bytes through the strict decoder (input-decoder.ts), parsed
 * by csv-parse, each record with the line it starts on.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { pipeline, type Transform } from 'node:stream';
import { parse } from 'csv-parse';
import type { RequestDelimiter } from './detect-delimiter.js';
import type { RequestFileInfo } from './inspect-request-file.js';
import { createInputDecoder } from './input-decoder.js';
import { MAX_RECORD_CHARS, toInputFileError } from './request-errors.js';

/** Given every chunk of raw bytes as it is read. */
export type ByteSink = (chunk: Buffer) => void;

export interface ParsedRecord {
  fields: string[];
  line: number;
  isBlank: boolean;
}

/** A file to read, and how to decode it. */
export type DecodedSource = Pick<RequestFileInfo, 'path' | 'name' | 'decoding'>;

/** The file's bytes through the strict decoder: UTF-8 whatever the file's encoding. */
export function openDecoded(source: DecodedSource, onBytes?: ByteSink): { file: ReadStream; decoded: Transform } {
  const file = createReadStream(source.path, { highWaterMark: 64 * 1024 });
  const decoded = createInputDecoder(source.decoding, { name: source.name, ...(onBytes ? { onBytes } : {}) });
  return { file, decoded };
}

/**
 * Every record of the file, blank ones included, with the line it starts on. csv-parse's own line
 * count is off after CRLF inside quoted fields, so lines are counted here: a record spans one line
 * plus the line breaks inside its fields.
 */
export async function* parseRecords(info: DecodedSource & { delimiter: RequestDelimiter }, sink?: ByteSink): AsyncGenerator<ParsedRecord> {
  const { file: source, decoded } = openDecoded(info, sink);
  const parser = parse({
    // The decoder has taken off any byte order mark, whatever the encoding.
    bom: false,
    delimiter: info.delimiter,
    relax_column_count: true,
    // A stray `"` inside an unquoted cell (`5" screen`) is data, not a syntax error.
    relax_quotes: true,
    // Blank lines must come through so that `row` counts them.
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_CHARS,
  });
  // A read error (missing file, a directory) destroys the parser with that error, which then
  // surfaces from the iteration below; the callback only keeps pipeline from throwing unhandled.
  pipeline(source, decoded, parser, () => {});

  let line = 1;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      yield { fields, line, isBlank: fields.every((cell) => cell.trim() === '') };
      line += 1 + fields.reduce((breaks, cell) => breaks + countLineBreaks(cell), 0);
    }
  } catch (error) {
    throw toInputFileError(error, info.name, line);
  } finally {
    // Reached early when the consumer stops (inspection); closes the file descriptor.
    parser.destroy();
    decoded.destroy();
    source.destroy();
  }
}

function countLineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}
