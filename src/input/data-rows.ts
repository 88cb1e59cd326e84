/** The data records after the header, each marked when it is no request (an export's footer or separator). */
import { recogniseNonRequest } from '../domain/export-footer.js';
import type { RequestFileInfo } from './inspect-request-file.js';
import { parseRecords, type ByteSink } from './parse-records.js';
import type { RequestRow } from './request-reader.js';

/** A data record, blank ones included (`isBlank`), with what {@link recogniseNonRequest} makes of it. */
export interface DataRow extends RequestRow {
  isBlank: boolean;
}

/**
 * Every data record after the header, blank ones included. Whether a row is no request (an
 * export's footer or separator) depends, for rows after the data, on `info.lastDataRow`: before
 * the scan has found it, only what marks a footer anywhere counts.
 */
export async function* dataRows(info: RequestFileInfo, sink?: ByteSink): AsyncGenerator<DataRow> {
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
