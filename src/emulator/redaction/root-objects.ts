import { ApiError } from '../api-error.js';
import type { FormObject, FormValue } from '../route.js';

/**
 * The ten keys of a redaction job's `objects` parameter, each with the id prefixes it accepts and
 * the Stripe `object` type of its members (docs/stripe.md#redaction-jobs).
 */
export const ROOT_KINDS = {
  customers: { prefixes: ['cus_'], objectType: 'customer', collection: 'customers' },
  payment_intents: { prefixes: ['pi_'], objectType: 'payment_intent', collection: 'payment_intents' },
  charges: { prefixes: ['ch_', 'py_'], objectType: 'charge', collection: 'charges' },
  invoices: { prefixes: ['in_'], objectType: 'invoice', collection: 'invoices' },
  setup_intents: { prefixes: ['seti_'], objectType: 'setup_intent', collection: 'setup_intents' },
  checkout_sessions: { prefixes: ['cs_'], objectType: 'checkout.session', collection: 'checkout_sessions' },
  identity_verification_sessions: { prefixes: ['vs_'], objectType: 'identity.verification_session', collection: 'identity_verification_sessions' },
  issuing_cardholders: { prefixes: ['ich_'], objectType: 'issuing.cardholder', collection: 'issuing_cardholders' },
  issuing_cards: { prefixes: ['ic_'], objectType: 'issuing.card', collection: 'issuing_cards' },
  radar_value_list_items: { prefixes: ['rsli_'], objectType: 'radar.value_list_item', collection: 'radar_value_list_items' },
} as const;

export type RootKey = keyof typeof ROOT_KINDS;

export const ROOT_KEYS = Object.keys(ROOT_KINDS) as RootKey[];

/** Stripe's limit on identifiers per job. */
export const MAX_JOB_IDENTIFIERS = 10;

/** One identifier of a job's `objects`, with the form slot it came from (for error `param`s). */
export interface RootRef {
  key: RootKey;
  index: number;
  id: string;
  /** Stripe's `object` value for this kind, e.g. `customer`, `checkout.session`. */
  objectType: string;
}

/** `objects[customers]` as an array, whichever encoding the client used (`[0]=` or `[]=`). */
function asList(value: FormValue, param: string): FormValue[] {
  if (Array.isArray(value)) return value;
  // An indexed encoding that the form parser kept as a hash (`{"0": "cus_…"}`) is still a list.
  if (typeof value === 'object' && Object.keys(value).every((k) => /^\d+$/.test(k))) {
    return Object.entries(value)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => v);
  }
  throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `Invalid array: ${param} must be a list of ids.`, param);
}

/**
 * Reads and checks the shape of `objects`: known keys, strings with the right prefix, at least one
 * and at most ten distinct identifiers. Whether each object exists is checked against the store
 * separately. Duplicates within a key are dropped: they name the same object.
 */
export function parseRootObjects(body: FormObject): RootRef[] {
  const objects = body.objects;
  if (objects === undefined || objects === '') {
    throw new ApiError(400, 'invalid_request_error', 'parameter_missing', 'Missing required param: objects.', 'objects');
  }
  if (typeof objects !== 'object' || Array.isArray(objects)) {
    throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'Invalid object: objects must be a hash of id lists.', 'objects');
  }
  const roots: RootRef[] = [];
  for (const [key, value] of Object.entries(objects)) {
    if (!(key in ROOT_KINDS)) {
      throw new ApiError(400, 'invalid_request_error', 'parameter_unknown', `Received unknown parameter: objects[${key}]`, `objects[${key}]`);
    }
    const kind = ROOT_KINDS[key as RootKey];
    const seen = new Set<string>();
    asList(value, `objects[${key}]`).forEach((id, index) => {
      const param = `objects[${key}][${index}]`;
      if (typeof id !== 'string' || id === '') {
        throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `Invalid id in ${param}: expected a string.`, param);
      }
      if (!kind.prefixes.some((prefix) => id.startsWith(prefix))) {
        throw new ApiError(
          400,
          'invalid_request_error',
          'parameter_invalid',
          `Invalid id in ${param}: '${id}' is not a ${kind.objectType} id (expected ${kind.prefixes.join(' or ')}…).`,
          param,
        );
      }
      if (seen.has(id)) return;
      seen.add(id);
      roots.push({ key: key as RootKey, index, id, objectType: kind.objectType });
    });
  }
  if (roots.length === 0) {
    throw new ApiError(400, 'invalid_request_error', 'parameter_missing', 'objects must name at least one object to redact.', 'objects');
  }
  if (roots.length > MAX_JOB_IDENTIFIERS) {
    throw new ApiError(
      400,
      'invalid_request_error',
      'parameter_invalid',
      `A redaction job accepts at most ${MAX_JOB_IDENTIFIERS} objects; this request names ${roots.length}.`,
      'objects',
    );
  }
  return roots;
}

/** The job's `objects` as Stripe returns it: every key but the create-only `issuing_cards`, `null` when empty. */
export function presentRootObjects(roots: readonly RootRef[]): Record<string, string[] | null> {
  const out: Record<string, string[] | null> = {};
  for (const key of ROOT_KEYS) {
    if (key === 'issuing_cards') continue;
    const ids = roots.filter((r) => r.key === key).map((r) => r.id);
    out[key] = ids.length > 0 ? ids : null;
  }
  return out;
}
