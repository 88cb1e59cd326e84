/**
 * Step "read" of the flow: the requests CSV, streamed. The file may hold a million rows and the
 * pipeline reads it three times (to check, to plan, to report), so nothing here holds it whole:
 * {@link inspectRequestFile} reads only its start, {@link scanRequestFile} and
 * {@link readRequestRows} stream it. Its bytes are never guessed: strict UTF-8 unless a BOM or
 * `--encoding` says otherwise (input-encoding.ts), decoded strictly (input-decoder.ts), and a file
 * that is no text at all is named for what it is (file-signature.ts).
 */
import type { NotARequest } from '../domain/export-footer.js';
import { dataRows, type DataRow } from './data-rows.js';
import type { RequestFileInfo } from './inspect-request-file.js';

// The reader's steps stay importable from here for the pipeline.
export { inspectRequestFile, type InspectOptions, type RequestFileInfo } from './inspect-request-file.js';
export { scanRequestFile, type ColumnUsability, type RequestFileScan } from './scan-request-file.js';
export type { RequestDelimiter } from './detect-delimiter.js';

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
