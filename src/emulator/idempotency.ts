import type { FormValue } from './route.js';

/** A finished response as it will be replayed. */
export interface RecordedResponse {
  status: number;
  body: unknown;
}

/** What to do with a POST that carries an `Idempotency-Key`. */
export type IdempotencyDecision =
  /** First use of the key: run the request, then call `finish`. */
  | { kind: 'execute'; finish: (response: RecordedResponse, options: { keep: boolean }) => void }
  /** The key already finished with the same parameters: answer this again. */
  | { kind: 'replay'; response: RecordedResponse }
  /** Same key, different method, path or parameters: 400 `idempotency_error`. */
  | { kind: 'mismatch' }
  /** Same key while the first request is still running: 409 `idempotency_key_in_use`. */
  | { kind: 'in_flight' };

type Entry = { fingerprint: string; createdAtMs: number; response?: RecordedResponse };

/** Stripe keeps keys at least 24 hours (https://docs.stripe.com/api/idempotent_requests). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Idempotency keys of one emulator, scoped by API key (two accounts never share keys).
 * Entries live in insertion order, which is creation order, so expired ones are swept from the front.
 */
export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>();

  constructor(
    readonly clockMs: () => number = Date.now,
    readonly retentionMs = IDEMPOTENCY_RETENTION_MS,
  ) {}

  begin(scope: string, key: string, fingerprint: string): IdempotencyDecision {
    const now = this.clockMs();
    this.#sweep(now);
    const id = `${scope}\u0000${key}`;
    const entry = this.#entries.get(id);
    if (entry) {
      if (entry.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return entry.response ? { kind: 'replay', response: entry.response } : { kind: 'in_flight' };
    }
    const fresh: Entry = { fingerprint, createdAtMs: now };
    this.#entries.set(id, fresh);
    return {
      kind: 'execute',
      finish: (response, { keep }) => {
        // A request that never started executing (a parameter error) saves nothing, as in Stripe:
        // the key may then be used again.
        if (keep) fresh.response = response;
        else if (this.#entries.get(id) === fresh) this.#entries.delete(id);
      },
    };
  }

  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (now - entry.createdAtMs < this.retentionMs) break;
      // An in-flight entry older than the retention is a request that never finished; drop it too.
      this.#entries.delete(id);
    }
  }
}

/** Method, path and parameters in a canonical form: key order does not matter, values do. */
export function requestFingerprint(method: string, path: string, body: Record<string, FormValue>): string {
  return `${method} ${path} ${canonicalJson(body)}`;
}

function canonicalJson(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] ?? '')}`).join(',')}}`;
}
