import { describe, expect, it } from 'vitest';
import { Faults } from '../../src/emulator/faults.js';

describe('Faults', () => {
  it('applies matching faults in order and uses each up after `times`', () => {
    const faults = new Faults();
    faults.use({ path: '/v1/customers', status: 429, times: 1 }, { method: 'get', path: /^\/v1\/customers/, status: 503, times: 2 });
    expect(faults.take('POST', '/v1/other')).toBeUndefined();
    expect(faults.take('GET', '/v1/customers')).toMatchObject({ status: 429 });
    expect(faults.take('GET', '/v1/customers/cus_1')).toMatchObject({ status: 503 });
    expect(faults.take('POST', '/v1/customers/cus_1')).toBeUndefined();
    expect(faults.take('GET', '/v1/customers')).toMatchObject({ status: 503 });
    expect(faults.take('GET', '/v1/customers')).toBeUndefined();
    expect(faults.pending()).toEqual([]);
  });

  it('defaults to a 500 until reset; drop and delay-only faults carry no status', () => {
    const faults = new Faults();
    faults.use({});
    expect(faults.take('GET', '/v1/a')).toMatchObject({ status: 500, drop: false });
    expect(faults.take('GET', '/v1/a')).toMatchObject({ status: 500 });
    faults.reset();
    faults.use({ drop: true, times: 1 }, { delayMs: 50, times: 1 });
    expect(faults.take('GET', '/v1/a')).toEqual({ drop: true, delayMs: 0 });
    expect(faults.take('GET', '/v1/a')).toEqual({ drop: false, delayMs: 50 });
  });

  it('never faults the emulator health endpoint', () => {
    const faults = new Faults();
    faults.use({ status: 500 });
    expect(faults.take('GET', '/_emulator/health')).toBeUndefined();
  });

  it('names the field of a bad fault', () => {
    const faults = new Faults();
    expect(() => faults.use({ times: 0 })).toThrow(/`times`.*got `0`/);
    expect(() => faults.use({ status: 200 })).toThrow(/`status`/);
    expect(() => faults.use({ drop: true, status: 500 })).toThrow(/absent when `drop`/);
  });
});
