/**
 * The start of the requests file, read once before anything else: what the file is, its encoding,
 * delimiter, header and columns. Only its start is read, however large the file.
 */
import { open } from 'node:fs/promises';
import { ConfigError, InputFileError } from '../errors.js';
import { recogniseNonRequest } from '../domain/export-footer.js';
import { detectDelimiter, readFirstRecordText, type RequestDelimiter } from './detect-delimiter.js';
import { identifyBinaryFile } from './file-signature.js';
import { decideDecoding, type InputDecoding, type InputEncoding } from './input-encoding.js';
import { parseRecords } from './parse-records.js';
import { findDateLikeColumn, findIdentifierColumn, findReceivedColumn, looksLikeHeader, normaliseHeaderCell, type IdentifierColumnChoice } from './request-columns.js';
import { toInputFileError } from './request-errors.js';
import { findRequestIdColumn } from './request-id-column.js';

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
