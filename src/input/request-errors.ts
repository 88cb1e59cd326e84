/** The requests file's read and parse failures as `InputFileError`s that name the file, the line and what is wrong. */
import { CsvError } from 'csv-parse';
import { InputFileError } from '../errors.js';

/**
 * Longest record, in characters, before parsing stops with `INPUT_PARSE`. Guards memory: without it
 * a quote left open would pull the rest of the file into one field.
 */
export const MAX_RECORD_CHARS = 1 << 20;

/** Any failure reading or parsing the file, as an `InputFileError` naming it (and the line, when known). */
export function toInputFileError(error: unknown, path: string, line: number | undefined): Error {
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
