/**
 * Step "resolve" of the flow: the customer-search query for a batch of emails. Pure.
 * Query language: https://docs.stripe.com/search#search-query-language
 */
import { InternalError } from '../errors.js';

/** Stripe's cap on clauses in one search query. */
export const MAX_SEARCH_CLAUSES = 10;

/**
 * `email:'a@x.com' OR email:'b@y.com'` for 1 to {@link MAX_SEARCH_CLAUSES} emails, in the order
 * given. Each email becomes one single-quoted value with `\` and `'` backslash-escaped, so no input
 * can close the quote and add a clause of its own.
 *
 * @throws {InternalError} for no emails, too many, or an empty one: the caller batches.
 */
export function buildEmailSearchQuery(emails: string[]): string {
  if (emails.length === 0 || emails.length > MAX_SEARCH_CLAUSES) {
    throw new InternalError(
      `Expected 1 to ${MAX_SEARCH_CLAUSES} emails for one search query, got ${emails.length}`,
    );
  }
  if (emails.some((email) => email === '')) {
    throw new InternalError('Expected non-empty emails for a search query, got an empty one');
  }
  return emails.map((email) => `email:'${escapeSearchValue(email)}'`).join(' OR ');
}

/** Backslash first, so the backslashes added for quotes are not doubled again. */
function escapeSearchValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll("'", "\\'");
}
