/**
 * The customer indexes against the scan they replace: a fixed-seed random sequence of creates (API
 * and seed), email and name updates, deletes, redactions and clock moves across the search lag, and
 * after every step the same queries answered both ways.
 */
import { HELPFUL_VARIANTS } from '../../src/emulator/options.js';
import { describe, expect, it } from 'vitest';
import { toFormObject } from '../../src/emulator/form.js';
import { redactObjects } from '../../src/emulator/redaction/apply-redaction.js';
import { readObjectGraph } from '../../src/emulator/redaction/object-graph.js';
import { CUSTOMERS, type Customer } from '../../src/emulator/resources/customer-object.js';
import { indexedListByEmail, indexedSearchMatches, scanListByEmail, scanSearchMatches } from '../../src/emulator/resources/customer-lookup.js';
import { customerRoutes } from '../../src/emulator/resources/customers.js';
import type { EmulatorSettings, RequestContext, Route } from '../../src/emulator/route.js';
import { parseSearchQuery } from '../../src/emulator/search-query.js';
import { EmulatorStore } from '../../src/emulator/store.js';

/** mulberry32: a small PRNG, so a failure replays exactly. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const EMAILS = ['ann@example.com', 'Ann@Example.com', 'bob@example.com', 'carol@example.com', 'dan@example.com', "o'neil@example.com"];
const NAMES = ['Ann', 'Bob', 'Carol'];
const LAG_MS = 100;

function setup(seed: number) {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  let nowMs = 1_700_000_000_000;
  const store = new EmulatorStore(() => nowMs);
  const settings: EmulatorSettings = { validationMs: 0, redactionMs: 0, searchLagMs: LAG_MS, maxJobObjects: 1000, variants: HELPFUL_VARIANTS, settleMs: 0, youngDays: 0 };
  const route = (method: Route['method'], path: string): Route => customerRoutes.find((r) => r.method === method && r.path === path)!;
  const call = (method: Route['method'], path: string, options: { id?: string; body?: Record<string, unknown>; query?: Record<string, unknown>; livemode?: boolean; internal?: boolean }) =>
    route(method, path).handler({
      method,
      path,
      params: options.id === undefined ? {} : { id: options.id },
      query: toFormObject(options.query ?? {}),
      body: toFormObject(options.body ?? {}),
      livemode: options.livemode ?? false,
      internal: options.internal ?? false,
      store,
      settings,
    } satisfies RequestContext) as Record<string, unknown>;
  const live = (): Customer[] => store.collection<Customer>(CUSTOMERS).all().filter((c) => !c.deleted);
  return { rand, pick, store, settings, call, live, advance: (ms: number) => (nowMs += ms), now: () => nowMs };
}

/** Random variations of an email's case, as requests arrive from spreadsheets. */
function recase(email: string, rand: () => number): string {
  return [...email].map((ch) => (rand() < 0.3 ? ch.toUpperCase() : ch)).join('');
}

function quote(value: string): string {
  return `'${value.replace(/[\\']/g, (ch) => `\\${ch}`)}'`;
}

describe('customer indexes against the scan', () => {
  it('answer every email search and list filter the same, across 1,500 random writes', () => {
    const { rand, pick, store, settings, call, live, advance, now } = setup(20261129);
    let searchHits = 0;
    let listHits = 0;
    let laggedMisses = 0;
    for (let step = 0; step < 1500; step += 1) {
      const roll = rand();
      const customers = live();
      if (roll < 0.35 || customers.length === 0) {
        const email = rand() < 0.1 ? '' : pick(EMAILS);
        call('POST', '/v1/customers', { body: { email, name: pick(NAMES) }, livemode: rand() < 0.1, internal: rand() < 0.3 });
      } else if (roll < 0.55) {
        const customer = pick(customers);
        call('POST', '/v1/customers/:id', { id: customer.id, body: { email: rand() < 0.1 ? '' : pick(EMAILS) }, livemode: customer.livemode });
      } else if (roll < 0.62) {
        const customer = pick(customers);
        call('POST', '/v1/customers/:id', { id: customer.id, body: { name: pick(NAMES) }, livemode: customer.livemode });
      } else if (roll < 0.7) {
        const customer = pick(customers);
        call('DELETE', '/v1/customers/:id', { id: customer.id, livemode: customer.livemode });
      } else if (roll < 0.76) {
        const customer = pick(customers);
        redactObjects(store, settings, [[readObjectGraph(store, customer.livemode).get(customer.id)!]]);
      } else {
        advance(Math.floor(rand() * LAG_MS * 1.5));
      }

      for (const livemode of [false, true]) {
        const ctx = { store, livemode };
        const emails = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => recase(pick(EMAILS), rand));
        const queries = [
          emails.map((e) => `email:${quote(e)}`).join(' OR '),
          `email:${quote(emails[0]!)} AND name:${quote(pick(NAMES))}`,
          `name:${quote(pick(NAMES))} email:${quote(emails[0]!)}`,
        ];
        for (const text of queries) {
          const query = parseSearchQuery(text);
          const indexed = indexedSearchMatches(ctx, query, now());
          expect(indexed, text).toBeDefined();
          const scanned = scanSearchMatches(ctx, query, now()).map((c) => c.id);
          expect(indexed!.map((c) => c.id), `step ${step}: ${text}`).toEqual(scanned);
          searchHits += scanned.length;
        }
        for (const email of EMAILS) {
          const scanned = scanListByEmail(ctx, email).map((c) => c.id);
          expect(indexedListByEmail(ctx, email).map((c) => c.id), `step ${step}: list ${email}`).toEqual(scanned);
          listHits += scanned.length;
          // A customer the list sees but search does not yet: the lag is kept.
          const query = parseSearchQuery(`email:${quote(email)}`);
          const searched = new Set(indexedSearchMatches(ctx, query, now())!.map((c) => c.id));
          laggedMisses += scanned.filter((id) => !searched.has(id)).length;
        }
      }
    }
    // The sequence exercised real answers, not just empty ones, and the lag hid some customers.
    expect(searchHits).toBeGreaterThan(1000);
    expect(listHits).toBeGreaterThan(1000);
    expect(laggedMisses).toBeGreaterThan(0);
  });

  it('leave queries without a positive email clause to the scan', () => {
    const { store } = setup(1);
    const ctx = { store, livemode: false };
    for (const text of ["name:'Ann'", "-email:'a@example.com'", "email~'exa'", "email:'a@example.com' OR name:'Ann'"]) {
      expect(indexedSearchMatches(ctx, parseSearchQuery(text), 0), text).toBeUndefined();
    }
  });

  it('search through the route finds a customer by any case of its email, and not once deleted', () => {
    const { call } = setup(2);
    const created = call('POST', '/v1/customers', { body: { email: 'Mixed.Case@Example.com' }, internal: true });
    const search = (email: string) => (call('GET', '/v1/customers/search', { query: { query: `email:'${email}'` } }).data as Customer[]).map((c) => c.id);
    expect(search('mixed.case@example.com')).toEqual([created.id]);
    call('DELETE', '/v1/customers/:id', { id: created.id as string });
    expect(search('mixed.case@example.com')).toEqual([]);
  });
});
