import { describe, expect, it } from 'vitest';
import { buildEmailSearchQuery, MAX_SEARCH_CLAUSES } from '../../src/domain/email-search-query.js';
import { InternalError } from '../../src/errors.js';

/**
 * Splits a query the way Stripe's search grammar reads it: single-quoted values with backslash
 * escapes, joined by ` OR `. Returns the decoded values, or throws if anything else appears.
 */
function parseQuery(query: string): string[] {
  const values: string[] = [];
  let i = 0;
  for (;;) {
    if (!query.startsWith("email:'", i)) throw new Error(`expected email:' at ${i} in ${query}`);
    i += "email:'".length;
    let value = '';
    for (;;) {
      const char = query[i];
      if (char === undefined) throw new Error('unterminated value');
      if (char === '\\') {
        const next = query[i + 1];
        if (next === undefined) throw new Error('dangling escape');
        value += next;
        i += 2;
      } else if (char === "'") {
        i += 1;
        break;
      } else {
        value += char;
        i += 1;
      }
    }
    values.push(value);
    if (i === query.length) return values;
    if (!query.startsWith(' OR ', i)) throw new Error(`expected ' OR ' at ${i} in ${query}`);
    i += ' OR '.length;
  }
}

describe('buildEmailSearchQuery', () => {
  it('joins one clause per email with OR, in order', () => {
    expect(buildEmailSearchQuery(['a@x.com'])).toBe("email:'a@x.com'");
    expect(buildEmailSearchQuery(['a@x.com', 'b@y.com'])).toBe("email:'a@x.com' OR email:'b@y.com'");
  });

  it('escapes quotes and backslashes with a backslash', () => {
    expect(buildEmailSearchQuery(["o'brien@x.ie"])).toBe("email:'o\\'brien@x.ie'");
    expect(buildEmailSearchQuery(['a\\b@x.com'])).toBe("email:'a\\\\b@x.com'");
    expect(buildEmailSearchQuery(["a\\'@x.com"])).toBe("email:'a\\\\\\'@x.com'");
  });

  it.each([
    "x@y.com' OR email:'victim@z.com",
    "x@y.com\\' OR email:'victim@z.com",
    "x@y.com\\\\' OR email:'*",
    "'",
    '\\',
    "\\'\\'\\",
    "a' OR name:'b",
  ])('keeps %j one quoted value: no input adds a clause', (email) => {
    const query = buildEmailSearchQuery([email, 'other@x.com']);
    expect(parseQuery(query)).toEqual([email, 'other@x.com']);
  });

  it('round-trips arbitrary strings of quotes, backslashes and OR', () => {
    const alphabet = ["'", '\\', ' ', 'OR', 'email:', 'a', '@'];
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 500; n += 1) {
      const email = Array.from({ length: 1 + Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      expect(parseQuery(buildEmailSearchQuery([email]))).toEqual([email]);
    }
  });

  it(`accepts up to ${MAX_SEARCH_CLAUSES} emails`, () => {
    const emails = Array.from({ length: MAX_SEARCH_CLAUSES }, (_, i) => `u${i}@x.com`);
    expect(parseQuery(buildEmailSearchQuery(emails))).toEqual(emails);
  });

  it('throws for no emails, too many, or an empty one', () => {
    expect(() => buildEmailSearchQuery([])).toThrow(InternalError);
    expect(() => buildEmailSearchQuery(Array.from({ length: MAX_SEARCH_CLAUSES + 1 }, (_, i) => `u${i}@x.com`))).toThrow(
      /Expected 1 to 10 emails/,
    );
    expect(() => buildEmailSearchQuery(['a@x.com', ''])).toThrow(InternalError);
  });
});
