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
    expect(faults.take('GET', '/v1/a')).toEqual({ drop: true, lostResponse: false, delayMs: 0 });
    expect(faults.take('GET', '/v1/a')).toEqual({ drop: false, lostResponse: false, delayMs: 50 });
  });

  it('carries a lost response out with no status of its own, delayed when asked', () => {
    const faults = new Faults();
    faults.use({ method: 'POST', path: '/v1/privacy/redaction_jobs', lostResponse: true, times: 1 }, { lostResponse: true, delayMs: 20, times: 1 });
    expect(faults.take('POST', '/v1/privacy/redaction_jobs')).toEqual({ drop: false, lostResponse: true, delayMs: 0 });
    expect(faults.take('POST', '/v1/privacy/redaction_jobs')).toEqual({ drop: false, lostResponse: true, delayMs: 20 });
    expect(faults.take('POST', '/v1/privacy/redaction_jobs')).toBeUndefined();
  });

  it('gives a fault with a rate to that share of matching requests, the rest falling through to later faults', () => {
    const faults = new Faults();
    let draw = 0;
    const draws = [0.1, 0.9, 0.29, 0.31];
    faults.random = () => draws[draw++ % draws.length] as number;
    faults.use({ path: '/v1/x', status: 429, rate: 0.3 }, { path: '/v1/x', status: 503 });
    expect([1, 2, 3, 4].map(() => faults.take('GET', '/v1/x')?.status)).toEqual([429, 503, 429, 503]);
    expect(() => faults.use({ rate: 0 })).toThrow(/`rate`/);
    expect(() => faults.use({ rate: 1.5 })).toThrow(/`rate`/);
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
    expect(() => faults.use({ lostResponse: false as unknown as true })).toThrow('Expected fault `lostResponse` to be true or absent, got `false` (boolean)');
    expect(() => faults.use({ lostResponse: true, status: 500 })).toThrow('Expected fault `status` to be absent when `lostResponse` is set, got `500` (number)');
    expect(() => faults.use({ lostResponse: true, drop: true })).toThrow(/`drop`.*absent when `lostResponse`/);
    expect(() => faults.use({ lostResponse: true, shouldRetry: true })).toThrow(/`shouldRetry`.*absent when `lostResponse`/);
    expect(faults.pending()).toEqual([]);
  });
});
