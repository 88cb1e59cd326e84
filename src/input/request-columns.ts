/**
 * Which column of a requests file holds the identifiers, and which the received date: from the
 * header (known names, `--column`, `--received-column`) or, without one, from what the cells hold.
 * Pure: it sees the first record and a sample of the next ones, never the file.
 */
import { parseReceivedDate } from '../domain/deadline.js';
import { classifyIdentifier } from '../domain/identifier.js';
import { InputFileError } from '../errors.js';

/** Header cells that name the identifier column, most specific first (the tie-break order). */
const KNOWN_IDENTIFIER_HEADERS = [
  'email',
  'e-mail',
  'email_address',
  'customer_id',
  'customer',
  'stripe_id',
  'identifier',
  'id',
] as const;

/**
 * Header cells that name the received-date column, in the order a tie is settled, as
 * {@link normaliseDateHeader} writes them: `Created at`, `created_at` and `CreatedAt` are one name.
 */
const KNOWN_RECEIVED_HEADERS = [
  'receivedat',
  'received',
  'receiveddate',
  'datereceived',
  'receivedon',
  'requestedat',
  'requestedon',
  'requestdate',
  'daterequested',
  'requested',
  'submittedat',
  'submittedon',
  'submitted',
  'submissiondate',
  'datesubmitted',
  'created',
  'createdat',
  'createdon',
  'creationdate',
  'datecreated',
  'date',
] as const;

/** A header cell as received-date names compare: case, spaces, `_` and `-` ignored. */
export function normaliseDateHeader(cell: string): string {
  return cell.toLowerCase().replace(/[\s_-]+/g, '');
}

export function normaliseHeaderCell(cell: string): string {
  return cell.trim().toLowerCase();
}

function isKnownIdentifierHeader(cell: string): boolean {
  return (KNOWN_IDENTIFIER_HEADERS as readonly string[]).includes(normaliseHeaderCell(cell));
}

function isIdentifier(cell: string): boolean {
  return classifyIdentifier(cell).kind !== 'invalid';
}

/**
 * A cell that may be a mistyped request rather than a column name: it has an `@`, or it is shaped
 * like a Stripe id with a digit. Such a first row is kept as data, so that no request silently
 * goes missing from the report as a "header".
 */
function looksLikeMistypedIdentifier(cell: string): boolean {
  return cell.includes('@') || /^\s*[a-z]+_[A-Za-z0-9_]*\d/.test(cell);
}

/**
 * A header is present when a first-row cell is a known identifier header, or when no first-row
 * cell is an identifier while later rows hold some (and the first row is not a mistyped request).
 */
export function looksLikeHeader(first: string[], rest: string[][]): boolean {
  if (first.some(isKnownIdentifierHeader)) return true;
  if (first.some(isIdentifier) || first.some(looksLikeMistypedIdentifier)) return false;
  return rest.some((fields) => fields.some(isIdentifier));
}

/** How the identifier column was chosen, for the log and summary.json. */
export interface IdentifierColumnChoice {
  /** 0-based. */
  index: number;
  /** `option`: `--column`; `content`: the column whose sampled cells are most often identifiers; `header`: a known header name, no cell being an identifier; `only_column`: the file has one. */
  chosenBy: 'option' | 'content' | 'header' | 'only_column';
  /** Why, in words: the sampled hits of the column and of the one a header proposed. */
  reason: string;
}

/**
 * The identifier column. `--column` names it; else headers propose and content decides: the
 * column whose sampled non-empty cells are most often emails or Stripe ids (a `Name <address>`
 * cell counts) is taken, a tie going to the header order of {@link KNOWN_IDENTIFIER_HEADERS}
 * (emails first), then to the leftmost column. Only when no sampled cell is an identifier do the
 * known header names alone decide.
 */
export function findIdentifierColumn(
  path: string,
  header: string[] | null,
  dataSample: string[][],
  columnCount: number,
  column: string | undefined,
): IdentifierColumnChoice {
  if (column !== undefined) {
    const index = findNamedColumn(path, header, columnCount, column);
    return { index, chosenBy: 'option', reason: `named by --column ${JSON.stringify(column)}` };
  }
  const scores = scoreColumns(header, dataSample, columnCount);
  const proposed = header === null ? undefined : scores.filter((s) => s.headerRank < KNOWN_IDENTIFIER_HEADERS.length).sort(byHeaderRank)[0];
  const best = [...scores].sort((a, b) => b.hits - a.hits || byHeaderRank(a, b))[0];
  if (best !== undefined && best.hits > 0) {
    const name = describeColumn(header, best.index);
    let reason = `${name}: ${best.hits} of ${best.values} sampled values are emails or Stripe ids`;
    if (proposed !== undefined && proposed.index !== best.index) {
      reason += `; the header ${describeColumn(header, proposed.index)} proposed holds ${proposed.hits} of ${proposed.values}`;
    }
    return { index: best.index, chosenBy: 'content', reason };
  }
  if (proposed !== undefined) {
    return { index: proposed.index, chosenBy: 'header', reason: `${describeColumn(header, proposed.index)}: a known identifier header (no sampled value is an email or a Stripe id)` };
  }
  if (columnCount <= 1) return { index: 0, chosenBy: 'only_column', reason: 'the only column' };

  throw new InputFileError(
    header === null
      ? `${path}: ${columnCount} columns and no header, and no sampled value is an email or a Stripe id, so the identifier column is unknown; ` +
          'pass --column with its 1-based number'
      : `${path}: none of the columns ${formatHeader(header)} is a known identifier column ` +
          `(${KNOWN_IDENTIFIER_HEADERS.join(', ')}), and no sampled value is an email or a Stripe id; pass --column NAME`,
    { code: 'INPUT_NO_COLUMN', path },
  );
}

/** How often one column's sampled cells are identifiers, and how its header ranks. */
export interface ColumnScore {
  index: number;
  /** Sampled non-empty cells that are emails or Stripe ids. */
  hits: number;
  /** Sampled non-empty cells. */
  values: number;
  /** Position of its header among {@link KNOWN_IDENTIFIER_HEADERS}; headers naming an email next; then the rest. */
  headerRank: number;
}

/** Every column's score over the sample. */
export function scoreColumns(header: string[] | null, dataSample: string[][], columnCount: number): ColumnScore[] {
  return Array.from({ length: columnCount }, (_, index) => {
    let hits = 0;
    let values = 0;
    for (const fields of dataSample) {
      const cell = fields[index] ?? '';
      if (cell.trim() === '') continue;
      values += 1;
      if (isIdentifier(cell)) hits += 1;
    }
    return { index, hits, values, headerRank: headerRank(header?.[index]) };
  });
}

function byHeaderRank(a: ColumnScore, b: ColumnScore): number {
  return a.headerRank - b.headerRank || a.index - b.index;
}

/** Known names by their order; a header naming an email (`Requester email`) after them; any other last. */
function headerRank(cell: string | undefined): number {
  if (cell === undefined) return KNOWN_IDENTIFIER_HEADERS.length + 2;
  const known = (KNOWN_IDENTIFIER_HEADERS as readonly string[]).indexOf(normaliseHeaderCell(cell));
  if (known !== -1) return known;
  return /e-?mail/i.test(cell) ? KNOWN_IDENTIFIER_HEADERS.length + 1 : KNOWN_IDENTIFIER_HEADERS.length + 2;
}

/** `"Requester email"`, or `column 3` without a header. */
export function describeColumn(header: string[] | null, index: number): string {
  const name = header?.[index];
  return name === undefined ? `column ${index + 1}` : JSON.stringify(name);
}

/**
 * The received-date column: `--received-column` (a header name, then a 1-based number; naming no
 * column is an error), else the first header cell among {@link KNOWN_RECEIVED_HEADERS}, else none.
 */
export function findReceivedColumn(path: string, header: string[] | null, columnCount: number, identifierColumn: number, named: string | undefined): number | null {
  if (named !== undefined) {
    const index = findNamedColumn(path, header, columnCount, named, '--received-column');
    if (index === identifierColumn) {
      throw new InputFileError(`${path}: --received-column '${named}' names the identifier column; name the column holding the date`, { code: 'INPUT_NO_COLUMN', path });
    }
    return index;
  }
  if (header === null) return null;
  for (const known of KNOWN_RECEIVED_HEADERS) {
    const index = header.findIndex((cell, i) => i !== identifierColumn && normaliseDateHeader(cell) === known);
    if (index !== -1) return index;
  }
  return null;
}

/**
 * A column that looks like it holds dates — its header says `date` or `time`, or most of its
 * sampled values read as dates — for the warning that deadlines are off when no received-date
 * column was found. `null` when none does.
 */
export function findDateLikeColumn(header: string[] | null, dataSample: string[][], columnCount: number, identifierColumn: number): number | null {
  for (let index = 0; index < columnCount; index += 1) {
    if (index === identifierColumn) continue;
    if (header !== null && /date|time/i.test(header[index] ?? '')) return index;
    const values = dataSample.map((fields) => fields[index] ?? '').filter((cell) => cell.trim() !== '');
    const dates = values.filter((cell) => !('problem' in parseReceivedDate(cell, 'dmy'))).length;
    if (values.length > 0 && dates * 2 > values.length) return index;
  }
  return null;
}

/** `--column` (or `option`): a header name first, then a 1-based number. */
export function findNamedColumn(path: string, header: string[] | null, columnCount: number, column: string, option = '--column'): number {
  const wanted = normaliseHeaderCell(column);
  const byName = header?.findIndex((cell) => normaliseHeaderCell(cell) === wanted) ?? -1;
  if (byName !== -1) return byName;

  if (/^\d+$/.test(wanted)) {
    const number = Number(wanted);
    if (number >= 1 && number <= columnCount) return number - 1;
  }
  throw new InputFileError(
    header === null
      ? `${path}: ${option} '${column}' names no column; the file has no header, so pass a column ` +
          `number from 1 to ${columnCount}`
      : `${path}: ${option} '${column}' names no column; the header is ${formatHeader(header)}`,
    { code: 'INPUT_NO_COLUMN', path },
  );
}

function formatHeader(header: string[]): string {
  return header.map((cell) => JSON.stringify(cell)).join(', ');
}
