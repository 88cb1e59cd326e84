import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_OPTIONS, resolveEmulatorOptions } from '../../src/emulator/options.js';
import { Router } from '../../src/emulator/router.js';

describe('resolveEmulatorOptions', () => {
  it("fills in Stripe's test-mode defaults", () => {
    expect(resolveEmulatorOptions({})).toMatchObject({ host: '127.0.0.1', port: 0, rateLimit: 25, searchRateLimit: 20, searchLagMs: 0 });
    expect(resolveEmulatorOptions({ rateLimit: undefined }).rateLimit).toBe(DEFAULT_EMULATOR_OPTIONS.rateLimit);
  });

  it('names the option, what was expected and what arrived', () => {
    expect(() => resolveEmulatorOptions({ rateLimit: 0 })).toThrow('Expected `rateLimit` to be an integer from 1 to 1000000, got `0` (number)');
    expect(() => resolveEmulatorOptions({ latencyMs: 1.5 })).toThrow(/`latencyMs`.*`1.5`/);
    expect(() => resolveEmulatorOptions({ port: '80' as unknown as number })).toThrow(/`port`.*\(string\)/);
    expect(() => resolveEmulatorOptions({ nonsense: 1 } as never)).toThrow(/Unknown emulator option `nonsense`/);
  });
});

describe('Router', () => {
  const handler = () => ({});
  const router = new Router([
    { method: 'GET', path: '/v1/customers/:id', handler },
    { method: 'GET', path: '/v1/customers/search', kind: 'search', handler },
  ]);

  it('prefers the most literal route whatever the order, and decodes params', () => {
    expect(router.match('GET', '/v1/customers/search')?.route.kind).toBe('search');
    expect(router.match('GET', '/v1/customers/cus%5F1')?.params).toEqual({ id: 'cus_1' });
    expect(router.match('POST', '/v1/customers/cus_1')).toBeUndefined();
  });

  it('refuses duplicate routes', () => {
    expect(() => new Router([{ method: 'GET', path: '/a/:x', handler }, { method: 'GET', path: '/a/:y', handler }])).toThrow(/Duplicate/);
  });
});
