import { createHmac } from 'node:crypto';
import type { IdentifierKeys } from './state-store.js';

/**
 * How the state names identifiers: `email:<HMAC-SHA256 of the lower-cased address>` under the
 * state's hashing key (or `STRIPE_REDACT_HASH_KEY`), so the state never holds an address; `id:<id>`
 * for Stripe ids; `cell:<HMAC>` for a cell no identifier could be read from (`show` finds it).
 */
export function stateIdentifierKeys(hashKey: Buffer): IdentifierKeys {
  const emailKey = (normalizedEmail: string) => `email:${createHmac('sha256', hashKey).update(normalizedEmail).digest('hex')}`;
  const idKey = (stripeId: string) => `id:${stripeId}`;
  return {
    emailKey,
    cellKey: (cell) => `cell:${createHmac('sha256', hashKey).update(`cell:${cell.trim().toLowerCase()}`).digest('hex')}`,
    idKey,
    keyOf: (classified) => (classified.kind === 'email' ? emailKey(classified.email) : idKey(classified.id)),
  };
}
