import { describe, expect, it } from 'vitest';
import {
  matchesSearchQuery,
  parseSearchQuery,
  SearchQuerySyntaxError,
  type SearchableFields,
} from '../../src/emulator/search-query.js';

const alice: SearchableFields = {
  email: 'Alice@Example.com',
  name: "Alice O'Hara",
  phone: '+15550001',
  metadata: { crm: 'A-1', 'team name': 'blue' },
  created: 1_700_000_000,
};

const matches = (query: string, fields: SearchableFields = alice): boolean => matchesSearchQuery(parseSearchQuery(query), fields);

function syntaxError(query: string): SearchQuerySyntaxError {
  try {
    parseSearchQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(SearchQuerySyntaxError);
    return error as SearchQuerySyntaxError;
  }
  throw new Error(`expected ${query} to be refused`);
}

describe('parseSearchQuery', () => {
  it('parses a clause with single or double quotes', () => {
    expect(parseSearchQuery("email:'a@example.com'")).toEqual({
      join: 'AND',
      clauses: [{ field: 'email', operator: ':', value: 'a@example.com', negated: false }],
    });
    expect(parseSearchQuery('name:"Jane"').clauses[0]?.value).toBe('Jane');
  });

  it('unescapes \\\' \\" and \\\\ inside quoted values', () => {
    expect(parseSearchQuery("email:'o\\'brien\\\\x@example.com'").clauses[0]?.value).toBe("o'brien\\x@example.com");
    expect(parseSearchQuery('name:"say \\"hi\\""').clauses[0]?.value).toBe('say "hi"');
  });

  it('refuses other escapes and unterminated strings', () => {
    expect(syntaxError("email:'a\\nb'").message).toMatch(/may only escape/);
    expect(syntaxError("email:'abc").message).toMatch(/unterminated/);
  });

  it('joins ten emails with OR', () => {
    const emails = Array.from({ length: 10 }, (_, i) => `user${i}@example.com`);
    const query = parseSearchQuery(emails.map((e) => `email:'${e}'`).join(' OR '));
    expect(query.join).toBe('OR');
    expect(query.clauses.map((c) => c.value)).toEqual(emails);
  });

  it('refuses an eleventh clause', () => {
    const text = Array.from({ length: 11 }, (_, i) => `email:'u${i}@example.com'`).join(' OR ');
    expect(syntaxError(text).message).toMatch(/at most 10 clauses/);
  });

  it('treats spaces and AND alike, and refuses mixing AND with OR', () => {
    expect(parseSearchQuery("name:'a' AND phone:'1'").join).toBe('AND');
    expect(parseSearchQuery("name:'a' phone:'1'").join).toBe('AND');
    expect(syntaxError("name:'a' OR phone:'1' AND email:'x'").message).toMatch(/cannot be mixed/);
    expect(syntaxError("name:'a' OR phone:'1' email:'x'").message).toMatch(/cannot be mixed/);
  });

  it("reads metadata['key'] and negation", () => {
    expect(parseSearchQuery("-metadata['team name']:'blue'").clauses[0]).toEqual({
      field: 'metadata',
      metadataKey: 'team name',
      operator: ':',
      value: 'blue',
      negated: true,
    });
  });

  it('refuses unknown fields, unquoted strings, short substrings and bad operators, with a position', () => {
    expect(syntaxError("address:'x'").message).toMatch(/unsupported field 'address'/);
    expect(syntaxError('email:a@example.com').message).toMatch(/must be quoted/);
    expect(syntaxError("email~'ab'").message).toMatch(/at least 3 characters/);
    expect(syntaxError("metadata['k']~'abc'").message).toMatch(/does not support '~'/);
    const error = syntaxError("email:'a' OR");
    expect(error.position).toBeGreaterThan(0);
    expect(syntaxError('').message).toMatch(/empty/);
    expect(syntaxError("email:'a'OR name:'b'").message).toMatch(/expected a space/);
  });

  it('accepts created comparisons with bare numbers', () => {
    expect(parseSearchQuery('created>=1700000000').clauses[0]).toMatchObject({ field: 'created', operator: '>=', value: '1700000000' });
    expect(syntaxError("created>'yesterday'").message).toMatch(/Unix timestamp/);
  });
});

describe('matchesSearchQuery', () => {
  it('matches email exactly but case-insensitively', () => {
    expect(matches("email:'alice@example.com'")).toBe(true);
    expect(matches("email:'alice@example.co'")).toBe(false);
  });

  it('matches a value holding a quote', () => {
    expect(matches("name:'alice o\\'hara'")).toBe(true);
  });

  it('matches substrings with ~', () => {
    expect(matches("email~'example'")).toBe(true);
    expect(matches("name~'hara'")).toBe(true);
    expect(matches("phone~'999'")).toBe(false);
  });

  it('needs every clause for AND and one for OR', () => {
    expect(matches("email:'alice@example.com' name:'nobody'")).toBe(false);
    expect(matches("email:'nobody@example.com' OR name:'alice o\\'hara'")).toBe(true);
  });

  it('negates with -', () => {
    expect(matches("-email:'alice@example.com'")).toBe(false);
    expect(matches("-email:'bob@example.com'")).toBe(true);
    expect(matches("-phone:'1'", { ...alice, phone: null })).toBe(true);
  });

  it('matches metadata exactly, and nothing in redacted metadata', () => {
    expect(matches("metadata['crm']:'A-1'")).toBe(true);
    expect(matches("metadata['crm']:'a-1'")).toBe(false);
    expect(matches("metadata['crm']:'A-1'", { ...alice, metadata: '[redacted]' })).toBe(false);
  });

  it('compares created numerically', () => {
    expect(matches('created>1699999999')).toBe(true);
    expect(matches('created<1700000000')).toBe(false);
    expect(matches('created:1700000000')).toBe(true);
  });
});
