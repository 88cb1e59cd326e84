import { describe, expect, it } from 'vitest';
import { IdempotencyStore, requestFingerprint } from '../../src/emulator/idempotency.js';

describe('IdempotencyStore', () => {
  const fp = requestFingerprint('POST', '/v1/customers', { email: 'a@example.com', metadata: { a: '1', b: '2' } });

  it('executes once, reports in-flight, then replays a kept response', () => {
    const store = new IdempotencyStore(() => 0);
    const first = store.begin('sk_test_1', 'key', fp);
    expect(first.kind).toBe('execute');
    expect(store.begin('sk_test_1', 'key', fp).kind).toBe('in_flight');
    if (first.kind === 'execute') first.finish({ status: 200, body: { id: 'cus_1' } }, { keep: true });
    expect(store.begin('sk_test_1', 'key', fp)).toEqual({ kind: 'replay', response: { status: 200, body: { id: 'cus_1' } } });
  });

  it('refuses the same key with other parameters, but not under another API key', () => {
    const store = new IdempotencyStore(() => 0);
    const first = store.begin('sk_test_1', 'key', fp);
    if (first.kind === 'execute') first.finish({ status: 200, body: {} }, { keep: true });
    expect(store.begin('sk_test_1', 'key', requestFingerprint('POST', '/v1/customers', { email: 'b@example.com' })).kind).toBe('mismatch');
    expect(store.begin('sk_test_2', 'key', fp).kind).toBe('execute');
  });

  it('forgets a response not kept, and every key after 24 hours', () => {
    let now = 0;
    const store = new IdempotencyStore(() => now);
    const first = store.begin('sk', 'k1', fp);
    if (first.kind === 'execute') first.finish({ status: 400, body: {} }, { keep: false });
    expect(store.begin('sk', 'k1', fp).kind).toBe('execute');
    now = 24 * 60 * 60 * 1000;
    expect(store.begin('sk', 'k1', fp).kind).toBe('execute');
    expect(store.size).toBe(1);
  });

  it('fingerprints parameters independently of key order', () => {
    expect(requestFingerprint('POST', '/p', { a: '1', b: { c: '2', d: '3' } })).toBe(requestFingerprint('POST', '/p', { b: { d: '3', c: '2' }, a: '1' }));
  });
});
