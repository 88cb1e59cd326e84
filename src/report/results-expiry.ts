/**
 * A results.csv in its expired form (`expire`): every cell of the input's own columns, except the
 * request id's, replaced by {@link EXPIRED_CELL}, and any email left in the tool's own columns (a
 * message quoting an address) replaced too. The header, the tool's columns and the file's shape (byte
 * order mark, delimiter, line ends) stay. The transformation is a function of the file's bytes and the
 * request id column alone, so a run can record the SHA-256 its report will have once expired, and
 * `ledger verify` recognises the file in either form. Expiring an expired file changes nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { parse as parseStream } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { stringify as stringifyStream } from 'csv-stringify';
import { stringify } from 'csv-stringify/sync';
import { RESULT_COLUMNS, type ResultRow } from './result-writer.js';

export const EXPIRED_CELL = '[expired]';

/** An email anywhere in a cell. Broad on purpose: a false match only blanks a few more characters. */
const EMAIL_ANYWHERE = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[^\s@<>()[\]"',;:]+/g;

/** The file's shape, as results.csv was written (plain, or `--excel`). */
interface CsvShape {
  bom: boolean;
  delimiter: ',' | ';' | '\t';
  eol: '\n' | '\r\n';
}

/** The expired form of a results.csv's bytes; `inputColumns` = the header's width less the tool's columns. */
export function expireResultsText(bytes: Buffer, requestIdColumn: number | null): { text: string; records: string[][]; inputColumns: number } {
  const shape = shapeOfBytes(bytes);
  const text = bytes.toString('utf8', shape.bom ? 3 : 0);
  const records = parse(text, { delimiter: shape.delimiter, relax_column_count: true }) as string[][];
  const header = records[0] ?? [];
  const inputColumns = Math.max(0, header.length - RESULT_COLUMNS.length);
  const expired = records.map((record, index) => (index === 0 ? record : expireRecord(record, inputColumns, requestIdColumn)));
  const out = stringify(expired, { delimiter: shape.delimiter, record_delimiter: shape.eol === '\r\n' ? 'windows' : 'unix' });
  return { text: `${shape.bom ? '\uFEFF' : ''}${out}`, records: expired, inputColumns };
}

/**
 * The expired form of the results.csv at `path`, streamed (a million-row report never sits in memory
 * whole): the same bytes {@link expireResultsText} gives. `onRecord` sees each expired data record.
 */
export async function expiredResultsChunks(
  path: string,
  requestIdColumn: number | null,
  onRecord?: (record: string[], inputColumns: number) => void,
): Promise<AsyncIterable<Buffer | string>> {
  const shape = await shapeOf(path);
  let inputColumns = -1;
  const expire = new Transform({
    objectMode: true,
    transform(record: string[], _encoding, done) {
      if (inputColumns === -1) {
        inputColumns = Math.max(0, record.length - RESULT_COLUMNS.length);
        done(null, record);
        return;
      }
      const expired = expireRecord(record, inputColumns, requestIdColumn);
      onRecord?.(expired, inputColumns);
      done(null, expired);
    },
  });
  const body = createReadStream(path, { start: shape.bom ? 3 : 0 })
    .pipe(parseStream({ delimiter: shape.delimiter, relax_column_count: true }))
    .pipe(expire)
    .pipe(stringifyStream({ delimiter: shape.delimiter, record_delimiter: shape.eol === '\r\n' ? 'windows' : 'unix' }));
  return shape.bom ? Readable.from(prefixed('\uFEFF', body)) : body;
}

async function* prefixed(first: string, rest: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer | string> {
  yield first;
  yield* rest;
}

/** SHA-256 of the expired form of the results.csv at `path`, streamed. */
export async function expiredResultsSha256(path: string, requestIdColumn: number | null): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await expiredResultsChunks(path, requestIdColumn)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Rewrites the results.csv at `path` in its expired form, whole or not at all (a temporary file
 * beside it, owner-only, then a rename). Returns the new file's SHA-256.
 */
export async function writeExpiredResults(path: string, requestIdColumn: number | null, onRecord?: (record: string[], inputColumns: number) => void): Promise<string> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.from(await expiredResultsChunks(path, requestIdColumn, onRecord)), hashing, createWriteStream(temporary, { flags: 'wx', mode: 0o600, flush: true }));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return hash.digest('hex');
}

/** The file's byte order mark, delimiter and line ends, from its first line. */
async function shapeOf(path: string): Promise<CsvShape> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return shapeOfBytes(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

function shapeOfBytes(bytes: Buffer): CsvShape {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const text = bytes.toString('utf8', bom ? 3 : 0);
  const firstLineEnd = text.indexOf('\n');
  const firstLine = firstLineEnd === -1 ? text : text.slice(0, firstLineEnd);
  return { bom, delimiter: detectDelimiter(firstLine), eol: firstLine.endsWith('\r') ? '\r\n' : '\n' };
}

function expireRecord(record: string[], inputColumns: number, requestIdColumn: number | null): string[] {
  return record.map((cell, column) => {
    if (column < inputColumns) return column === requestIdColumn ? cell : EXPIRED_CELL;
    return cell.replace(EMAIL_ANYWHERE, EXPIRED_CELL);
  });
}

/** The header's delimiter: the one that splits it into the most cells. */
function detectDelimiter(line: string): CsvShape['delimiter'] {
  const candidates = [',', ';', '\t'] as const;
  return candidates.reduce((best, d) => (line.split(d).length > line.split(best).length ? d : best), candidates[0]);
}

/** A record of an (expired) results.csv as the report's row, for report.html to be built again. */
export function resultRowOf(record: string[], inputColumns: number): ResultRow {
  const cell = (name: (typeof RESULT_COLUMNS)[number]) => record[inputColumns + RESULT_COLUMNS.indexOf(name)] ?? '';
  const split = (text: string, by: string) => (text === '' ? [] : text.split(by));
  return {
    fields: record.slice(0, inputColumns),
    row: Number(cell('row')),
    identifierType: cell('identifier_type'),
    status: cell('status'),
    objectIds: split(cell('object_ids'), ' '),
    jobId: cell('job_id') || null,
    earlierJobIds: split(cell('earlier_job_ids'), ' '),
    blockingCodes: split(cell('blocking_codes'), ' '),
    fixes: split(cell('fixes'), '\n'),
    messages: split(cell('messages'), '\n'),
    dueBy: cell('due_by') || null,
    runId: cell('run_id'),
    livemode: cell('livemode') === 'true',
    updatedAt: cell('updated_at'),
    verifiedAt: cell('verified_at') || null,
  };
}
