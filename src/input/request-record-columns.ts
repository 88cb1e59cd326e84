/**
 * The columns of a requests file that the records read (issue 17), beside the identifier, the
 * received date (request-columns.ts) and the request's own id (request-id-column.ts): how the request
 * was made (its channel), and the date an extension was notified. Each is named by an option (header
 * name, then 1-based number) or, for the channel, found by a known header; the extension column only
 * when named.
 */
import { InputFileError } from '../errors.js';
import { normaliseHeaderCell } from './request-columns.js';
import type { RequestFileInfo } from './inspect-request-file.js';

/** Header cells that name how the request was made. */
export const KNOWN_CHANNEL_HEADERS = ['channel', 'source', 'manner'] as const;

/** The options naming them. */
export interface RecordColumnOptions {
  /** `--channel-column`. */
  channelColumn?: string;
  /** `--extension-column`. */
  extensionColumn?: string;
}

/** 0-based columns, or null when the file has none. */
export interface RecordColumns {
  /** The request's own id: `info.requestIdColumn` (request-id-column.ts, `--request-id-column`). */
  requestId: number | null;
  channel: number | null;
  extension: number | null;
}

/**
 * Finds the record columns of an inspected file.
 *
 * @throws {InputFileError} `INPUT_NO_COLUMN` when an option names no column, or names the identifier column.
 */
export function findRecordColumns(info: RequestFileInfo, options: RecordColumnOptions): RecordColumns {
  return {
    requestId: info.requestIdColumn,
    channel: findColumn(info, options.channelColumn, '--channel-column', KNOWN_CHANNEL_HEADERS),
    extension: findColumn(info, options.extensionColumn, '--extension-column', []),
  };
}

function findColumn(info: RequestFileInfo, named: string | undefined, option: string, known: readonly string[]): number | null {
  const { header, columnCount, identifierColumn, name: path } = info;
  if (named === undefined) {
    if (header === null) return null;
    for (const wanted of known) {
      const index = header.findIndex((cell, i) => i !== identifierColumn && normaliseHeaderCell(cell) === wanted);
      if (index !== -1) return index;
    }
    return null;
  }
  const wanted = normaliseHeaderCell(named);
  let index = header?.findIndex((cell) => normaliseHeaderCell(cell) === wanted) ?? -1;
  if (index === -1 && /^\d+$/.test(wanted) && Number(wanted) >= 1 && Number(wanted) <= columnCount) index = Number(wanted) - 1;
  if (index === -1) {
    throw new InputFileError(
      header === null
        ? `${path}: ${option} '${named}' names no column; the file has no header, so pass a column number from 1 to ${columnCount}`
        : `${path}: ${option} '${named}' names no column; the header is ${header.map((c) => JSON.stringify(c)).join(', ')}`,
      { code: 'INPUT_NO_COLUMN', path },
    );
  }
  if (index === identifierColumn) {
    throw new InputFileError(`${path}: ${option} '${named}' names the identifier column; name the column holding the ${option.slice(2, -7).replace('-', ' ')}`, { code: 'INPUT_NO_COLUMN', path });
  }
  return index;
}
