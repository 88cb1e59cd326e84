/**
 * Which column of a requests file holds the request's own id (`DSR-1006`, a ticket number): the
 * id legal files the report under. `--request-id-column` names it; without it, a header among
 * {@link KNOWN_REQUEST_ID_HEADERS}, compared ignoring case, spaces, `_` and `-` (`Request ID`,
 * `request_id`, `Case-Id`). Pure: it sees the header only.
 */
import { InputFileError } from '../errors.js';

/** Header cells that name the request-id column, in the order a tie is settled (as normalised by {@link normaliseRequestIdHeader}). */
export const KNOWN_REQUEST_ID_HEADERS = ['requestid', 'dsrid', 'ticket', 'ticketid', 'caseid'] as const;

/** A header cell with case, spaces, `_` and `-` ignored: `Request ID` → `requestid`. */
export function normaliseRequestIdHeader(cell: string): string {
  return cell.toLowerCase().replace(/[\s_-]+/g, '');
}

/**
 * The request-id column: `--request-id-column` (a header name, ignoring case, spaces, `_` and `-`,
 * then a 1-based number; naming no column is an error), else the first known header, else none.
 * Never the identifier column: an id there would be the identifier itself.
 */
export function findRequestIdColumn(path: string, header: string[] | null, columnCount: number, identifierColumn: number, named: string | undefined): number | null {
  if (named !== undefined) {
    const wanted = normaliseRequestIdHeader(named);
    const byName = header?.findIndex((cell) => normaliseRequestIdHeader(cell) === wanted) ?? -1;
    if (byName !== -1) return byName;
    if (/^\d+$/.test(named.trim())) {
      const number = Number(named.trim());
      if (number >= 1 && number <= columnCount) return number - 1;
    }
    throw new InputFileError(
      header === null
        ? `${path}: --request-id-column '${named}' names no column; the file has no header, so pass a column number from 1 to ${columnCount}`
        : `${path}: --request-id-column '${named}' names no column; the header is ${header.map((cell) => JSON.stringify(cell)).join(', ')}`,
      { code: 'INPUT_NO_COLUMN', path },
    );
  }
  if (header === null) return null;
  for (const known of KNOWN_REQUEST_ID_HEADERS) {
    const index = header.findIndex((cell, i) => i !== identifierColumn && normaliseRequestIdHeader(cell) === known);
    if (index !== -1) return index;
  }
  return null;
}
