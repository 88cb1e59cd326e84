/** The whole pass over the requests file before anything is sent: every record read, counted and hashed. */
import { createHash } from 'node:crypto';
import { hasIdentifierLikeCell, recogniseNonRequest } from '../domain/export-footer.js';
import { classifyIdentifier } from '../domain/identifier.js';
import { dataRows } from './data-rows.js';
import type { RequestFileInfo } from './inspect-request-file.js';

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
