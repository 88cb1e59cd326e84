import { describe, expect, it } from 'vitest';
import { EMULATOR_API_VERSION, resolveEmulatorOptions } from '../../src/emulator/options.js';

describe('emulator options sent or compared as headers', () => {
  it('sends no notice and knows only the pinned API version by default', () => {
    expect(resolveEmulatorOptions({})).toMatchObject({ notice: undefined, apiVersions: [EMULATOR_API_VERSION] });
    expect(EMULATOR_API_VERSION).toBe('2026-08-26.preview');
  });

  it('refuses a notice that cannot be an HTTP header value, naming the option', () => {
    expect(resolveEmulatorOptions({ notice: 'API version 2026-08-26.preview is deprecated.' }).notice).toBe('API version 2026-08-26.preview is deprecated.');
    for (const notice of ['', '   ', 'two\nlines', 'tab\tin', 'non-ascii é']) {
      expect(() => resolveEmulatorOptions({ notice })).toThrow(/^Expected `notice` to be non-empty printable ASCII text/);
    }
  });

  it('refuses an empty or malformed list of API versions', () => {
    expect(() => resolveEmulatorOptions({ apiVersions: [] })).toThrow(/^Expected `apiVersions` to be a non-empty array/);
    expect(() => resolveEmulatorOptions({ apiVersions: ['2024-06-20', ''] })).toThrow(/`apiVersions`/);
    expect(resolveEmulatorOptions({ apiVersions: ['2024-06-20', EMULATOR_API_VERSION] }).apiVersions).toEqual(['2024-06-20', EMULATOR_API_VERSION]);
  });
});
