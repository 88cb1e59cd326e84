import { createHmac } from 'node:crypto';

/**
 * The suppression list's digest of an email: lower-case hex HMAC-SHA-256 of the trimmed, lower-cased
 * address under the suppression key — a key of its own, never the state's hashing key: a recipient
 * holding that one could re-identify every request in the state and the register. What a recipient
 * computes to match its table is in docs/suppression.md.
 */
export function suppressionDigest(suppressionKey: Buffer, email: string): string {
  return createHmac('sha256', suppressionKey).update(email.trim().toLowerCase(), 'utf8').digest('hex');
}
