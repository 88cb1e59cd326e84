import { describe, expect, it } from 'vitest';
import { FormParseError, parseForm, toFormObject } from '../../src/emulator/form.js';

describe('parseForm', () => {
  it('reads plain keys, decoding + and percent escapes', () => {
    expect(parseForm('email=a%2Bb%40example.com&name=Jane+Doe')).toEqual({ email: 'a+b@example.com', name: 'Jane Doe' });
  });

  it('nests bracketed hashes such as metadata[k]=v, with encoded or bare brackets', () => {
    expect(parseForm('metadata[order]=42&metadata%5Bsource%5D=web')).toEqual({ metadata: { order: '42', source: 'web' } });
  });

  it('turns the SDK indexed arrays into arrays in index order', () => {
    expect(parseForm('objects[customers][1]=cus_b&objects[customers][0]=cus_a&objects[payment_intents][0]=pi_1')).toEqual({
      objects: { customers: ['cus_a', 'cus_b'], payment_intents: ['pi_1'] },
    });
  });

  it('appends the curl-style [] arrays in order', () => {
    expect(parseForm('objects[customers][]=cus_a&objects[customers][]=cus_b&expand[]=objects')).toEqual({
      objects: { customers: ['cus_a', 'cus_b'] },
      expand: ['objects'],
    });
  });

  it('compacts sparse indices and builds arrays of hashes', () => {
    expect(parseForm('items[5][price]=p2&items[0][price]=p1&items[0][quantity]=3')).toEqual({
      items: [{ price: 'p1', quantity: '3' }, { price: 'p2' }],
    });
  });

  it('keeps an empty value (Stripe unset idiom) and the last of repeated scalars', () => {
    expect(parseForm('metadata[k]=&a=1&a=2')).toEqual({ metadata: { k: '' }, a: '2' });
  });

  it('returns an empty object for an empty string', () => {
    expect(parseForm('')).toEqual({});
  });

  it('refuses a name used both as a value and as a hash, naming the key', () => {
    expect(() => parseForm('a=x&a[b]=y')).toThrow(FormParseError);
    // toThrow with a matcher: the test fails if the call stops throwing, not only if it throws otherwise.
    expect(() => parseForm('a[b]=y&a=x')).toThrow(expect.objectContaining({ constructor: FormParseError, param: 'a' }));
  });

  it('refuses malformed brackets and prototype keys', () => {
    expect(() => parseForm('a[b=1')).toThrow(FormParseError);
    expect(() => parseForm('a[b]c=1')).toThrow(FormParseError);
    expect(() => parseForm('__proto__[polluted]=1')).toThrow(FormParseError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('toFormObject', () => {
  it('turns JSON scalars into the strings an HTTP call would carry', () => {
    expect(toFormObject({ amount: 1000, confirm: true, description: null, skip: undefined, metadata: { n: 1 }, list: [1, 'a'] })).toEqual({
      amount: '1000',
      confirm: 'true',
      description: '',
      metadata: { n: '1' },
      list: ['1', 'a'],
    });
  });
});
