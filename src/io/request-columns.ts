/**
 * Which column of a requests file holds the identifiers, and which the received date: from the
 * header (known names, `--column`, `--received-column`) or, without one, from what the cells hold.
 * Pure: it sees the first record and a sample of the next ones, never the file.
 */
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

/** Header cells that name the received-date column, in the order a tie is settled. */
const KNOWN_RECEIVED_HEADERS = ['received_at', 'received', 'requested_at', 'request_date', 'created', 'created_at', 'date'] as const;

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

export function findIdentifierColumn(
  path: string,
  header: string[] | null,
  dataSample: string[][],
  columnCount: number,
  column: string | undefined,
): number {
  if (column !== undefined) return findNamedColumn(path, header, columnCount, column);

  if (header !== null) {
    const candidates = header.flatMap((cell, index) => (isKnownIdentifierHeader(cell) ? [index] : []));
    const best = bestCandidate(candidates, header, dataSample);
    if (best !== undefined) return best;
  }
  if (columnCount <= 1) return 0;

  const hint = identifierColumnHint(header, dataSample, columnCount);
  throw new InputFileError(
    header === null
      ? `${path}: ${columnCount} columns and no header, so the identifier column is unknown; ` +
          `pass --column with its 1-based number${hint}`
      : `${path}: none of the columns ${formatHeader(header)} is a known identifier column ` +
          `(${KNOWN_IDENTIFIER_HEADERS.join(', ')}); pass --column NAME${hint}`,
    { code: 'INPUT_NO_COLUMN', path },
  );
}

/**
 * Among several recognised headers (`id` next to `email`, say), the column whose sampled cells
 * are most often identifiers; ties go to the more specific header name.
 */
function bestCandidate(candidates: number[], header: string[], dataSample: string[][]): number | undefined {
  const rank = (index: number): [number, number] => [
    dataSample.filter((fields) => isIdentifier(fields[index] ?? '')).length,
    -(KNOWN_IDENTIFIER_HEADERS as readonly string[]).indexOf(normaliseHeaderCell(header[index] ?? '')),
  ];
  return candidates
    .map((index) => ({ index, rank: rank(index) }))
    .sort((a, b) => b.rank[0] - a.rank[0] || b.rank[1] - a.rank[1])[0]?.index;
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
    const index = header.findIndex((cell, i) => i !== identifierColumn && normaliseHeaderCell(cell) === known);
    if (index !== -1) return index;
  }
  return null;
}

/** `--column` (or `option`): a header name first, then a 1-based number. */
function findNamedColumn(path: string, header: string[] | null, columnCount: number, column: string, option = '--column'): number {
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

/** ` (column N looks like it holds identifiers)`, when exactly one column does; else empty. */
function identifierColumnHint(header: string[] | null, dataSample: string[][], columnCount: number): string {
  const likely: number[] = [];
  for (let index = 0; index < columnCount; index += 1) {
    const hits = dataSample.filter((fields) => isIdentifier(fields[index] ?? '')).length;
    if (hits > 0 && hits * 2 >= dataSample.length) likely.push(index);
  }
  const [only] = likely;
  if (only === undefined || likely.length > 1) return '';
  const name = header?.[only];
  return name === undefined
    ? ` (column ${only + 1} looks like it holds identifiers)`
    : ` (column ${JSON.stringify(name)} looks like it holds identifiers)`;
}

function formatHeader(header: string[]): string {
  return header.map((cell) => JSON.stringify(cell)).join(', ');
}
