/**
 * A synthetic, deterministic workload for the benchmark: an emulator seed and a requests CSV whose
 * every row has a known expected outcome.
 */
import type { SeedCustomer, SeedDocument, SeedEntry } from '../src/emulator/index.js';

/** A guest Checkout Session of the seed: no customer, only `customer_details.email`. */
type SeedGuestSession = NonNullable<SeedDocument['checkout_sessions']>[number];

/** What a row is, and so what the report must say about it. */
export type RowKind =
  | 'email_found' // one customer carries the email
  | 'email_shared' // two customers carry the email
  | 'email_missing' // no customer carries the email
  | 'email_guest' // no customer carries the email, but a guest Checkout Session does
  | 'customer_id' // a customer named by id
  | 'unknown_id' // a well-formed customer id that Stripe does not hold
  | 'invalid' // no usable identifier
  | 'duplicate'; // repeats an earlier row (sometimes in another case or with spaces)

export interface ExpectedRow {
  kind: RowKind;
  /** The identifier cell as written to the CSV. */
  value: string;
  status: 'redacted' | 'not_found' | 'invalid';
  /** The customers the row must resolve to (sorted). */
  customerIds: string[];
  /** The guest Checkout Sessions it must resolve to instead, when no customer carries the email (sorted). */
  sessionIds?: string[];
}

export interface WorkloadOptions {
  /** Data rows of the CSV. @default 3000 */
  rows: number;
  /** PRNG seed: the same seed gives the same workload. @default 42 */
  seed: number;
}

/** Shares of the rows, by kind (duplicates are drawn from earlier rows). */
export const ROW_MIX = {
  invalid: 0.04,
  duplicate: 0.1,
  // The remaining rows are distinct identifiers, split as:
  email_found: 0.58,
  email_shared: 0.08,
  email_missing: 0.12,
  email_guest: 0.02,
  customer_id: 0.19,
  unknown_id: 0.01,
} as const;

/** Share of the requested customers that carry a blocker `--validation-behavior fix` clears. */
export const BLOCKER_SHARE = 0.06;
/** Customers in the account that no row asks about, per row: search must pass over them. */
export const BACKGROUND_PER_ROW = 0.2;

export interface Workload {
  seed: SeedDocument;
  /** The CSV text, header `request_id,email`. */
  csv: string;
  rows: ExpectedRow[];
  /** Facts the minimum-call formula needs. */
  facts: WorkloadFacts;
}

export interface WorkloadFacts {
  rows: number;
  /** Distinct emails (lower-cased) among valid rows: what search must be asked about. */
  distinctEmails: number;
  /**
   * Distinct emails no customer carries (guest ones included): `--lookup auto` confirms each with one
   * customers list call, then looks for guest Checkout Sessions with one sessions list call.
   */
  missingEmails: number;
  /** Of those, the emails only guest Checkout Sessions carry. */
  guestEmails: number;
  /** Guest Checkout Sessions the run must redact. */
  sessionsToRedact: number;
  /** Distinct customers the run must redact. */
  customersToRedact: number;
  /** Of those, how many carry a blocker that the fix clears. */
  customersWithBlockers: number;
  /** Distinct customer ids that Stripe does not hold. */
  unknownIds: number;
  /** Customers in the seed (requested or not). */
  seededCustomers: number;
  byKind: Record<RowKind, number>;
}

/** mulberry32: small, fast, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['ada', 'grace', 'alan', 'kat', 'edsger', 'barbara', 'margaret', 'dennis', 'ken', 'frances', 'linus', 'radia', 'donald', 'hedy', 'tim'];
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'corp.example.io'];
const INVALID_VALUES = ['', 'n/a', 'unknown', 'foo@', '@example.com', '*@example.com', 'sub_1Nabc', 'acct_123', 'not an email', 'a b@example.com'];

/** The three blockers `--validation-behavior fix` clears, as seed entries. */
function blocker(n: number, customerId: string): Pick<SeedCustomer, 'payment_intents' | 'subscriptions' | 'invoices'> {
  switch (n % 3) {
    case 0: // an unconfirmed PaymentIntent → the fix cancels it
      return { payment_intents: [{ id: `pi_bench_open_${customerId.slice(4)}`, amount: 1500, currency: 'usd' }] };
    case 1: // an active subscription → the fix cancels it
      return { subscriptions: [{ items: [{ price_data: { currency: 'eur', unit_amount: 900, recurring: { interval: 'month' }, product_data: { name: 'Bench plan' } } }] } satisfies SeedEntry] };
    default: // an open invoice → the fix voids it
      return { invoices: [{ description: 'Bench invoice', _then: ['finalize'] }] };
  }
}

/** Builds the workload; the same options always give the same seed, CSV and expectations. */
export function generateWorkload(options: Partial<WorkloadOptions> = {}): Workload {
  const rowCount = options.rows ?? 3000;
  if (!Number.isInteger(rowCount) || rowCount < 10) throw new RangeError(`Expected \`rows\` to be an integer from 10 and up, got \`${String(rowCount)}\``);
  const random = prng(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  const customers: SeedCustomer[] = [];
  const guestSessions: SeedGuestSession[] = [];
  let customerSeq = 0;
  let emailSeq = 0;
  const newEmail = (): string => `${pick(FIRST)}.${(emailSeq++).toString(36)}@${pick(DOMAINS)}`;
  const newCustomer = (email: string): SeedCustomer => {
    const id = `cus_bench${String(customerSeq++).padStart(7, '0')}`;
    const customer: SeedCustomer = { id, email, name: `Bench ${id.slice(9)}` };
    // Some history, so cascades are not empty: a paid PaymentIntent on one customer in ten.
    if (random() < 0.1) customer.payment_intents = [{ amount: 2500, currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' }];
    customers.push(customer);
    return customer;
  };

  const invalidRows = Math.round(rowCount * ROW_MIX.invalid);
  const duplicateRows = Math.round(rowCount * ROW_MIX.duplicate);
  const distinctRows = rowCount - invalidRows - duplicateRows;
  const distinctKinds: [RowKind, number][] = (['email_shared', 'email_missing', 'email_guest', 'customer_id', 'unknown_id'] as const).map((kind) => [kind, Math.round(distinctRows * ROW_MIX[kind])]);
  const assigned = distinctKinds.reduce((sum, [, n]) => sum + n, 0);
  distinctKinds.unshift(['email_found', distinctRows - assigned]);

  // Distinct rows first (shuffled), then invalid and duplicate rows spliced in at random places.
  const distinct: ExpectedRow[] = [];
  const requested: SeedCustomer[] = [];
  for (const [kind, n] of distinctKinds) {
    for (let i = 0; i < n; i++) {
      switch (kind) {
        case 'email_found': {
          const email = newEmail();
          const c = newCustomer(email);
          requested.push(c);
          // One row in ten is written in another case than Stripe holds it: search matches anyway.
          const value = random() < 0.1 ? email.toUpperCase() : email;
          distinct.push({ kind, value, status: 'redacted', customerIds: [c.id as string] });
          break;
        }
        case 'email_shared': {
          const email = newEmail();
          const a = newCustomer(email);
          const b = newCustomer(email);
          requested.push(a, b);
          distinct.push({ kind, value: email, status: 'redacted', customerIds: [a.id as string, b.id as string].sort() });
          break;
        }
        case 'email_missing':
          distinct.push({ kind, value: `nobody.${(emailSeq++).toString(36)}@${pick(DOMAINS)}`, status: 'not_found', customerIds: [] });
          break;
        case 'email_guest': {
          // A guest who paid once or twice without an account: sessions, no customer.
          const email = `guest.${(emailSeq++).toString(36)}@${pick(DOMAINS)}`;
          const sessionIds = Array.from({ length: random() < 0.3 ? 2 : 1 }, (_, k) => `cs_test_bench${String(guestSessions.length + k).padStart(6, '0')}`);
          for (const id of sessionIds) guestSessions.push({ id, mode: 'payment', status: 'complete', payment_status: 'paid', customer_details: { email, name: 'Bench Guest' } });
          distinct.push({ kind, value: email, status: 'redacted', customerIds: [], sessionIds });
          break;
        }
        case 'customer_id': {
          // A customer whose email no row names: only its id is asked for.
          const c = newCustomer(newEmail());
          requested.push(c);
          distinct.push({ kind, value: c.id as string, status: 'redacted', customerIds: [c.id as string] });
          break;
        }
        case 'unknown_id':
          distinct.push({ kind, value: `cus_benchmissing${String(i).padStart(5, '0')}`, status: 'not_found', customerIds: [] });
          break;
        default:
          throw new Error(`unexpected kind ${kind}`);
      }
    }
  }
  shuffle(distinct, random);

  // Blockers on a share of the requested customers, spread at random.
  let blockers = 0;
  for (const c of requested) {
    if (random() >= BLOCKER_SHARE) continue;
    Object.assign(c, blocker(blockers++, c.id as string));
  }
  // Customers nobody asks about.
  const background = Math.round(rowCount * BACKGROUND_PER_ROW);
  for (let i = 0; i < background; i++) newCustomer(newEmail());

  const rows: ExpectedRow[] = [...distinct];
  for (let i = 0; i < invalidRows; i++) {
    rows.splice(Math.floor(random() * (rows.length + 1)), 0, { kind: 'invalid', value: INVALID_VALUES[i % INVALID_VALUES.length] as string, status: 'invalid', customerIds: [] });
  }
  for (let i = 0; i < duplicateRows; i++) {
    // Repeat a valid row that comes earlier than where the duplicate lands.
    const at = 1 + Math.floor(random() * rows.length);
    let source: ExpectedRow | undefined;
    for (let tries = 0; tries < 20 && (source === undefined || source.kind === 'invalid'); tries++) source = rows[Math.floor(random() * at)];
    if (source === undefined || source.kind === 'invalid') {
      i -= 1;
      continue;
    }
    const variant = random();
    const value = source.value.includes('@') && variant < 0.3 ? source.value.toUpperCase() : variant < 0.5 ? ` ${source.value} ` : source.value;
    rows.splice(at, 0, { kind: 'duplicate', value, status: source.status, customerIds: source.customerIds, ...(source.sessionIds ? { sessionIds: source.sessionIds } : {}) });
  }

  const csvLines = ['request_id,email'];
  for (const [i, row] of rows.entries()) csvLines.push(`DSR-${String(i + 1).padStart(7, '0')},${csvCell(row.value)}`);

  const emails = new Set<string>();
  const missing = new Set<string>();
  const guests = new Set<string>();
  const sessions = new Set<string>();
  const toRedact = new Set<string>();
  const unknown = new Set<string>();
  const byKind = { email_found: 0, email_shared: 0, email_missing: 0, email_guest: 0, customer_id: 0, unknown_id: 0, invalid: 0, duplicate: 0 } satisfies Record<RowKind, number>;
  for (const row of rows) {
    byKind[row.kind] += 1;
    if (row.kind === 'invalid') continue;
    const value = row.value.trim();
    if (value.includes('@')) {
      emails.add(value.toLowerCase());
      if (row.customerIds.length === 0) missing.add(value.toLowerCase());
      if (row.sessionIds) guests.add(value.toLowerCase());
    } else if (row.customerIds.length === 0) unknown.add(value);
    for (const id of row.customerIds) toRedact.add(id);
    for (const id of row.sessionIds ?? []) sessions.add(id);
  }
  const withBlockers = customers.filter((c) => toRedact.has(c.id as string) && (c.subscriptions || c.invoices || c.payment_intents?.some((pi) => pi.confirm === undefined))).length;

  return {
    seed: { customers, checkout_sessions: guestSessions },
    csv: `${csvLines.join('\n')}\n`,
    rows,
    facts: {
      rows: rows.length,
      distinctEmails: emails.size,
      missingEmails: missing.size,
      guestEmails: guests.size,
      sessionsToRedact: sessions.size,
      customersToRedact: toRedact.size,
      customersWithBlockers: withBlockers,
      unknownIds: unknown.size,
      seededCustomers: customers.length,
      byKind,
    },
  };
}

/**
 * A CSV of `rows` rows for the streaming check: every other row repeats one of a few `emails`
 * (each resolved and redacted once, then found in the state for every repeat), the rest are
 * invalid — so the run reads, classifies, looks up and reports a million rows while sending only
 * a handful of requests.
 */
export function* streamCheckLines(rows: number, emails: readonly string[]): Generator<string> {
  yield 'request_id,email\n';
  for (let i = 0; i < rows; i++) {
    const value = i % 2 === 0 && emails.length > 0 ? (emails[(i / 2) % emails.length] as string) : (INVALID_VALUES[Math.floor(i / 2) % INVALID_VALUES.length] as string);
    yield `DSR-${String(i + 1).padStart(7, '0')},${csvCell(value)}\n`;
  }
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
