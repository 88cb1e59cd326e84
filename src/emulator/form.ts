import type { FormObject, FormValue } from './route.js';

/**
 * Thrown when a form body or query string cannot be turned into a `FormObject`
 * (e.g. `a=x&a[b]=y` makes `a` both a string and a hash). `param` names the offending key.
 */
export class FormParseError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'FormParseError';
  }
}

/**
 * Build-time tree: arrays are kept as index → node maps so that sparse indices (`a[5]=x`)
 * never allocate, and are compacted in index order when the tree is finished.
 */
type Node = { kind: 'leaf'; value: string } | { kind: 'hash'; entries: Map<string, Node> } | { kind: 'array'; items: Map<number, Node>; next: number };

/** Segments after which `[]` or a decimal index means "this container is an array". */
const INDEX = /^(?:0|[1-9]\d{0,5})$/;

/**
 * Parse Stripe's form encoding (`application/x-www-form-urlencoded` bodies and query strings).
 *
 * - `metadata[k]=v` → `{metadata: {k: 'v'}}`
 * - `objects[customers][0]=a` (the SDK) and `objects[customers][]=a` (Stripe's curl docs) → arrays
 * - `expand[]=objects` → `{expand: ['objects']}`
 * - a repeated scalar key keeps its last value.
 *
 * A container whose first key is `[]` or a decimal index becomes an array; later keys of that
 * container must be indices too. Throws `FormParseError` on conflicting shapes.
 */
export function parseForm(text: string): FormObject {
  const root: Node = { kind: 'hash', entries: new Map() };
  for (const [key, value] of new URLSearchParams(text)) {
    if (key === '') continue;
    insert(root, splitKey(key), value, key);
  }
  return finish(root) as FormObject;
}

/** `a[b][0]` → `['a', 'b', '0']`; `a[]` → `['a', '']`. Text after a malformed bracket stays in the name. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  const rest = key.slice(open);
  const pattern = /\[([^\]]*)\]/y;
  let position = 0;
  while (position < rest.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(rest);
    if (!match) {
      // Trailing garbage such as `a[b]c` or an unclosed `a[b`: refuse rather than guess.
      throw new FormParseError(key, `Invalid parameter name: '${key}'`);
    }
    segments.push(match[1] ?? '');
    position = pattern.lastIndex;
  }
  return segments;
}

function insert(root: Node, segments: string[], value: string, key: string): void {
  let node = root;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i] ?? '';
    const isLast = i === segments.length - 1;
    const next = segments[i + 1];
    const child = (): Node =>
      isLast ? { kind: 'leaf', value } : next === '' || INDEX.test(next ?? '') ? { kind: 'array', items: new Map(), next: 0 } : { kind: 'hash', entries: new Map() };

    if (node.kind === 'hash') {
      if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') {
        throw new FormParseError(key, `Invalid parameter name: '${key}'`);
      }
      const existing = node.entries.get(segment);
      if (isLast) {
        if (existing && existing.kind !== 'leaf') throw conflict(key);
        node.entries.set(segment, { kind: 'leaf', value });
        return;
      }
      node = existing ?? setAndReturn(node.entries, segment, child());
    } else if (node.kind === 'array') {
      let index: number;
      if (segment === '') {
        index = node.next;
      } else if (INDEX.test(segment)) {
        index = Number(segment);
      } else {
        throw conflict(key);
      }
      node.next = Math.max(node.next, index + 1);
      const existing = node.items.get(index);
      if (isLast) {
        if (existing && existing.kind !== 'leaf') throw conflict(key);
        node.items.set(index, { kind: 'leaf', value });
        return;
      }
      node = existing ?? setAndReturn(node.items, index, child());
    } else {
      throw conflict(key);
    }
    if (node.kind === 'leaf') throw conflict(key);
  }
}

function setAndReturn<K>(map: Map<K, Node>, key: K, node: Node): Node {
  map.set(key, node);
  return node;
}

function conflict(key: string): FormParseError {
  return new FormParseError(key, `Invalid parameter: '${key}' mixes a value, a hash and an array at the same name`);
}

function finish(node: Node): FormValue {
  switch (node.kind) {
    case 'leaf':
      return node.value;
    case 'array':
      return [...node.items.entries()].sort(([a], [b]) => a - b).map(([, item]) => finish(item));
    case 'hash': {
      const out: FormObject = {};
      for (const [k, v] of node.entries) out[k] = finish(v);
      return out;
    }
  }
}

/**
 * Turn parsed JSON (a seed entry) into the `FormObject` a handler would get over HTTP:
 * numbers and booleans become strings, `null` becomes `''` (Stripe's "unset"), `undefined` is dropped.
 */
export function toFormObject(json: Record<string, unknown>): FormObject {
  const out: FormObject = {};
  for (const [key, value] of Object.entries(json)) {
    const converted = toFormValue(value);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

function toFormValue(value: unknown): FormValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map((item) => toFormValue(item) ?? '');
  if (typeof value === 'object') return toFormObject(value as Record<string, unknown>);
  throw new TypeError(`Cannot form-encode a ${typeof value}`);
}
