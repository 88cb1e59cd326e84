/**
 * Step "read" of the flow: the requests CSV, streamed. The file may hold a million rows and the
 * pipeline reads it twice (once to plan, once to report), so nothing here holds it whole:
 * {@link inspectRequestFile} reads only its start, {@link readRequestRows} streams it.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { classifyIdentifier } from '../domain/identifier.js';
import { ConfigError, InputFileError } from '../errors.js';

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

/** What {@link inspectRequestFile} learnt from the start of the file. */
export interface RequestFileInfo {
  path: string;
  /** The header record's cells, or `null` when the first record is data. */
  header: string[] | null;
  delimiter: ',' | ';';
  /** 0-based index of the identifier column. */
  identifierColumn: number;
  /** The header cell of that column, or `column_N` without a header. */
  identifierColumnName: string;
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

/** How many non-blank records {@link inspectRequestFile} looks at. */
const SAMPLE_RECORDS = 50;

/**
 * Longest record, in characters, before parsing stops with `INPUT_PARSE`. Guards memory: without it
 * a quote left open would pull the rest of the file into one field.
 */
const MAX_RECORD_CHARS = 1 << 20;

/**
 * Reads the start of the file: delimiter, header, identifier column.
 *
 * @param options.column `--column`: a header name (case-insensitive) or a 1-based column number.
 * @throws {InputFileError} `INPUT_UNREADABLE`, `INPUT_EMPTY`, `INPUT_PARSE` or `INPUT_NO_COLUMN`.
 * @throws {ConfigError} `CONFIG_COLUMN` for an empty `column`.
 */
export async function inspectRequestFile(path: string, options: { column?: string }): Promise<RequestFileInfo> {
  if (options.column !== undefined && options.column.trim() === '') {
    throw new ConfigError('Expected `--column` to be a header name or a 1-based column number, got an empty string', {
      code: 'CONFIG_COLUMN',
      option: '--column',
    });
  }
  const delimiter = detectDelimiter(await readFirstRecordText(path));

  const sample: string[][] = [];
  for await (const record of parseRecords(path, delimiter)) {
    if (record.isBlank) continue;
    sample.push(record.fields);
    if (sample.length === SAMPLE_RECORDS) break;
  }
  const [first, ...rest] = sample;
  if (first === undefined) {
    throw new InputFileError(`${path}: the file holds no records`, { code: 'INPUT_EMPTY', path });
  }

  // `--column NAME` matching a first-row cell settles the question: the user named a header.
  const isNamedByColumnOption =
    options.column !== undefined && first.some((cell) => normaliseHeaderCell(cell) === normaliseHeaderCell(options.column ?? ''));
  const header = isNamedByColumnOption || looksLikeHeader(first, rest) ? first : null;
  const dataSample = header === null ? sample : rest;
  const columnCount = Math.max(header?.length ?? 0, ...dataSample.map((fields) => fields.length));
  const identifierColumn = findIdentifierColumn(path, header, dataSample, columnCount, options.column);
  return {
    path,
    header,
    delimiter,
    identifierColumn,
    identifierColumnName: header?.[identifierColumn] ?? `column_${identifierColumn + 1}`,
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
  let isHeaderPending = info.header !== null;
  let row = 0;
  for await (const { fields, line, isBlank } of parseRecords(info.path, info.delimiter)) {
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

/**
 * Every record of the file, blank ones included, with the line it starts on. csv-parse's own line
 * count is off after CRLF inside quoted fields, so lines are counted here: a record spans one line
 * plus the line breaks inside its fields.
 */
async function* parseRecords(path: string, delimiter: ',' | ';'): AsyncGenerator<ParsedRecord> {
  const source = createReadStream(path);
  const parser = parse({
    bom: true,
    delimiter,
    relax_column_count: true,
    // A stray `"` inside an unquoted cell (`5" screen`) is data, not a syntax error.
    relax_quotes: true,
    // Blank lines must come through so that `row` counts them.
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_CHARS,
  });
  // A read error (missing file, a directory) destroys the parser with that error, which then
  // surfaces from the iteration below; the callback only keeps pipeline from throwing unhandled.
  pipeline(source, parser, () => {});

  let line = 1;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      yield { fields, line, isBlank: fields.every((cell) => cell.trim() === '') };
      line += 1 + fields.reduce((breaks, cell) => breaks + countLineBreaks(cell), 0);
    }
  } catch (error) {
    throw toInputFileError(error, path, line);
  } finally {
    // Reached early when the consumer stops (inspection); closes the file descriptor.
    parser.destroy();
    source.destroy();
  }
}

function countLineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** Everything up to the end of the first non-blank record, read chunk by chunk. */
async function readFirstRecordText(path: string): Promise<string> {
  const source = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  let text = '';
  try {
    for await (const chunk of source as AsyncIterable<string>) {
      text += chunk;
      if (endOfFirstRecord(text) !== -1 || text.length >= MAX_RECORD_CHARS) break;
    }
  } catch (error) {
    throw toInputFileError(error, path, undefined);
  } finally {
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
 * `;` when the first record holds more semicolons than commas outside quotes (a European
 * spreadsheet export), else `,` — also for a single-column file, which holds neither.
 */
function detectDelimiter(firstRecord: string): ',' | ';' {
  let isQuoted = false;
  let commas = 0;
  let semicolons = 0;
  for (const char of firstRecord) {
    if (char === '"') isQuoted = !isQuoted;
    else if (!isQuoted && char === ',') commas += 1;
    else if (!isQuoted && char === ';') semicolons += 1;
  }
  return semicolons > commas ? ';' : ',';
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

/** `--column`: a header name first, then a 1-based number. */
function findNamedColumn(path: string, header: string[] | null, columnCount: number, column: string): number {
  const wanted = normaliseHeaderCell(column);
  const byName = header?.findIndex((cell) => normaliseHeaderCell(cell) === wanted) ?? -1;
  if (byName !== -1) return byName;

  if (/^\d+$/.test(wanted)) {
    const number = Number(wanted);
    if (number >= 1 && number <= columnCount) return number - 1;
  }
  throw new InputFileError(
    header === null
      ? `${path}: --column '${column}' names no column; the file has no header, so pass a column ` +
          `number from 1 to ${columnCount}`
      : `${path}: --column '${column}' names no column; the header is ${formatHeader(header)}`,
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
