/**
 * Stripe's Search Query Language, the subset the emulator supports for customers
 * (https://docs.stripe.com/search#search-query-language; emulator rules in docs/stripe.md#finding-customers).
 * Pure: `parseSearchQuery` turns text into a `SearchQuery`, `matchesSearchQuery` tests one customer.
 */

/** Fields a customer search may name. */
export type SearchField = 'email' | 'name' | 'phone' | 'metadata' | 'created';

/** `:` exact, `~` substring, the rest numeric comparisons (only for `created`). */
export type SearchOperator = ':' | '~' | '>' | '<' | '>=' | '<=';

export interface SearchClause {
  field: SearchField;
  /** The key of `metadata['key']`; only for `field: 'metadata'`. */
  metadataKey?: string;
  operator: SearchOperator;
  /** Unquoted and unescaped. */
  value: string;
  /** A leading `-`. */
  negated: boolean;
}

/** Clauses are joined by one connective: Stripe refuses queries that mix `AND` and `OR`. */
export interface SearchQuery {
  join: 'AND' | 'OR';
  clauses: SearchClause[];
}

/** What a clause can look at: a customer's searchable fields. */
export interface SearchableFields {
  email: string | null;
  name: string | null;
  phone: string | null;
  /** A string when the metadata was redacted: then no key matches. */
  metadata: Record<string, string> | string | null;
  /** Unix seconds. */
  created: number;
}

/** [ours] The emulator's cap on clauses per query (docs/stripe.md#finding-customers). */
export const MAX_SEARCH_CLAUSES = 10;

/** Stripe needs at least this many characters for a `~` substring match. */
export const MIN_SUBSTRING_LENGTH = 3;

/** A query the emulator cannot parse or refuses; `position` is the 0-based offset where it went wrong. */
export class SearchQuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'SearchQuerySyntaxError';
  }
}

const STRING_FIELDS = new Set<SearchField>(['email', 'name', 'phone', 'metadata']);
const ALLOWED_OPERATORS: Record<SearchField, readonly SearchOperator[]> = {
  email: [':', '~'],
  name: [':', '~'],
  phone: [':', '~'],
  metadata: [':'],
  created: [':', '>', '<', '>=', '<='],
};

/** Parse a query; throws `SearchQuerySyntaxError` naming what was expected and where. */
export function parseSearchQuery(text: string): SearchQuery {
  return new Parser(text).parse();
}

class Parser {
  #pos = 0;

  constructor(readonly text: string) {}

  parse(): SearchQuery {
    this.#skipSpaces();
    if (this.#pos >= this.text.length) throw this.#error('the query is empty');
    const clauses: SearchClause[] = [];
    let join: 'AND' | 'OR' | undefined;
    for (;;) {
      clauses.push(this.#clause());
      if (clauses.length > MAX_SEARCH_CLAUSES) {
        throw this.#error(`a query may have at most ${MAX_SEARCH_CLAUSES} clauses`);
      }
      const hadSpace = this.#skipSpaces();
      if (this.#pos >= this.text.length) break;
      if (!hadSpace) throw this.#error(`expected a space, AND or OR after a clause, got '${this.text[this.#pos]}'`);
      const connective = this.#connective();
      if (join !== undefined && join !== connective) {
        throw this.#error('AND and OR cannot be mixed in one query');
      }
      join = connective;
      if (this.#pos >= this.text.length) throw this.#error(`expected a clause after ${connective}`);
    }
    return { join: join ?? 'AND', clauses };
  }

  /** `AND`/`OR` followed by a space, or nothing (a space alone means AND). */
  #connective(): 'AND' | 'OR' {
    for (const word of ['AND', 'OR'] as const) {
      const after = this.text[this.#pos + word.length];
      if (this.text.startsWith(word, this.#pos) && (after === ' ' || after === undefined)) {
        this.#pos += word.length;
        if (!this.#skipSpaces()) throw this.#error(`expected a clause after ${word}`);
        return word;
      }
    }
    return 'AND';
  }

  #clause(): SearchClause {
    const negated = this.text[this.#pos] === '-';
    if (negated) this.#pos += 1;
    const fieldStart = this.#pos;
    const name = this.#identifier();
    if (!isSearchField(name)) {
      this.#pos = fieldStart;
      throw this.#error(
        name === '' ? 'expected a field name' : `unsupported field '${name}' (supported: email, name, phone, metadata['key'], created)`,
      );
    }
    let metadataKey: string | undefined;
    if (name === 'metadata') {
      if (this.text[this.#pos] !== '[') throw this.#error("expected metadata['key']");
      this.#pos += 1;
      metadataKey = this.#quoted();
      if (this.text[this.#pos] !== ']') throw this.#error("expected ']' after the metadata key");
      this.#pos += 1;
    }
    const operatorAt = this.#pos;
    const operator = this.#operator();
    if (!ALLOWED_OPERATORS[name].includes(operator)) {
      this.#pos = operatorAt;
      throw this.#error(`field '${name}' does not support '${operator}' (allowed: ${ALLOWED_OPERATORS[name].join(' ')})`);
    }
    const valueAt = this.#pos;
    const quote = this.text[this.#pos];
    let value: string;
    if (quote === "'" || quote === '"') {
      value = this.#quoted();
    } else if (STRING_FIELDS.has(name)) {
      throw this.#error(`the value of '${name}' must be quoted with ' or "`);
    } else {
      value = this.#bare();
    }
    if (name === 'created' && !/^\d+$/.test(value)) {
      this.#pos = valueAt;
      throw this.#error(`the value of 'created' must be a Unix timestamp, got '${value}'`);
    }
    if (operator === '~' && [...value].length < MIN_SUBSTRING_LENGTH) {
      this.#pos = valueAt;
      throw this.#error(`a '~' substring match needs at least ${MIN_SUBSTRING_LENGTH} characters`);
    }
    const clause: SearchClause = { field: name, operator, value, negated };
    if (metadataKey !== undefined) clause.metadataKey = metadataKey;
    return clause;
  }

  #identifier(): string {
    const match = /[a-z_]*/y;
    match.lastIndex = this.#pos;
    const found = match.exec(this.text)?.[0] ?? '';
    this.#pos += found.length;
    return found;
  }

  #operator(): SearchOperator {
    for (const op of ['>=', '<=', ':', '~', '>', '<'] as const) {
      if (this.text.startsWith(op, this.#pos)) {
        this.#pos += op.length;
        return op;
      }
    }
    throw this.#error(`expected one of : ~ > < >= <= after the field, got ${this.#describeHere()}`);
  }

  /** A `'…'` or `"…"` string; `\` escapes the quote character and the backslash, nothing else. */
  #quoted(): string {
    const quote = this.text[this.#pos];
    if (quote !== "'" && quote !== '"') throw this.#error(`expected a quoted string, got ${this.#describeHere()}`);
    const start = this.#pos;
    this.#pos += 1;
    let out = '';
    for (;;) {
      const ch = this.text[this.#pos];
      if (ch === undefined) {
        this.#pos = start;
        throw this.#error(`unterminated string starting with ${quote}`);
      }
      this.#pos += 1;
      if (ch === quote) return out;
      if (ch === '\\') {
        const escaped = this.text[this.#pos];
        if (escaped !== quote && escaped !== '\\') {
          this.#pos -= 1;
          throw this.#error(`'\\' may only escape ${quote} or '\\'`);
        }
        out += escaped;
        this.#pos += 1;
      } else {
        out += ch;
      }
    }
  }

  #bare(): string {
    const start = this.#pos;
    while (this.#pos < this.text.length && this.text[this.#pos] !== ' ') this.#pos += 1;
    if (this.#pos === start) throw this.#error('expected a value');
    return this.text.slice(start, this.#pos);
  }

  /** Skips spaces; `true` if there were any. */
  #skipSpaces(): boolean {
    const start = this.#pos;
    while (this.text[this.#pos] === ' ' || this.text[this.#pos] === '\t') this.#pos += 1;
    return this.#pos > start;
  }

  #describeHere(): string {
    const ch = this.text[this.#pos];
    return ch === undefined ? 'the end of the query' : `'${ch}'`;
  }

  #error(reason: string): SearchQuerySyntaxError {
    return new SearchQuerySyntaxError(`Invalid search query at position ${this.#pos}: ${reason}.`, this.#pos);
  }
}

function isSearchField(name: string): name is SearchField {
  return Object.hasOwn(ALLOWED_OPERATORS, name);
}

/** Whether `fields` satisfies the query (all clauses for AND, any for OR). */
export function matchesSearchQuery(query: SearchQuery, fields: SearchableFields): boolean {
  const test = (clause: SearchClause): boolean => matchesClause(clause, fields) !== clause.negated;
  return query.join === 'OR' ? query.clauses.some(test) : query.clauses.every(test);
}

/**
 * [ours] `email` and `name` compare case-insensitively (Stripe: email search is case-insensitive);
 * `phone` and metadata values compare exactly; `~` is a case-insensitive substring match.
 */
function matchesClause(clause: SearchClause, fields: SearchableFields): boolean {
  if (clause.field === 'created') {
    const wanted = Number(clause.value);
    switch (clause.operator) {
      case ':':
        return fields.created === wanted;
      case '>':
        return fields.created > wanted;
      case '<':
        return fields.created < wanted;
      case '>=':
        return fields.created >= wanted;
      case '<=':
        return fields.created <= wanted;
      case '~':
        return false;
    }
  }
  const actual = clause.field === 'metadata' ? metadataValue(fields.metadata, clause.metadataKey ?? '') : fields[clause.field];
  if (actual === null || actual === undefined) return false;
  if (clause.operator === '~') return actual.toLowerCase().includes(clause.value.toLowerCase());
  if (clause.field === 'email' || clause.field === 'name') return actual.toLowerCase() === clause.value.toLowerCase();
  return actual === clause.value;
}

function metadataValue(metadata: SearchableFields['metadata'], key: string): string | undefined {
  if (metadata === null || typeof metadata !== 'object' || !Object.hasOwn(metadata, key)) return undefined;
  return metadata[key];
}
