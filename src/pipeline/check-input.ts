import { InputFileError } from '../errors.js';
import { inspectRequestFile, scanRequestFile, type ColumnUsability, type RequestFileInfo } from '../input/request-reader.js';
import type { RunOptions } from './run-pipeline.js';
import { findRecordColumns, type RecordColumns } from '../input/request-record-columns.js';

/** The input file, read whole once: where its identifiers are, and how many rows it has. */
export interface CheckedInput {
  info: RequestFileInfo;
  totalRows: number;
  /** How usable the identifier column is over the whole file. */
  column: ColumnUsability;
  /** SHA-256 of the input's bytes as read (BOM included), lower-case hex. */
  sha256: string;
  /** The request id, channel and extension columns (request-record-columns.ts). */
  recordColumns: RecordColumns;
}

/**
 * Reads the whole input once before anything is sent: a syntax error on line 900,000 must stop the
 * run (an `InputFileError`) while nothing has happened — not even the account read the CLI does first.
 */
export async function checkInput(
  options: Pick<RunOptions, 'inputPath' | 'inputName' | 'column' | 'receivedColumn' | 'requestIdColumn' | 'encoding' | 'recordColumns'>,
  onRows?: (rows: number) => void,
): Promise<CheckedInput> {
  const info = await inspectRequestFile(options.inputPath, {
    name: options.inputName ?? options.inputPath,
    ...(options.column !== undefined ? { column: options.column } : {}),
    ...(options.receivedColumn !== undefined ? { receivedColumn: options.receivedColumn } : {}),
    ...(options.requestIdColumn !== undefined ? { requestIdColumn: options.requestIdColumn } : {}),
    ...(options.encoding !== undefined ? { encoding: options.encoding } : {}),
  });
  // A whole pass before anything is sent: a syntax error or a byte that is no character on line
  // 900,000 must stop the run while nothing irreversible has happened.
  const recordColumns = findRecordColumns(info, options.recordColumns ?? {});
  const scan = await scanRequestFile(info, onRows);
  const { requests, invalid } = scan.column;
  // A column chosen by the tool that is mostly unusable is the wrong column far more often than a
  // file of bad requests: stop before anything is sent. Named with --column, it is the user's call.
  if (options.column === undefined && invalid * 2 > requests) {
    throw new InputFileError(describeUnusableColumn(info, scan.column), { code: 'INPUT_COLUMN_UNUSABLE', path: info.name });
  }
  return { info: { ...info, lastDataRow: scan.lastDataRow }, totalRows: scan.rows, sha256: scan.sha256, column: scan.column, recordColumns };
}

/** Why a column chosen without `--column` is refused: how much of it is unusable, and what looks better. */
function describeUnusableColumn(info: RequestFileInfo, column: ColumnUsability): string {
  const name = info.header === null ? `column ${info.identifierColumn + 1}` : JSON.stringify(info.identifierColumnName);
  const share = Math.round((column.invalid * 100) / column.requests);
  const better = column.betterColumns
    .slice(0, 3)
    .map((c) => `${info.header === null ? `column ${c.index + 1}` : JSON.stringify(c.name)} (${c.hits} of ${c.rows} rows are emails or Stripe ids)`);
  return (
    `${info.name}: the identifier column ${name} is unusable in ${column.invalid} of ${column.requests} rows (${share}%): they hold no email or Stripe id, ` +
    `so nothing was sent. ${better.length > 0 ? `Looks better: ${better.join(', ')}.` : 'No other column looks better.'} ` +
    `Name the column to read with --column (--column ${JSON.stringify(info.header === null ? String(info.identifierColumn + 1) : info.identifierColumnName)} to read this one anyway: its unusable rows are then reported invalid).`
  );
}
