import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/emulator/api-error.js';
import { parseRootObjects, presentRootObjects } from '../../src/emulator/redaction/root-objects.js';
import type { FormObject } from '../../src/emulator/route.js';

function errorOf(body: FormObject): ApiError {
  try {
    parseRootObjects(body);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

const ids = (n: number, prefix = 'cus_'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('parseRootObjects', () => {
  it('reads every key with its slot and object type', () => {
    expect(parseRootObjects({ objects: { customers: ['cus_a'], checkout_sessions: ['cs_test_b'] } })).toEqual([
      { key: 'customers', index: 0, id: 'cus_a', objectType: 'customer' },
      { key: 'checkout_sessions', index: 0, id: 'cs_test_b', objectType: 'checkout.session' },
    ]);
  });

  it('accepts ten identifiers across keys and refuses eleven with parameter_invalid on objects', () => {
    expect(parseRootObjects({ objects: { customers: ids(5), payment_intents: ids(5, 'pi_') } })).toHaveLength(10);
    const error = errorOf({ objects: { customers: ids(6), payment_intents: ids(5, 'pi_') } });
    expect(error).toMatchObject({ status: 400, code: 'parameter_invalid', param: 'objects' });
  });

  it('counts a repeated identifier once', () => {
    expect(parseRootObjects({ objects: { customers: [...ids(10), 'cus_0'] } })).toHaveLength(10);
  });

  it('reads an indexed list the parser kept as a hash', () => {
    expect(parseRootObjects({ objects: { customers: { '1': 'cus_b', '0': 'cus_a' } } }).map((r) => r.id)).toEqual(['cus_a', 'cus_b']);
  });

  it('refuses an id under the wrong key, naming the slot', () => {
    expect(errorOf({ objects: { customers: ['cus_a', 'pi_b'] } })).toMatchObject({ status: 400, code: 'parameter_invalid', param: 'objects[customers][1]' });
  });

  it('refuses an unknown key, a missing or empty objects and a scalar list', () => {
    expect(errorOf({ objects: { accounts: ['acct_1'] } })).toMatchObject({ code: 'parameter_unknown', param: 'objects[accounts]' });
    expect(errorOf({})).toMatchObject({ code: 'parameter_missing', param: 'objects' });
    expect(errorOf({ objects: { customers: [] } })).toMatchObject({ code: 'parameter_missing', param: 'objects' });
    expect(errorOf({ objects: { customers: 'cus_a' } })).toMatchObject({ code: 'parameter_invalid', param: 'objects[customers]' });
  });
});

describe('presentRootObjects', () => {
  it('returns the nine response keys, null where empty', () => {
    const roots = parseRootObjects({ objects: { customers: ['cus_a'], issuing_cards: ['ic_1'] } });
    expect(presentRootObjects(roots)).toEqual({
      customers: ['cus_a'],
      payment_intents: null,
      charges: null,
      invoices: null,
      setup_intents: null,
      checkout_sessions: null,
      identity_verification_sessions: null,
      issuing_cardholders: null,
      radar_value_list_items: null,
    });
  });
});
