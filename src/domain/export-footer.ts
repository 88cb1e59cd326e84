/**
 * Lines of a requests file that are no request: the footers and separators export tools write
 * after (or between) the data — "Exported by OneTrust on …", "Total records: 46", `;;;;`,
 * `-----`. Such a row keeps its place in results.csv as `skipped`, so the report still has one
 * row per input row, but it is neither a request to carry out nor an `invalid` one. Pure.
 */
import { classifyIdentifier } from './identifier.js';

/** Why a line is no request. */
export type NotARequest = 'footer' | 'separator';

/** A footer's first words: who exported it and when, a total, a page number, an end mark. */
const FOOTER_PHRASE =
  /^(?:(?:exported|generated|downloaded|extracted|printed|created|report generated)\b.*\b(?:by|on|at|from)\b|(?:total|count|number of|records?|rows?)\b.*\d|page \d|end of\b|(?:confidential|copyright|©))/i;

/** A cell of punctuation only: a drawn line such as `-----` or `=====`. */
const RULE_CELL = /^[\s\-=_*#~.·—–|+]+$/u;

/**
 * A cell that is, or could be, a request: an identifier, an `@`, or something shaped like a
 * Stripe id with a digit. A row holding one is never taken for a footer.
 */
export function isIdentifierLike(cell: string): boolean {
  return cell.includes('@') || /^\s*[a-z]+_[A-Za-z0-9_]*\d/.test(cell) || classifyIdentifier(cell).kind !== 'invalid';
}

/**
 * Whether any cell of a row is {@link isIdentifierLike}. The cell at `firstLook` (the identifier
 * column) is looked at first: on a data row it settles the question at the cost of one cell.
 */
export function hasIdentifierLikeCell(fields: readonly string[], firstLook = -1): boolean {
  const likely = fields[firstLook];
  if (likely !== undefined && isIdentifierLike(likely)) return true;
  return fields.some(isIdentifierLike);
}

/**
 * Why a row is no request, or `undefined` when it may be one. Anywhere in the file: a footer's
 * phrase, or a drawn line. After the data (`isAfterData`: no later row holds an identifier-like
 * cell): also a row of bare delimiters, or a row whose one filled cell is not the identifier
 * column's. A row with an identifier-like cell is always a request (perhaps an `invalid` one).
 */
export function recogniseNonRequest(
  fields: readonly string[],
  context: { identifierColumn: number; isAfterData: boolean },
): NotARequest | undefined {
  if (hasIdentifierLikeCell(fields, context.identifierColumn)) return undefined;
  const filled = fields.filter((cell) => cell.trim() !== '');
  if (filled.length === 0) return context.isAfterData && fields.length > 1 ? 'separator' : undefined;
  if (filled.every((cell) => RULE_CELL.test(cell))) return 'separator';
  if (FOOTER_PHRASE.test((filled[0] as string).trim())) return 'footer';
  const identifierCell = fields[context.identifierColumn] ?? '';
  if (context.isAfterData && fields.length > 1 && filled.length === 1 && identifierCell.trim() === '') return 'footer';
  return undefined;
}

/** The `messages` line of a skipped row. */
export function describeNonRequest(kind: NotARequest): string {
  return kind === 'footer' ? "not a request: an export's footer" : "not a request: an export's separator line";
}
