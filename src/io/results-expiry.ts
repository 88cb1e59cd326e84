/**
 * A results.csv in its expired form (`expire`): every cell of the input's own columns, except the
 * request id's, replaced by {@link EXPIRED_CELL}, and any email left in the tool's own columns (a
 * message quoting an address) replaced too. The header, the tool's columns and the file's shape (byte
 * order mark, delimiter, line ends) stay. The transformation is a function of the file's bytes and the
 * request id column alone, so a run can record the SHA-256 its report will have once expired, and
 * `ledger verify` recognises the file in either form. Expiring an expired file changes nothing.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
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
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const text = bytes.toString('utf8', bom ? 3 : 0);
  const firstLineEnd = text.indexOf('\n');
  const firstLine = firstLineEnd === -1 ? text : text.slice(0, firstLineEnd);
  const shape: CsvShape = { bom, delimiter: detectDelimiter(firstLine), eol: firstLine.endsWith('\r') ? '\r\n' : '\n' };
  const records = parse(text, { delimiter: shape.delimiter, relax_column_count: true }) as string[][];
  const header = records[0] ?? [];
  const inputColumns = Math.max(0, header.length - RESULT_COLUMNS.length);
  const expired = records.map((record, index) =>
    index === 0
      ? record
      : record.map((cell, column) => {
          if (column < inputColumns) return column === requestIdColumn ? cell : EXPIRED_CELL;
          return cell.replace(EMAIL_ANYWHERE, EXPIRED_CELL);
        }),
  );
  const out = stringify(expired, { delimiter: shape.delimiter, record_delimiter: shape.eol === '\r\n' ? 'windows' : 'unix' });
  return { text: `${shape.bom ? '\uFEFF' : ''}${out}`, records: expired, inputColumns };
}

/** SHA-256 of the expired form of the results.csv at `path`. */
export async function expiredResultsSha256(path: string, requestIdColumn: number | null): Promise<string> {
  const { text } = expireResultsText(await readFile(path), requestIdColumn);
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The header's delimiter: the one that splits it into the most cells. */
function detectDelimiter(line: string): CsvShape['delimiter'] {
  const candidates = [',', ';', '\t'] as const;
  return candidates.reduce((best, d) => (line.split(d).length > line.split(best).length ? d : best), candidates[0]);
}

/** The rows of an (expired) results.csv as the report's rows, for report.html to be built again. */
export function resultRowsOf(records: string[][], inputColumns: number): ResultRow[] {
  const cell = (record: string[], name: (typeof RESULT_COLUMNS)[number]) => record[inputColumns + RESULT_COLUMNS.indexOf(name)] ?? '';
  const split = (text: string, by: string) => (text === '' ? [] : text.split(by));
  return records.slice(1).map((record) => ({
    fields: record.slice(0, inputColumns),
    row: Number(cell(record, 'row')),
    identifierType: cell(record, 'identifier_type'),
    status: cell(record, 'status'),
    objectIds: split(cell(record, 'object_ids'), ' '),
    jobId: cell(record, 'job_id') || null,
    earlierJobIds: split(cell(record, 'earlier_job_ids'), ' '),
    blockingCodes: split(cell(record, 'blocking_codes'), ' '),
    fixes: split(cell(record, 'fixes'), '\n'),
    messages: split(cell(record, 'messages'), '\n'),
    dueBy: cell(record, 'due_by') || null,
    runId: cell(record, 'run_id'),
    livemode: cell(record, 'livemode') === 'true',
    updatedAt: cell(record, 'updated_at'),
    verifiedAt: cell(record, 'verified_at') || null,
  }));
}
