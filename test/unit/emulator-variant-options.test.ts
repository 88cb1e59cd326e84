import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_OPTIONS, HELPFUL_VARIANTS, VARIANT_CHOICES, resolveEmulatorOptions, type EmulatorVariants } from '../../src/emulator/options.js';

describe('the variant options (docs/stripe.md#emulator-variants)', () => {
  it('default to the first, least helpful value of each', () => {
    expect(resolveEmulatorOptions({})).toMatchObject({
      unknownIds: 'accept',
      transitionErrors: 'plain',
      lockErrors: 'plain',
      fixListing: 'keep',
      expandValidationErrors: 'yes',
      youngCharges: 'validated',
      deletedCustomers: 'refuse',
    });
    for (const [key, choices] of Object.entries(VARIANT_CHOICES) as [keyof EmulatorVariants, readonly string[]][]) {
      expect(DEFAULT_EMULATOR_OPTIONS[key], key).toBe(choices[0]);
    }
  });

  it('take the helpful set as a spread, one valid value per variant', () => {
    expect(HELPFUL_VARIANTS).toEqual({
      unknownIds: 'refuse',
      transitionErrors: 'coded',
      lockErrors: 'named',
      fixListing: 'drop',
      expandValidationErrors: 'yes',
      youngCharges: 'redacted',
      deletedCustomers: 'redact',
      lockRefusal: 'validation',
      refusalStatus: '400',
    });
    expect(Object.keys(HELPFUL_VARIANTS).sort()).toEqual(Object.keys(VARIANT_CHOICES).sort());
    expect(resolveEmulatorOptions({ rateLimit: 5, ...HELPFUL_VARIANTS })).toMatchObject({ rateLimit: 5, ...HELPFUL_VARIANTS });
  });

  it('accept every listed value', () => {
    for (const [key, choices] of Object.entries(VARIANT_CHOICES)) {
      for (const value of choices) expect(resolveEmulatorOptions({ [key]: value })).toMatchObject({ [key]: value });
    }
  });

  it('name the option, the choices and what arrived', () => {
    expect(() => resolveEmulatorOptions({ unknownIds: 'ignore' as never })).toThrow('Expected `unknownIds` to be one of `accept`, `refuse`, got `ignore` (string)');
    expect(() => resolveEmulatorOptions({ transitionErrors: 'Coded' as never })).toThrow(/`transitionErrors`.*`plain`, `coded`.*`Coded`/);
    expect(() => resolveEmulatorOptions({ lockErrors: 1 as never })).toThrow('Expected `lockErrors` to be one of `plain`, `named`, got `1` (number)');
    expect(() => resolveEmulatorOptions({ fixListing: null as never })).toThrow(/`fixListing`.*got `null` \(null\)/);
    expect(() => resolveEmulatorOptions({ expandValidationErrors: true as never })).toThrow(/`expandValidationErrors`.*`yes`, `no`.*`true` \(boolean\)/);
    expect(() => resolveEmulatorOptions({ youngCharges: 'held' as never })).toThrow('Expected `youngCharges` to be one of `validated`, `redacted`, got `held` (string)');
    expect(() => resolveEmulatorOptions({ deletedCustomers: 'skip' as never })).toThrow('Expected `deletedCustomers` to be one of `refuse`, `redact`, got `skip` (string)');
  });
});
