import { describe, expect, it } from 'vitest';
import { addressesInCell, classifyIdentifier, OBJECT_KINDS, objectTypeOfId, type ObjectType } from '../../src/domain/identifier.js';

describe('classifyIdentifier: Stripe ids', () => {
  const cases: [string, ObjectType][] = [
    ['cus_NffrFeUfNV2Hib', 'customer'],
    ['pi_3MtwBwLkdIwHu7ix28a3tqPa', 'payment_intent'],
    ['ch_3MmlLrLkdIwHu7ix0snN0B15', 'charge'],
    ['in_1MtHbELkdIwHu7ixl4OzzPMv', 'invoice'],
    ['seti_1Mm8s8LkdIwHu7ixrsuhx1oH', 'setup_intent'],
    ['cs_test_a11YYufWQzNY63zpQ6QSNRQhkUpVph4WRmzW0zWJO2znZKdVujZ0N0S22u', 'checkout_session'],
    ['cs_live_a1b2c3', 'checkout_session'],
    ['vs_1NuNAILkdIwHu7ixh7OtGMLw', 'identity_verification_session'],
    ['ich_1MsKAB2eZvKYlo2C3eZ2BdvK', 'issuing_cardholder'],
    ['ic_1MvSieLkdIwHu7ixn6uuO0Xu', 'issuing_card'],
    ['rsli_1Mv7Y0LkdIwHu7ixNKkBTyHW', 'radar_value_list_item'],
  ];

  it.each(cases)('classifies %s as %s', (id, type) => {
    expect(classifyIdentifier(id)).toEqual({ kind: 'object', type, id });
    expect(objectTypeOfId(id)).toBe(type);
  });

  it('covers every object kind, with a distinct prefix each', () => {
    expect(new Set(cases.map(([, type]) => type))).toEqual(new Set(Object.keys(OBJECT_KINDS)));
    const prefixes = Object.values(OBJECT_KINDS).map((kind) => kind.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });

  it('keeps ich_ (cardholder) and ic_ (card) apart', () => {
    expect(classifyIdentifier('ich_abc').type).toBe('issuing_cardholder');
    expect(classifyIdentifier('ic_habc').type).toBe('issuing_card');
  });

  it('trims surrounding whitespace, including a no-break space', () => {
    expect(classifyIdentifier('  cus_123\t')).toEqual({ kind: 'object', type: 'customer', id: 'cus_123' });
    expect(classifyIdentifier('\u00a0cus_123')).toMatchObject({ kind: 'object', id: 'cus_123' });
  });

  it('refuses a bare prefix, saying the id is missing', () => {
    const result = classifyIdentifier('cus_');
    expect(result).toMatchObject({ kind: 'invalid', type: 'unknown', raw: 'cus_' });
    expect(result.kind === 'invalid' && result.reason).toMatch(/no id after/);
  });

  it.each(['cus_12-3', 'cus_12 3', 'pi_abc.def', "cus_1' OR 1", 'cus_é'])('refuses %j: characters outside [A-Za-z0-9_]', (raw) => {
    const result = classifyIdentifier(raw);
    expect(result.kind).toBe('invalid');
  });

  it.each(['sub_1MowQVLkdIwHu7ixeRlqHVzs', 'acct_1032D82eZvKYlo2C', 'pm_123'])('refuses %s: an unredactable kind, naming the redactable ones', (raw) => {
    const result = classifyIdentifier(raw);
    expect(result.kind).toBe('invalid');
    if (result.kind !== 'invalid') return;
    expect(result.reason).toMatch(/cannot be redacted/);
    for (const { prefix } of Object.values(OBJECT_KINDS)) expect(result.reason).toContain(prefix);
  });

  it('is case-sensitive about prefixes, as Stripe is', () => {
    expect(classifyIdentifier('CUS_123').kind).toBe('invalid');
  });

  it('objectTypeOfId returns undefined for an unknown prefix', () => {
    expect(objectTypeOfId('sub_123')).toBeUndefined();
    expect(objectTypeOfId('')).toBeUndefined();
  });

  it('maps each kind to its job key', () => {
    expect(OBJECT_KINDS.customer).toEqual({ prefix: 'cus_', jobKey: 'customers' });
    expect(OBJECT_KINDS.issuing_cardholder.jobKey).toBe('issuing_cardholders');
    expect(OBJECT_KINDS.radar_value_list_item.jobKey).toBe('radar_value_list_items');
  });
});

describe('classifyIdentifier: emails', () => {
  it.each([
    'jane@example.com',
    'Jane.Doe+dsr@Mail.Example.co.uk',
    "o'brien@x.ie",
    'user_name-1@sub-domain.example.org',
    'josé@exämple.de',
  ])('accepts %s', (raw) => {
    expect(classifyIdentifier(raw)).toEqual({ kind: 'email', type: 'email', raw, email: raw.toLowerCase() });
  });

  it('keeps the cell as given in raw and matches on the trimmed, lower-cased address', () => {
    expect(classifyIdentifier('  Jane@Example.COM ')).toEqual({
      kind: 'email',
      type: 'email',
      raw: '  Jane@Example.COM ',
      email: 'jane@example.com',
    });
  });

  it.each([
    ['*@example.com', /wildcard/],
    ['jane%@example.com', /wildcard/],
    ['ja?ne@example.com', /wildcard/],
    ['"jane"@example.com', /quote/],
    ['jane\\@example.com', /escape/],
    ["x@y.com' OR email:'*", /wildcard|whitespace/],
  ])('refuses %j with a reason that says why (%s)', (raw, reason) => {
    const result = classifyIdentifier(raw);
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') {
      expect(result.reason).toMatch(reason);
      expect(result.reason).not.toMatch(/^invalid$/);
    }
  });

  it.each([
    ['jane doe@example.com', /whitespace/],
    ['jane@exa\u0000mple.com', /control/],
    ['jane\u200b@example.com', /invisible/],
    ['a@b@example.com', /more than one/],
    ['@example.com', /nothing before/],
    ['jane@', /domain/],
    ['jane@localhost', /domain/],
    ['jane@example..com', /domain/],
    ['jane@-example.com', /domain/],
    ['.jane@example.com', /'\.'/],
    ['ja..ne@example.com', /'\.'/],
    ['jane@[127.0.0.1]', /\[/],
    ['jane,doe@example.com', /','/],
    [`${'a'.repeat(65)}@example.com`, /64/],
    [`a@${'b'.repeat(250)}.com`, /254/],
  ])('refuses %j (%s)', (raw, reason) => {
    const result = classifyIdentifier(raw);
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.reason).toMatch(reason);
  });
});

describe('classifyIdentifier: anything else', () => {
  it.each(['', '   ', '\t'])('calls %j an empty identifier', (raw) => {
    expect(classifyIdentifier(raw)).toEqual({ kind: 'invalid', type: 'unknown', raw, reason: 'empty identifier' });
  });

  it('explains what was expected for free text, without repeating the value', () => {
    const result = classifyIdentifier('Jane Doe');
    expect(result.kind).toBe('invalid');
    if (result.kind !== 'invalid') return;
    expect(result.reason).toMatch(/neither an email nor a Stripe id/);
    expect(result.reason).not.toContain('Jane');
  });
});

describe('classifyIdentifier: addresses inside wider cells', () => {
  it.each([
    ['Jane Doe <Jane.Doe@Example.com>', 'jane.doe@example.com', 'name_address'],
    ['"Doe, Jane" <jane.doe@example.com>', 'jane.doe@example.com', 'name_address'],
    ['<jane.doe@example.com>', 'jane.doe@example.com', 'name_address'],
    ['mailto:jane.doe@example.com', 'jane.doe@example.com', 'mailto'],
    ['MAILTO:jane.doe@example.com?subject=GDPR', 'jane.doe@example.com', 'mailto'],
  ])('reads %j as the address %s (%s)', (raw, email, from) => {
    expect(classifyIdentifier(raw)).toEqual({ kind: 'email', type: 'email', raw, email, extractedFrom: from });
  });

  it('names the cause when such a cell holds no usable address', () => {
    const reasonOf = (raw: string) => {
      const c = classifyIdentifier(raw);
      return c.kind === 'invalid' ? c.reason : '';
    };
    expect(reasonOf('Jane Doe <jane.doe@example>')).toMatch(/^a 'Name <address>' cell whose address is not usable: email has no valid domain/);
    expect(reasonOf('Jane Doe <*@example.com>')).toMatch(/wildcard/);
    expect(reasonOf('Jane Doe jane.doe@example.com')).toMatch(/a name beside the address\? write the address alone, or as 'Name <address>'/);
    expect(reasonOf('Jane Doe <jane.doe@example.com')).toMatch(/no 'Name <address>' cell: it needs one '<' before the address and one '>' after it/);
    expect(reasonOf('mailto:')).toMatch(/^a 'mailto:' link whose address is not usable/);
  });

  it('finds the address-like parts of an unusable cell, lower-cased', () => {
    expect(addressesInCell('Jane Doe Jane.Doe@Example.com')).toEqual(['jane.doe@example.com']);
    expect(addressesInCell('Jane <jane@example> or jane@example.org')).toEqual(['jane@example', 'jane@example.org']);
    expect(addressesInCell('no address')).toEqual([]);
  });
});
