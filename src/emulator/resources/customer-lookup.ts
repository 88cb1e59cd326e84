import type { RequestContext } from '../route.js';
import { matchesSearchQuery, type SearchableFields, type SearchClause, type SearchQuery } from '../search-query.js';
import type { Collection, EmulatorStore } from '../store.js';
import { CUSTOMERS, isCustomerGone, type Customer, type CustomerSearchFields } from './customer-object.js';

/**
 * How customer search and the `email` list filter find customers without reading every one.
 *
 * Two secondary indexes on the customer collection, kept up to date by the store on every insert,
 * delete and `reindex` (an update, a delete, a redaction):
 * - `search-email`: the lower-cased email of the version search sees now *and* of the version it
 *   saw before (`_searchPrevious`), so an index hit is a candidate that `searchView` then judges —
 *   the search lag stays exactly as the scan had it;
 * - `list-email`: the exact email of a customer that is not deleted.
 *
 * Queries the indexes cannot answer (no positive `email:` clause to start from) scan; both paths
 * give the same answers, which `test/unit/customer-lookup.test.ts` checks against the scan.
 */

const SEARCH_EMAIL = 'search-email';
const LIST_EMAIL = 'list-email';

/** What a lookup needs: the store and the caller's mode. */
export type LookupContext = Pick<RequestContext, 'store' | 'livemode'>;

/** The customer collection with its indexes defined. */
export function customerCollection(store: EmulatorStore): Collection<Customer> {
  const customers = store.collection<Customer>(CUSTOMERS);
  customers.defineIndex(SEARCH_EMAIL, (c) => {
    if (isCustomerGone(c)) return [];
    const keys: string[] = [];
    if (c.email !== null) keys.push(c.email.toLowerCase());
    if (c._searchPrevious?.email) keys.push(c._searchPrevious.email.toLowerCase());
    return keys;
  });
  customers.defineIndex(LIST_EMAIL, (c) => (isCustomerGone(c) || c.email === null ? [] : [c.email]));
  return customers;
}

/** The fields search indexes, as they are now. */
export function searchFields(customer: Customer): CustomerSearchFields {
  const metadata = typeof customer.metadata === 'object' ? { ...customer.metadata } : customer.metadata;
  return { email: customer.email, name: customer.name, phone: customer.phone, metadata };
}

/**
 * What search sees of a customer now, or `undefined` if it is invisible to search.
 * Rule: the current fields once `nowMs >= _searchableAtMs`; before that, the version search last
 * indexed (`_searchPrevious`), or nothing for a customer search has never indexed. Deleted or redacted
 * customers are never visible.
 */
export function searchView(customer: Customer, nowMs: number): SearchableFields | undefined {
  if (isCustomerGone(customer)) return undefined;
  if (nowMs >= customer._searchableAtMs) {
    // The live fields, read in place: a search only reads them.
    const { email, name, phone, metadata, created } = customer;
    return { email, name, phone, metadata, created };
  }
  const previous = customer._searchPrevious;
  return previous ? { ...previous, created: customer.created } : undefined;
}

function isExactEmail(clause: SearchClause): boolean {
  return clause.field === 'email' && clause.operator === ':' && !clause.negated;
}

/**
 * Customers matching the query, newest first, through the `search-email` index; `undefined` when the
 * query has no shape the index answers: `OR` of positive `email:` clauses only, or an `AND` with at
 * least one positive `email:` clause (its hits are then checked against every clause).
 */
export function indexedSearchMatches(ctx: LookupContext, query: SearchQuery, nowMs: number): Customer[] | undefined {
  let emails: string[];
  if (query.join === 'OR') {
    if (!query.clauses.every(isExactEmail)) return undefined;
    emails = query.clauses.map((c) => c.value.toLowerCase());
  } else {
    const anchor = query.clauses.find(isExactEmail);
    if (!anchor) return undefined;
    emails = [anchor.value.toLowerCase()];
  }
  return customerCollection(ctx.store)
    .lookup(SEARCH_EMAIL, emails)
    .reverse()
    .filter((c) => isSearchMatch(ctx, c, query, nowMs));
}

/** Customers matching the query, newest first, by reading every customer: the reference the index must equal. */
export function scanSearchMatches(ctx: LookupContext, query: SearchQuery, nowMs: number): Customer[] {
  return customerCollection(ctx.store)
    .newestFirst()
    .filter((c) => isSearchMatch(ctx, c, query, nowMs));
}

/** Search's answer: through the index when the query allows, else a scan. */
export function searchMatches(ctx: LookupContext, query: SearchQuery, nowMs: number): Customer[] {
  return indexedSearchMatches(ctx, query, nowMs) ?? scanSearchMatches(ctx, query, nowMs);
}

function isSearchMatch(ctx: LookupContext, customer: Customer, query: SearchQuery, nowMs: number): boolean {
  if (customer.livemode !== ctx.livemode) return false;
  const view = searchView(customer, nowMs);
  return view !== undefined && matchesSearchQuery(query, view);
}

/** Live customers whose email is exactly `email` (case-sensitive, no lag), newest first, through `list-email`. */
export function indexedListByEmail(ctx: LookupContext, email: string): Customer[] {
  return customerCollection(ctx.store)
    .lookup(LIST_EMAIL, [email])
    .reverse()
    .filter((c) => c.livemode === ctx.livemode && !isCustomerGone(c) && c.email === email);
}

/** The same as `indexedListByEmail`, by reading every customer: the reference the index must equal. */
export function scanListByEmail(ctx: LookupContext, email: string): Customer[] {
  return customerCollection(ctx.store)
    .newestFirst()
    .filter((c) => c.livemode === ctx.livemode && !isCustomerGone(c) && c.email === email);
}
