import { readFile } from 'node:fs/promises';
import { ApiError } from './api-error.js';
import type { Route } from './route.js';

/**
 * A seed file: customers with their object graphs, guest Checkout Sessions (no customer), then raw
 * requests.
 *
 * ```json
 * { "customers": [ { "id": "cus_sample_alice", "email": "alice@example.com", "name": "Alice",
 *                    "payment_methods": [ { "id": "pm_alice", "card": { "token": "tok_visa" } } ],
 *                    "payment_intents": [ { "amount": 1000, "currency": "eur", "payment_method": "pm_alice",
 *                                           "_then": ["confirm"] } ],
 *                    "deleted": false } ],
 *   "checkout_sessions": [ { "id": "cs_test_guest", "status": "complete", "payment_status": "paid",
 *                            "customer_details": { "email": "guest@example.com", "name": "Guest" } } ],
 *   "requests": [ { "method": "POST", "path": "/v1/customers", "body": { "email": "x@example.com" } } ] }
 * ```
 *
 * Any customer or entry may be dated: `created` (unix seconds) or `createdDaysAgo` (days before the
 * emulator's clock at start, e.g. `3` or `400`). A confirmed PaymentIntent's charge takes the
 * PaymentIntent's `created`. Undated objects are created "now".
 */
export interface SeedDocument {
  customers?: SeedCustomer[];
  /**
   * Guest Checkout Sessions: create bodies of sessions with no customer. A seed may set what a
   * finished checkout leaves — `status`, `payment_status`, `customer_details` — and `_then` actions.
   */
  checkout_sessions?: SeedEntry[];
  requests?: SeedRequest[];
  /** Webhook endpoints: create bodies (`url`, `enabled_events`, optional `id`, `disabled`, `description`). */
  webhook_endpoints?: SeedEntry[];
}

/** A customer create body (`id` fixes its id) plus its graph; `deleted: true` deletes it once the graph is built. */
export interface SeedCustomer {
  id?: string;
  deleted?: boolean;
  /** Unix seconds. @default now */
  created?: number;
  /** Days before the emulator's clock at start; instead of `created`. */
  createdDaysAgo?: number;
  payment_methods?: SeedEntry[];
  setup_intents?: SeedEntry[];
  payment_intents?: SeedEntry[];
  subscriptions?: SeedEntry[];
  invoices?: SeedEntry[];
  checkout_sessions?: SeedEntry[];
  [field: string]: unknown;
}

/**
 * A create body for a nested collection; `customer` is set by the seed. `id` fixes the id; `_then`
 * lists actions POSTed afterwards to `/v1/<collection>/<id>/<action>`, as names or `{action, body}`.
 */
export interface SeedEntry {
  id?: string;
  /** Unix seconds. @default now */
  created?: number;
  /** Days before the emulator's clock at start; instead of `created`. */
  createdDaysAgo?: number;
  _then?: (string | { action: string; body?: Record<string, unknown> })[];
  [field: string]: unknown;
}

/** A request made through `dispatch`, after the customers. */
export interface SeedRequest {
  method: Route['method'];
  path: string;
  body?: Record<string, unknown>;
}

/** In-process calls into the route table (no HTTP, auth or rate limit); throws `ApiError`. */
export type SeedDispatch = (method: Route['method'], path: string, body?: Record<string, unknown>) => Promise<unknown>;

/** A seed that cannot be read, has the wrong shape, or whose requests failed; the message names the entry. */
export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

/** How many objects a seed made. */
export interface SeedSummary {
  customers: number;
  /** Nested graph objects created (not counting `_then` actions). */
  objects: number;
  requests: number;
  /** Webhook endpoints created. @default 0 */
  webhookEndpoints?: number;
}

/** Nested collections in creation order (payment methods first: intents may name them), with their API paths. */
const NESTED = [
  ['payment_methods', '/v1/payment_methods'],
  ['setup_intents', '/v1/setup_intents'],
  ['payment_intents', '/v1/payment_intents'],
  ['subscriptions', '/v1/subscriptions'],
  ['invoices', '/v1/invoices'],
  ['checkout_sessions', '/v1/checkout/sessions'],
] as const;

const METHODS = new Set(['GET', 'POST', 'DELETE']);

/** Read and check a seed: a path to a JSON file, or an already parsed document. */
export async function loadSeed(source: string | SeedDocument): Promise<SeedDocument> {
  let document: unknown = source;
  if (typeof source === 'string') {
    let text: string;
    try {
      text = await readFile(source, 'utf8');
    } catch (error) {
      throw new SeedError(`Cannot read seed file ${source}: ${(error as Error).message}`);
    }
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new SeedError(`Seed file ${source} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const problems = seedProblems(document);
  if (problems.length > 0) throw new SeedError(`Invalid seed:\n  ${problems.join('\n  ')}`);
  return document as SeedDocument;
}

/** Every shape problem of a seed document, each naming where it is; empty when the seed is usable. */
export function seedProblems(document: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(document)) return ['the seed must be a JSON object with `customers`, `checkout_sessions`, `webhook_endpoints` and/or `requests`'];
  for (const key of Object.keys(document)) {
    if (key !== 'customers' && key !== 'checkout_sessions' && key !== 'requests' && key !== 'webhook_endpoints') {
      problems.push(`unknown top-level key \`${key}\` (expected customers, checkout_sessions, requests, webhook_endpoints)`);
    }
  }
  const customers = document.customers;
  if (customers !== undefined && !Array.isArray(customers)) problems.push('`customers` must be an array');
  for (const [i, customer] of (Array.isArray(customers) ? customers : []).entries()) {
    const where = `customers[${i}]`;
    if (!isRecord(customer)) {
      problems.push(`${where} must be an object`);
      continue;
    }
    if (customer.id !== undefined && typeof customer.id !== 'string') problems.push(`${where}.id must be a string`);
    if (customer.deleted !== undefined && typeof customer.deleted !== 'boolean') problems.push(`${where}.deleted must be true or false`);
    problems.push(...dateProblems(customer, where));
    for (const [collection] of NESTED) {
      const entries = customer[collection];
      if (entries === undefined) continue;
      if (!Array.isArray(entries)) {
        problems.push(`${where}.${collection} must be an array`);
        continue;
      }
      for (const [j, entry] of entries.entries()) {
        if (!isRecord(entry)) problems.push(`${where}.${collection}[${j}] must be an object`);
        else problems.push(...thenProblems(entry._then, `${where}.${collection}[${j}]._then`), ...dateProblems(entry, `${where}.${collection}[${j}]`));
      }
    }
  }
  const guests = document.checkout_sessions;
  if (guests !== undefined && !Array.isArray(guests)) problems.push('`checkout_sessions` must be an array');
  for (const [i, entry] of (Array.isArray(guests) ? guests : []).entries()) {
    const where = `checkout_sessions[${i}]`;
    if (!isRecord(entry)) problems.push(`${where} must be an object`);
    else {
      if (entry.customer !== undefined) problems.push(`${where}.customer: a guest session has no customer (put it under the customer instead)`);
      problems.push(...thenProblems(entry._then, `${where}._then`), ...dateProblems(entry, where));
    }
  }
  const endpoints = document.webhook_endpoints;
  if (endpoints !== undefined && !Array.isArray(endpoints)) problems.push('`webhook_endpoints` must be an array');
  for (const [i, entry] of (Array.isArray(endpoints) ? endpoints : []).entries()) {
    const where = `webhook_endpoints[${i}]`;
    if (!isRecord(entry)) problems.push(`${where} must be an object`);
    else {
      if (typeof entry.url !== 'string') problems.push(`${where}.url must be a URL`);
      if (!Array.isArray(entry.enabled_events) || entry.enabled_events.length === 0 || !entry.enabled_events.every((t) => typeof t === 'string')) {
        problems.push(`${where}.enabled_events must be a non-empty array of event types (or ["*"])`);
      }
    }
  }
  const requests = document.requests;
  if (requests !== undefined && !Array.isArray(requests)) problems.push('`requests` must be an array');
  for (const [i, request] of (Array.isArray(requests) ? requests : []).entries()) {
    const where = `requests[${i}]`;
    if (!isRecord(request)) {
      problems.push(`${where} must be an object`);
      continue;
    }
    if (typeof request.method !== 'string' || !METHODS.has(request.method)) problems.push(`${where}.method must be GET, POST or DELETE`);
    if (typeof request.path !== 'string' || !request.path.startsWith('/')) problems.push(`${where}.path must be a path starting with /`);
    if (request.body !== undefined && !isRecord(request.body)) problems.push(`${where}.body must be an object`);
  }
  return problems;
}

/** `created` (unix seconds) and `createdDaysAgo` (days, may be fractional), never both. */
function dateProblems(entry: Record<string, unknown>, where: string): string[] {
  const problems: string[] = [];
  const { created, createdDaysAgo } = entry;
  if (created !== undefined && (typeof created !== 'number' || !Number.isSafeInteger(created) || created < 0)) {
    problems.push(`${where}.created must be a time in unix seconds (a whole number), got ${JSON.stringify(created)}`);
  }
  if (createdDaysAgo !== undefined && (typeof createdDaysAgo !== 'number' || !Number.isFinite(createdDaysAgo) || createdDaysAgo < 0 || createdDaysAgo > 36_500)) {
    problems.push(`${where}.createdDaysAgo must be a number of days from 0 to 36500, got ${JSON.stringify(createdDaysAgo)}`);
  }
  if (created !== undefined && createdDaysAgo !== undefined) problems.push(`${where}: give created or createdDaysAgo, not both`);
  return problems;
}

/** `createdDaysAgo` turned into `created` (unix seconds) against the emulator's clock. */
function dated(fields: Record<string, unknown>, nowSeconds: () => number): Record<string, unknown> {
  const { createdDaysAgo, ...rest } = fields;
  return typeof createdDaysAgo === 'number' ? { ...rest, created: nowSeconds() - Math.round(createdDaysAgo * 86_400) } : rest;
}

function thenProblems(then: unknown, where: string): string[] {
  if (then === undefined) return [];
  if (!Array.isArray(then)) return [`${where} must be an array of action names`];
  return then.flatMap((step, k) => {
    if (typeof step === 'string' && /^[a-z_]+$/.test(step)) return [];
    if (isRecord(step) && typeof step.action === 'string' && /^[a-z_]+$/.test(step.action) && (step.body === undefined || isRecord(step.body))) return [];
    return [`${where}[${k}] must be an action name such as "confirm" or {"action", "body"}`];
  });
}

/**
 * Create what the seed describes, through `dispatch` so every object passes the same handlers as an
 * API call. Stops at the first failing call with a `SeedError` naming the customer index and entry.
 */
export async function applySeed(seed: SeedDocument, dispatch: SeedDispatch, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)): Promise<SeedSummary> {
  const summary: SeedSummary = { customers: 0, objects: 0, requests: 0 };
  for (const [i, customer] of (seed.customers ?? []).entries()) {
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(customer)) {
      if (key !== 'deleted' && !NESTED.some(([collection]) => collection === key)) body[key] = value;
    }
    const where = `customers[${i}]${customer.id === undefined ? '' : ` (${customer.id})`}`;
    const created = await step(where, () => dispatch('POST', '/v1/customers', dated(body, nowSeconds)));
    const customerId = idOf(created, where);
    summary.customers += 1;

    for (const [collection, path] of NESTED) {
      for (const [j, entry] of (customer[collection] ?? []).entries()) {
        await createNested(dispatch, `${where}.${collection}[${j}]`, collection, path, dated(entry, nowSeconds), customerId);
        summary.objects += 1;
      }
    }
    if (customer.deleted === true) await step(`${where}.deleted`, () => dispatch('DELETE', `/v1/customers/${customerId}`));
  }
  for (const [i, entry] of (seed.checkout_sessions ?? []).entries()) {
    await createNested(dispatch, `checkout_sessions[${i}]`, 'checkout_sessions', '/v1/checkout/sessions', dated(entry, nowSeconds), null);
    summary.objects += 1;
  }
  for (const [i, entry] of (seed.webhook_endpoints ?? []).entries()) {
    await step(`webhook_endpoints[${i}]${typeof entry.id === 'string' ? ` (${entry.id})` : ''}`, () => dispatch('POST', '/v1/webhook_endpoints', entry));
    summary.webhookEndpoints = (summary.webhookEndpoints ?? 0) + 1;
  }
  for (const [i, request] of (seed.requests ?? []).entries()) {
    await step(`requests[${i}] ${request.method} ${request.path}`, () => dispatch(request.method, request.path, request.body ?? {}));
    summary.requests += 1;
  }
  return summary;
}

async function createNested(
  dispatch: SeedDispatch,
  where: string,
  collection: (typeof NESTED)[number][0],
  path: string,
  entry: SeedEntry,
  /** `null` for a guest's object. */
  customerId: string | null,
): Promise<void> {
  const { _then: then = [], ...fields } = entry;
  let id: string;
  if (collection === 'payment_methods') {
    // A PaymentMethod is created on its own and then attached, as through the API.
    const created = await step(where, () => dispatch('POST', path, { type: 'card', ...fields }));
    id = idOf(created, where);
    await step(`${where} attach`, () => dispatch('POST', `${path}/${id}/attach`, { customer: customerId }));
  } else {
    const created = await step(where, () => dispatch('POST', path, customerId === null ? fields : { ...fields, customer: customerId }));
    id = idOf(created, where);
  }
  for (const action of then) {
    const name = typeof action === 'string' ? action : action.action;
    const body = typeof action === 'string' ? {} : (action.body ?? {});
    await step(`${where} ${name}`, () => dispatch('POST', `${path}/${id}/${name}`, body));
  }
}

async function step(where: string, call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) {
      const code = error.code === undefined ? '' : ` (${error.code}${error.param === undefined ? '' : `, param ${error.param}`})`;
      throw new SeedError(`Seed ${where}: ${error.message}${code}`);
    }
    throw error;
  }
}

function idOf(created: unknown, where: string): string {
  if (isRecord(created) && typeof created.id === 'string') return created.id;
  throw new SeedError(`Seed ${where}: the create call returned no id`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
