import { ApiError, parameterInvalid } from '../api-error.js';
import type { FormObject, FormValue } from '../route.js';

/**
 * Readers for Stripe form parameters. The server hands every scalar over as a string, so numbers and
 * booleans are parsed here, and a wrong shape is a Stripe-style 400 naming the parameter.
 */

function scalar(form: FormObject, key: string): string | undefined {
  const value = form[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw parameterInvalid(key, `Invalid string: ${key} must be a string`, 'parameter_invalid');
  return value;
}

/** A string parameter, or `undefined` when absent. An empty string counts as absent, as in Stripe's unset idiom. */
export function optionalString(form: FormObject, key: string): string | undefined {
  const value = scalar(form, key);
  return value === '' ? undefined : value;
}

/** A required string parameter: 400 `parameter_missing` when absent. */
export function requiredString(form: FormObject, key: string): string {
  const value = optionalString(form, key);
  if (value === undefined) {
    throw new ApiError(400, 'invalid_request_error', 'parameter_missing', `Missing required param: ${key}.`, key);
  }
  return value;
}

/** A non-negative integer parameter (`amount`, `trial_period_days`…). */
export function optionalInteger(form: FormObject, key: string): number | undefined {
  const value = optionalString(form, key);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw parameterInvalid(key, `Invalid integer: ${value}`, 'parameter_invalid_integer');
  return Number(value);
}

/** `true`/`false` as Stripe accepts them. */
export function optionalBoolean(form: FormObject, key: string): boolean | undefined {
  const value = optionalString(form, key);
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw parameterInvalid(key, `Invalid boolean: ${value}`, 'parameter_invalid');
}

/** One of a fixed set of strings. */
export function optionalEnum<T extends string>(form: FormObject, key: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(form, key);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw parameterInvalid(key, `Invalid ${key}: must be one of ${allowed.join(', ')}`, 'parameter_invalid');
  }
  return value as T;
}

/** A nested hash (`shipping[address][city]=…`), kept as parsed; `null` when absent. */
export function optionalHash(form: FormObject, key: string): FormObject | null {
  const value = form[key];
  if (value === undefined || value === '') return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw parameterInvalid(key, `Invalid object: ${key} must be a hash`, 'parameter_invalid');
  }
  return value;
}

/** `metadata[key]=value` pairs; values must be strings. */
export function metadataParam(form: FormObject, previous: Record<string, string> = {}): Record<string, string> {
  const hash = optionalHash(form, 'metadata');
  if (hash === null) return { ...previous };
  const metadata = { ...previous };
  for (const [k, v] of Object.entries(hash)) {
    if (typeof v !== 'string') throw parameterInvalid(`metadata[${k}]`, 'Metadata values must be strings', 'parameter_invalid');
    // Stripe's idiom: an empty value removes the key.
    if (v === '') delete metadata[k];
    else metadata[k] = v;
  }
  return metadata;
}

/** `expand[]=a&expand[]=b` (or indexed) as a list of paths. */
export function expandParam(form: FormObject): string[] {
  const value: FormValue | undefined = form.expand;
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  const list = Array.isArray(value) ? value : Object.values(value);
  return list.filter((v): v is string => typeof v === 'string');
}
