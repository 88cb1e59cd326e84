/**
 * Step "read" of the flow: the requests CSV, streamed. The file may hold a million rows and the
 * pipeline reads it three times (to check, to plan, to report), so nothing here holds it whole:
 * {@link inspectRequestFile} reads only its start, {@link scanRequestFile} and
 * {@link readRequestRows} stream it. Its bytes are never guessed: strict UTF-8 unless a BOM or
 * `--encoding` says otherwise (input-encoding.ts), decoded strictly (input-decoder.ts), and a file
 * that is no text at all is named for what it is (file-signature.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Transform } from 'node:stream';
import { parse } from 'csv-parse';
import { ConfigError, InputFileError } from '../errors.js';
import { identifyBinaryFile } from './file-signature.js';
import { createInputDecoder } from './input-decoder.js';
import { decideDecoding, type InputDecoding, type InputEncoding } from './input-encoding.js';
import { hasIdentifierLikeCell, recogniseNonRequest, type NotARequest } from '../domain/export-footer.js';
import { classifyIdentifier } from '../domain/identifier.js';
import { findDateLikeColumn, findIdentifierColumn, findReceivedColumn, looksLikeHeader, normaliseHeaderCell, type IdentifierColumnChoice } from './request-columns.js';
import { findRequestIdColumn } from './request-id-column.js';
import { MAX_RECORD_CHARS, toInputFileError } from './request-errors.js';

/** One data record of the requests file. */
export interface RequestRow {
  /** 1-based index of the data record, counting the blank ones skipped before it (the `row` column). */
  row: number;
  /** 1-based line of the file where the record starts, for messages. */
  line: number;
  /** The record's cells as parsed, any number of them. */
  fields: string[];
  /** The cell of the identifier column as given (untrimmed); `''` when the record is too short. */
  identifier: string;
  /** Set when the line is no request but an export's footer or separator (domain/export-footer.ts). */
  notARequest?: NotARequest;
}

/** The delimiters {@link inspectRequestFile} tells apart; tab is Excel's "Unicode text" export. */
export type RequestDelimiter = ',' | ';' | '\t';

/** What {@link inspectRequestFile} learnt from the start of the file. */
export interface RequestFileInfo {
  path: string;
  /** The input as messages name it: `path`, or what the caller named it ("standard input"). */
  name: string;
  /** The encoding it is decoded in, and what decided it. */
  decoding: InputDecoding;
  /** The header record's cells, or `null` when the first record is data. */
  header: string[] | null;
  delimiter: RequestDelimiter;
  /** 0-based index of the identifier column. */
  identifierColumn: number;
  /** The header cell of that column, or `column_N` without a header. */
  identifierColumnName: string;
  /** How the identifier column was chosen, and why (for the log and summary.json). */
  identifierColumnChoice: Pick<IdentifierColumnChoice, 'chosenBy' | 'reason'>;
  /** Without a received-date column: a column that looks like it holds dates (for one warning), else `null`. */
  dateLikeColumn: number | null;
  /**
   * The last data row holding an identifier-like cell, once {@link scanRequestFile} has read the
   * whole file: rows after it may be an export's footer. Unknown (`undefined`) before the scan.
   */
  lastDataRow?: number;
  /** 0-based index of the column holding the date each request was received, or `null` when there is none. */
  receivedColumn: number | null;
  /** 0-based index of the column holding the request's own id (request-id-column.ts), or `null` when there is none. */
  requestIdColumn: number | null;
  /**
   * The widest of the header and the records inspected. A later record may be wider still; the
   * result writer keeps its columns aligned regardless.
   */
  columnCount: number;
}

/** How many non-blank records {@link inspectRequestFile} looks at. */
const SAMPLE_RECORDS = 50;


/** How many leading bytes tell a binary file or a BOM: enough for a zip's first entry names. */
const HEAD_BYTES = 64 * 1024;

/** Options of {@link inspectRequestFile}. */
export interface InspectOptions {
  /** `--column`: a header name (case-insensitive) or a 1-based column number. */
  column?: string;
  /** `--encoding`; without it, strict UTF-8 unless a BOM says UTF-16. */
  encoding?: InputEncoding;
  /** `--received-column`: a header name (case-insensitive) or a 1-based column number. */
  receivedColumn?: string;
  /** How messages name the input. @default the path */
  name?: string;
  /** `--request-id-column`: a header name (ignoring case, spaces, `_`) or a 1-based column number. */
  requestIdColumn?: string;
}

/**
 * Reads the start of the file: what it is (text, or a workbook, an archive…), its encoding,
 * delimiter, header, identifier column.
 *
 * @throws {InputFileError} `INPUT_UNREADABLE`, `INPUT_BINARY`, `INPUT_ENCODING`, `INPUT_EMPTY`,
 * `INPUT_PARSE` or `INPUT_NO_COLUMN`.
 * @throws {ConfigError} `CONFIG_COLUMN` for an empty `column`.
 */
export async function inspectRequestFile(path: string, options: InspectOptions): Promise<RequestFileInfo> {
  if (options.column !== undefined && options.column.trim() === '') {
    throw new ConfigError('Expected `--column` to be a header name or a 1-based column number, got an empty string', {
      code: 'CONFIG_COLUMN',
      option: '--column',
    });
  }
  const name = options.name ?? path;
  const head = await readHead(path, name);
  const binary = identifyBinaryFile(head);
  if (binary !== undefined) {
    throw new InputFileError(`${name}: this is not a CSV file: it looks like ${binary.description}; ${binary.advice}`, {
      code: 'INPUT_BINARY',
      path: name,
    });
  }
  const decoding = decideDecoding(head, options.encoding);
  if ('problem' in decoding) throw new InputFileError(`${name}: ${decoding.problem}`, { code: 'INPUT_ENCODING', path: name });
  const source = { path, name, decoding };
  const delimiter = detectDelimiter(await readFirstRecordText(source));

  const sample: string[][] = [];
  for await (const record of parseRecords({ ...source, delimiter })) {
    if (record.isBlank) continue;
    sample.push(record.fields);
    if (sample.length === SAMPLE_RECORDS) break;
  }
  const [first, ...rest] = sample;
  if (first === undefined) {
    throw new InputFileError(`${name}: the file holds no records`, { code: 'INPUT_EMPTY', path: name });
  }

  // `--column NAME` matching a first-row cell settles the question: the user named a header.
  const isNamedByColumnOption =
    options.column !== undefined && first.some((cell) => normaliseHeaderCell(cell) === normaliseHeaderCell(options.column ?? ''));
  const header = isNamedByColumnOption || looksLikeHeader(first, rest) ? first : null;
  const dataSample = header === null ? sample : rest;
  const columnCount = Math.max(header?.length ?? 0, ...dataSample.map((fields) => fields.length));
  // Footers and separators are no candidates: they must not outvote or dilute a column.
  const requests = dataSample.filter((fields) => recogniseNonRequest(fields, { identifierColumn: -1, isAfterData: false }) === undefined);
  const choice = findIdentifierColumn(name, header, requests, columnCount, options.column);
  const identifierColumn = choice.index;
  const receivedColumn = findReceivedColumn(name, header, columnCount, identifierColumn, options.receivedColumn);
  return {
    path,
    name,
    decoding,
    header,
    delimiter,
    identifierColumn,
    identifierColumnName: header?.[identifierColumn] ?? `column_${identifierColumn + 1}`,
    identifierColumnChoice: { chosenBy: choice.chosenBy, reason: choice.reason },
    dateLikeColumn: receivedColumn === null ? findDateLikeColumn(header, requests, columnCount, identifierColumn) : null,
    receivedColumn,
    requestIdColumn: findRequestIdColumn(name, header, columnCount, identifierColumn, options.requestIdColumn),
    columnCount,
  };
}

/**
 * Streams the data records of a file {@link inspectRequestFile} has inspected, in file order,
 * skipping the header and blank records (every cell empty or whitespace) while counting them in
 * `row`. Each call reads the file afresh.
 *
 * @throws {InputFileError} `INPUT_UNREADABLE` or `INPUT_PARSE`, from the iteration.
 */
export async function* readRequestRows(info: RequestFileInfo): AsyncGenerator<RequestRow> {
  for await (const row of dataRows(info)) if (!row.isBlank || row.notARequest !== undefined) yield toRequestRow(row);
}

function toRequestRow({ isBlank: _blank, ...row }: DataRow): RequestRow {
  return row;
}

/** What {@link scanRequestFile} found. */
export interface RequestFileScan {
  /** Data records (blank ones not counted): what {@link readRequestRows} yields. */
  rows: number;
  /** Bytes in the file, BOM included. */
  bytes: number;
  /** SHA-256 of the file's bytes as read (BOM included), lower-case hex. */
  sha256: string;
  /** The last data row holding an identifier-like cell (0: none): see {@link RequestFileInfo.lastDataRow}. */
  lastDataRow: number;
  /** How usable the identifier column is: rows that are requests, those of them `invalid`, lines skipped as no request. */
  column: ColumnUsability;
}

/** How usable the identifier column is, over the whole file. */
export interface ColumnUsability {
  /** Rows that are requests (footers and separators not counted). */
  requests: number;
  /** Of those, rows whose identifier cell is no email or Stripe id. */
  invalid: number;
  /** Lines that are no request (an export's footer or separator). */
  skipped: number;
  /**
   * Other columns holding more identifiers than the chosen one over the first
   * {@link BETTER_COLUMN_ROWS} rows, most first: `hits` of `rows`.
   */
  betterColumns: { index: number; name: string; hits: number; rows: number }[];
}

/** Rows over which every column's identifiers are counted, to name a better column: a bounded look. */
const BETTER_COLUMN_ROWS = 10_000;

/**
 * One whole pass over a file {@link inspectRequestFile} has inspected: every byte decoded and every
 * record parsed, so that an error anywhere stops the run before anything is sent. Counts the data
 * rows and hashes the bytes on the way, at no extra read.
 *
 * @throws {InputFileError} as {@link readRequestRows}.
 */
export async function scanRequestFile(info: RequestFileInfo, onRows?: (rows: number) => void): Promise<RequestFileScan> {
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  const onBytes = (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
  };
  let lastDataRow = 0;
  // Rows after the latest identifier-like one that become footers once it is known to be the last.
  let trailing = { blankSeparators: 0, invalidFooters: 0 };
  let invalid = 0;
  let skipped = 0;
  let looked = 0;
  const hitsByColumn = new Array<number>(info.columnCount).fill(0);
  for await (const row of dataRows(info, onBytes)) {
    const isDataLike = !row.isBlank && hasIdentifierLikeCell(row.fields, info.identifierColumn);
    if (isDataLike) {
      lastDataRow = row.row;
      trailing = { blankSeparators: 0, invalidFooters: 0 };
    }
    if (row.isBlank) {
      if (row.fields.length > 1) trailing.blankSeparators += 1;
      continue;
    }
    if (++rows % 10_000 === 0) onRows?.(rows);
    if (row.notARequest !== undefined) {
      skipped += 1;
      continue;
    }
    if (classifyIdentifier(row.identifier).kind === 'invalid') {
      invalid += 1;
      if (recogniseNonRequest(row.fields, { identifierColumn: info.identifierColumn, isAfterData: true }) !== undefined) trailing.invalidFooters += 1;
    }
    if (looked < BETTER_COLUMN_ROWS) {
      looked += 1;
      row.fields.forEach((cell, index) => {
        if (index < hitsByColumn.length && cell.trim() !== '' && classifyIdentifier(cell).kind !== 'invalid') hitsByColumn[index] = (hitsByColumn[index] ?? 0) + 1;
      });
    }
  }
  rows += trailing.blankSeparators;
  skipped += trailing.blankSeparators + trailing.invalidFooters;
  invalid -= trailing.invalidFooters;
  onRows?.(rows);
  const chosenHits = hitsByColumn[info.identifierColumn] ?? 0;
  const betterColumns = hitsByColumn
    .map((hits, index) => ({ index, name: info.header?.[index] ?? `column_${index + 1}`, hits, rows: looked }))
    .filter((c) => c.index !== info.identifierColumn && c.hits > chosenHits)
    .sort((a, b) => b.hits - a.hits);
  return { rows, bytes, sha256: hash.digest('hex'), lastDataRow, column: { requests: rows - skipped, invalid, skipped, betterColumns } };
}

/** Given every chunk of raw bytes as it is read. */
type ByteSink = (chunk: Buffer) => void;

/** A data record, blank ones included (`isBlank`), with what {@link recogniseNonRequest} makes of it. */
interface DataRow extends RequestRow {
  isBlank: boolean;
}

/**
 * Every data record after the header, blank ones included. Whether a row is no request (an
 * export's footer or separator) depends, for rows after the data, on `info.lastDataRow`: before
 * the scan has found it, only what marks a footer anywhere counts.
 */
async function* dataRows(info: RequestFileInfo, sink?: ByteSink): AsyncGenerator<DataRow> {
  let isHeaderPending = info.header !== null;
  let row = 0;
  for await (const { fields, line, isBlank } of parseRecords(info, sink)) {
    if (isHeaderPending) {
      // Blank lines before the header are not data rows; inspectRequestFile skipped them too.
      if (!isBlank) isHeaderPending = false;
      continue;
    }
    row += 1;
    const isAfterData = info.lastDataRow !== undefined && row > info.lastDataRow;
    const notARequest = recogniseNonRequest(fields, { identifierColumn: info.identifierColumn, isAfterData });
    yield { row, line, fields, identifier: fields[info.identifierColumn] ?? '', isBlank, ...(notARequest !== undefined ? { notARequest } : {}) };
  }
}

interface ParsedRecord {
  fields: string[];
  line: number;
  isBlank: boolean;
}

/** A file to read, and how to decode it. */
type DecodedSource = Pick<RequestFileInfo, 'path' | 'name' | 'decoding'>;

/** The file's bytes through the strict decoder: UTF-8 whatever the file's encoding. */
function openDecoded(source: DecodedSource, onBytes?: ByteSink): { file: ReadStream; decoded: Transform } {
  const file = createReadStream(source.path, { highWaterMark: 64 * 1024 });
  const decoded = createInputDecoder(source.decoding, { name: source.name, ...(onBytes ? { onBytes } : {}) });
  return { file, decoded };
}

/**
 * Every record of the file, blank ones included, with the line it starts on. csv-parse's own line
 * count is off after CRLF inside quoted fields, so lines are counted here: a record spans one line
 * plus the line breaks inside its fields.
 */
async function* parseRecords(info: DecodedSource & { delimiter: RequestDelimiter }, sink?: ByteSink): AsyncGenerator<ParsedRecord> {
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

/** The file's first {@link HEAD_BYTES} bytes (fewer if it is shorter). */
async function readHead(path: string, name: string): Promise<Buffer> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      let filled = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, filled, HEAD_BYTES - filled, null);
        if (bytesRead === 0 || (filled += bytesRead) === HEAD_BYTES) break;
      }
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw toInputFileError(error, name, undefined);
  }
}

function countLineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** Everything up to the end of the first non-blank record, read chunk by chunk. */
async function readFirstRecordText(info: DecodedSource): Promise<string> {
  const { file: source, decoded } = openDecoded(info);
  pipeline(source, decoded, () => {});
  let text = '';
  try {
    // The decoder passes whole characters only, so each chunk decodes on its own.
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      text += chunk.toString('utf8');
      if (endOfFirstRecord(text) !== -1 || text.length >= MAX_RECORD_CHARS) break;
    }
  } catch (error) {
    throw toInputFileError(error, info.name, undefined);
  } finally {
    decoded.destroy();
    source.destroy();
  }
  const end = endOfFirstRecord(text);
  return end === -1 ? text : text.slice(0, end);
}

/** Index of the line break ending the first record with content, outside quotes; -1 if none yet. */
function endOfFirstRecord(text: string): number {
  let isQuoted = false;
  let hasContent = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '"') isQuoted = !isQuoted;
    else if (!isQuoted && (char === '\n' || char === '\r')) {
      if (hasContent) return i;
    } else if (char !== undefined && !/\s|\uFEFF/.test(char)) hasContent = true;
  }
  return -1;
}

/**
 * The delimiter the first record holds most of outside quotes: `;` (a European spreadsheet
 * export) or a tab (Excel's "Unicode text") when it outnumbers the others, else `,` — also for a
 * single-column file, which holds none.
 */
function detectDelimiter(firstRecord: string): RequestDelimiter {
  let isQuoted = false;
  const counts = { ',': 0, ';': 0, '\t': 0 };
  for (const char of firstRecord) {
    if (char === '"') isQuoted = !isQuoted;
    else if (!isQuoted && (char === ',' || char === ';' || char === '\t')) counts[char] += 1;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return ',';
}
