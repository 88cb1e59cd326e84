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
    // The register names a request by a keyed digest of its identifier's key: no Stripe id or
    // email hash in the clear, and the same digest wherever the state is read with the same key.
    requestKeyOf: (identifierKey) => createHmac('sha256', hashKey).update(`request\0${identifierKey}`).digest('hex').slice(0, 32),
  };
}
