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

/**
 * A job event's `detail` column holds the job's Stripe id on its first event, and on a status
 * change why, as one reason object. States written by earlier versions hold a sentence there
 * instead, read as a `text` reason.
 */
export function serializeEventReason(reason: Reason): string {
  return JSON.stringify(reason);
}

/** The reason a job event's `detail` holds (see {@link serializeEventReason}); undefined for none or a Stripe id. */
export function parseEventReason(detail: string | null): Reason | undefined {
  if (detail === null || /^prj_[A-Za-z0-9_]+$/.test(detail)) return undefined;
  if (detail.startsWith('{')) {
    try {
      return JSON.parse(detail) as Reason;
    } catch {
      // An older sentence that happens to start with a brace: read it as it is.
    }
  }
  return { code: 'text', text: detail };
}
