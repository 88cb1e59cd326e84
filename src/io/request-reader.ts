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
import { CsvError, parse } from 'csv-parse';
import { classifyIdentifier } from '../domain/identifier.js';
import { ConfigError, InputFileError } from '../errors.js';
import { identifyBinaryFile } from './file-signature.js';
import { createInputDecoder } from './input-decoder.js';
import { decideDecoding, type InputDecoding, type InputEncoding } from './input-encoding.js';

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
  /** 0-based index of the column holding the date each request was received, or `null` when there is none. */
  receivedColumn: number | null;
  /**
   * The widest of the header and the records inspected. A later record may be wider still; the
   * result writer keeps its columns aligned regardless.
   */
  columnCount: number;
}

/** Header cells that name the identifier column, most specific first (the tie-break order). */
const KNOWN_IDENTIFIER_HEADERS = [
  'email',
  'e-mail',
  'email_address',
  'customer_id',
  'customer',
  'stripe_id',
  'identifier',
  'id',
] as const;

/** Header cells that name the received-date column, in the order a tie is settled. */
const KNOWN_RECEIVED_HEADERS = ['received_at', 'received', 'requested_at', 'request_date', 'created', 'created_at', 'date'] as const;

/** How many non-blank records {@link inspectRequestFile} looks at. */
const SAMPLE_RECORDS = 50;

/**
 * Longest record, in characters, before parsing stops with `INPUT_PARSE`. Guards memory: without it
 * a quote left open would pull the rest of the file into one field.
 */
const MAX_RECORD_CHARS = 1 << 20;

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
  const identifierColumn = findIdentifierColumn(name, header, dataSample, columnCount, options.column);
  const receivedColumn = findReceivedColumn(name, header, columnCount, identifierColumn, options.receivedColumn);
  return {
    path,
    name,
    decoding,
    header,
    delimiter,
    identifierColumn,
    identifierColumnName: header?.[identifierColumn] ?? `column_${identifierColumn + 1}`,
    receivedColumn,
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
  yield* dataRows(info);
}

/** What {@link scanRequestFile} found. */
export interface RequestFileScan {
  /** Data records (blank ones not counted): what {@link readRequestRows} yields. */
  rows: number;
  /** Bytes in the file, BOM included. */
  bytes: number;
  /** SHA-256 of the file's bytes as read (BOM included), lower-case hex. */
  sha256: string;
}

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
  for await (const _row of dataRows(info, onBytes)) if (++rows % 10_000 === 0) onRows?.(rows);
  onRows?.(rows);
  return { rows, bytes, sha256: hash.digest('hex') };
}

/** Given every chunk of raw bytes as it is read. */
type ByteSink = (chunk: Buffer) => void;

async function* dataRows(info: RequestFileInfo, sink?: ByteSink): AsyncGenerator<RequestRow> {
  let isHeaderPending = info.header !== null;
  let row = 0;
  for await (const { fields, line, isBlank } of parseRecords(info, sink)) {
    if (isHeaderPending) {
      // Blank lines before the header are not data rows; inspectRequestFile skipped them too.
      if (!isBlank) isHeaderPending = false;
      continue;
    }
    row += 1;
    if (isBlank) continue;
    yield { row, line, fields, identifier: fields[info.identifierColumn] ?? '' };
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

function normaliseHeaderCell(cell: string): string {
  return cell.trim().toLowerCase();
}

function isKnownIdentifierHeader(cell: string): boolean {
  return (KNOWN_IDENTIFIER_HEADERS as readonly string[]).includes(normaliseHeaderCell(cell));
}

function isIdentifier(cell: string): boolean {
  return classifyIdentifier(cell).kind !== 'invalid';
}

/**
 * A cell that may be a mistyped request rather than a column name: it has an `@`, or it is shaped
 * like a Stripe id with a digit. Such a first row is kept as data, so that no request silently
 * goes missing from the report as a "header".
 */
function looksLikeMistypedIdentifier(cell: string): boolean {
  return cell.includes('@') || /^\s*[a-z]+_[A-Za-z0-9_]*\d/.test(cell);
}

/**
 * A header is present when a first-row cell is a known identifier header, or when no first-row
 * cell is an identifier while later rows hold some (and the first row is not a mistyped request).
 */
function looksLikeHeader(first: string[], rest: string[][]): boolean {
  if (first.some(isKnownIdentifierHeader)) return true;
  if (first.some(isIdentifier) || first.some(looksLikeMistypedIdentifier)) return false;
  return rest.some((fields) => fields.some(isIdentifier));
}

function findIdentifierColumn(
  path: string,
  header: string[] | null,
  dataSample: string[][],
  columnCount: number,
  column: string | undefined,
): number {
  if (column !== undefined) return findNamedColumn(path, header, columnCount, column);

  if (header !== null) {
    const candidates = header.flatMap((cell, index) => (isKnownIdentifierHeader(cell) ? [index] : []));
    const best = bestCandidate(candidates, header, dataSample);
    if (best !== undefined) return best;
  }
  if (columnCount <= 1) return 0;

  const hint = identifierColumnHint(header, dataSample, columnCount);
  throw new InputFileError(
    header === null
      ? `${path}: ${columnCount} columns and no header, so the identifier column is unknown; ` +
          `pass --column with its 1-based number${hint}`
      : `${path}: none of the columns ${formatHeader(header)} is a known identifier column ` +
          `(${KNOWN_IDENTIFIER_HEADERS.join(', ')}); pass --column NAME${hint}`,
    { code: 'INPUT_NO_COLUMN', path },
  );
}

/**
 * Among several recognised headers (`id` next to `email`, say), the column whose sampled cells
 * are most often identifiers; ties go to the more specific header name.
 */
function bestCandidate(candidates: number[], header: string[], dataSample: string[][]): number | undefined {
  const rank = (index: number): [number, number] => [
    dataSample.filter((fields) => isIdentifier(fields[index] ?? '')).length,
    -(KNOWN_IDENTIFIER_HEADERS as readonly string[]).indexOf(normaliseHeaderCell(header[index] ?? '')),
  ];
  return candidates
    .map((index) => ({ index, rank: rank(index) }))
    .sort((a, b) => b.rank[0] - a.rank[0] || b.rank[1] - a.rank[1])[0]?.index;
}

/**
 * The received-date column: `--received-column` (a header name, then a 1-based number; naming no
 * column is an error), else the first header cell among {@link KNOWN_RECEIVED_HEADERS}, else none.
 */
function findReceivedColumn(path: string, header: string[] | null, columnCount: number, identifierColumn: number, named: string | undefined): number | null {
  if (named !== undefined) {
    const index = findNamedColumn(path, header, columnCount, named, '--received-column');
    if (index === identifierColumn) {
      throw new InputFileError(`${path}: --received-column '${named}' names the identifier column; name the column holding the date`, { code: 'INPUT_NO_COLUMN', path });
    }
    return index;
  }
  if (header === null) return null;
  for (const known of KNOWN_RECEIVED_HEADERS) {
    const index = header.findIndex((cell, i) => i !== identifierColumn && normaliseHeaderCell(cell) === known);
    if (index !== -1) return index;
  }
  return null;
}

/** `--column` (or `option`): a header name first, then a 1-based number. */
function findNamedColumn(path: string, header: string[] | null, columnCount: number, column: string, option = '--column'): number {
  const wanted = normaliseHeaderCell(column);
  const byName = header?.findIndex((cell) => normaliseHeaderCell(cell) === wanted) ?? -1;
  if (byName !== -1) return byName;

  if (/^\d+$/.test(wanted)) {
    const number = Number(wanted);
    if (number >= 1 && number <= columnCount) return number - 1;
  }
  throw new InputFileError(
    header === null
      ? `${path}: ${option} '${column}' names no column; the file has no header, so pass a column ` +
          `number from 1 to ${columnCount}`
      : `${path}: ${option} '${column}' names no column; the header is ${formatHeader(header)}`,
    { code: 'INPUT_NO_COLUMN', path },
  );
}

/** ` (column N looks like it holds identifiers)`, when exactly one column does; else empty. */
function identifierColumnHint(header: string[] | null, dataSample: string[][], columnCount: number): string {
  const likely: number[] = [];
  for (let index = 0; index < columnCount; index += 1) {
    const hits = dataSample.filter((fields) => isIdentifier(fields[index] ?? '')).length;
    if (hits > 0 && hits * 2 >= dataSample.length) likely.push(index);
  }
  const [only] = likely;
  if (only === undefined || likely.length > 1) return '';
  const name = header?.[only];
  return name === undefined
    ? ` (column ${only + 1} looks like it holds identifiers)`
    : ` (column ${JSON.stringify(name)} looks like it holds identifiers)`;
}

function formatHeader(header: string[]): string {
  return header.map((cell) => JSON.stringify(cell)).join(', ');
}

function toInputFileError(error: unknown, path: string, line: number | undefined): Error {
  if (error instanceof InputFileError) return error;
  if (error instanceof CsvError) {
    const at = line ?? (typeof error.lines === 'number' ? error.lines : undefined);
    return new InputFileError(`${path}: ${at === undefined ? '' : `line ${at}: `}${describeCsvError(error)}`, {
      code: 'INPUT_PARSE',
      path,
      ...(at === undefined ? {} : { line: at }),
      ...(typeof error.column === 'number' ? { column: error.column + 1 } : {}),
      cause: error,
    });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') {
    return new InputFileError(`${path}: cannot read the file (${describeErrno(code)})`, {
      code: 'INPUT_UNREADABLE',
      path,
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function describeCsvError(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field starting in this record is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote is followed by other text instead of a delimiter or line end';
    case 'CSV_MAX_RECORD_SIZE':
      return `a record longer than ${MAX_RECORD_CHARS} characters (an unbalanced quote?)`;
    default:
      return error.message;
  }
}

function describeErrno(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return code;
  }
}
