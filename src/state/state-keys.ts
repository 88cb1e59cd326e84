import { createHmac } from 'node:crypto';
import type { IdentifierKeys } from './identifier-ledger.js';

/**
 * How the state names identifiers: `email:<HMAC-SHA256 of the lower-cased address>` under the
 * state's hashing key (or `STRIPE_REDACT_HASH_KEY`), so the state never holds an address; `id:<id>`
 * for Stripe ids; `cell:<HMAC>` for a cell no identifier could be read from (`show` finds it).
 */
export function stateIdentifierKeys(hashKey: Buffer): IdentifierKeys {
  // The report asks for a row's key three times in a row (its outcome, the register, the erasure):
  // the last one is kept, so a million-row report makes a million HMACs, not three.
  let last: { email: string; key: string } | undefined;
  const emailKey = (normalizedEmail: string) => {
    if (last?.email === normalizedEmail) return last.key;
    const key = `email:${createHmac('sha256', hashKey).update(normalizedEmail).digest('hex')}`;
    last = { email: normalizedEmail, key };
    return key;
  };
  const idKey = (stripeId: string) => `id:${stripeId}`;
  return {
    emailKey,
    cellKey: (cell) => `cell:${createHmac('sha256', hashKey).update(`cell:${cell.trim().toLowerCase()}`).digest('hex')}`,
    idKey,
    keyOf: (classified) => (classified.kind === 'email' ? emailKey(classified.email) : idKey(classified.id)),
    // The register names a request by the state's keyed digest of its identifier: an email's key is
    // one already (`email:<HMAC>`, as reappeared.csv and downstream.csv name it); a Stripe id or an
    // unusable cell gets one (`id:<HMAC>`, `invalid:<HMAC>`), so the register holds neither in the clear.
    requestKeyOf: (identifierKey) => {
      if (identifierKey.startsWith('email:')) return identifierKey;
      const kind = identifierKey.startsWith('invalid:') ? 'invalid' : 'id';
      return `${kind}:${createHmac('sha256', hashKey).update(`request\0${identifierKey}`).digest('hex')}`;
    },
  };
}
