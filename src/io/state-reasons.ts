import type { Reason } from '../domain/reason.js';

/**
 * How reasons (domain/reason.ts) sit in the state's `messages` columns: a JSON array of reason
 * objects. States of schema version 3 and older hold sentences there instead; read as they are
 * (`show` on a state it may not migrate), each becomes a `text` reason that words to itself.
 */
export function parseReasons(json: string): Reason[] {
  return (JSON.parse(json) as (Reason | string)[]).map((item) => (typeof item === 'string' ? { code: 'text', text: item } : item));
}

export function serializeReasons(reasons: readonly Reason[]): string {
  return JSON.stringify(reasons);
}
