import { GatewayError } from '../errors.js';
import type { Classified } from '../domain/identifier.js';
import { MAX_SEARCH_CLAUSES } from '../domain/email-search-query.js';
import { chunk } from '../domain/pack.js';
import type { CustomerLookup, Reason } from '../domain/reason.js';
import type { RunMode } from '../domain/row-status.js';
import type { IdentifierLedger } from '../state/state-store.js';
import type { Logger } from '../io/logger.js';
import type { CustomerMatch, StripeGateway } from '../stripe/gateway.js';
import { settleByPresence, type PresenceContext } from './settle-by-presence.js';

/**
 * How emails become customers:
 * - `search`: customer search, 10 emails a query — fast, but lags behind writes by up to a minute
 *   (an hour in incidents) and is unavailable in some regions;
 * - `list`: the exact list filter, one email a call — strongly consistent, but case-sensitive;
 * - `auto`: search, and every email search did not find is confirmed with the list filter before
 *   it is called `not_found`; if search is unavailable, the list filter for the rest of the run.
 */
export type LookupMode = 'search' | 'list' | 'auto';

export interface PendingLookup {
  key: string;
  classified: Exclude<Classified, { kind: 'invalid' }>;
}

export interface ResolveContext {
  gateway: StripeGateway;
  store: IdentifierLedger & PresenceContext['store'];
  logger: Logger;
  lookup: LookupMode;
  /**
   * Whether an email that no customer carries, as a strongly consistent lookup confirmed, is looked
   * up as guest Checkout Sessions (`customer_details.email`): a guest checkout holds personal data
   * with no Customer object. Off with `--no-guests`.
   */
  guests: boolean;
  mode: RunMode;
  /** Turned off for the rest of the run when the account cannot search (auto mode). */
  searchUsable: { value: boolean };
  /** Told each time `count` identifiers of the batch have their answer (progress on a TTY). */
  onLookedUp?: (count: number) => void;
}

/** Resolves a batch of identifiers and records what each resolved to before anything acts on it. */
export async function resolveIdentifiers(batch: readonly PendingLookup[], ctx: ResolveContext): Promise<void> {
  const emails = batch.filter((p): p is PendingLookup & { classified: { kind: 'email' } } => p.classified.kind === 'email');
  const objects = batch.filter((p) => p.classified.kind === 'object');
  await Promise.all([resolveEmails(emails, ctx), ...objects.map((p) => resolveObjectId(p, ctx).then(() => ctx.onLookedUp?.(1)))]);
}

async function resolveObjectId(pending: PendingLookup, ctx: ResolveContext): Promise<void> {
  if (pending.classified.kind !== 'object') return;
  const { id, type } = pending.classified;
  ctx.store.recordResolution(pending.key, [{ id, type }]);
  // Writing runs learn a missing id from the job create (one call fewer per id); a plan run, which
  // creates nothing, asks Stripe directly so that its preview says what a redact run would find.
  if (ctx.mode !== 'plan') return;
  if (ctx.store.objectStatus(id) === 'queued') await settleByPresence(id, type, ctx);
}

/** How an email's customers were found: the report says so, and only the list filter is strongly consistent. */
type LookupMethod = CustomerLookup;

type EmailLookup = PendingLookup & { classified: { kind: 'email'; email: string; raw: string } };

async function resolveEmails(pending: EmailLookup[], ctx: ResolveContext): Promise<void> {
  if (pending.length === 0) return;
  const found = new Map<string, CustomerMatch[]>();
  const how = new Map<string, LookupMethod>();
  let toList: EmailLookup[] = pending;
  if (ctx.lookup !== 'list' && ctx.searchUsable.value) {
    toList = [];
    await Promise.all(
      chunk(pending, MAX_SEARCH_CLAUSES).map(async (group) => {
        let matches: CustomerMatch[];
        try {
          matches = await ctx.gateway.searchCustomersByEmail(group.map((p) => p.classified.email));
        } catch (error) {
          if (ctx.lookup === 'auto' && isSearchUnavailable(error)) {
            if (ctx.searchUsable.value) ctx.logger.warn('customer search is unavailable; using the list filter for the rest of the run', { error: (error as Error).message });
            ctx.searchUsable.value = false;
            toList.push(...group);
            return;
          }
          throw error;
        }
        const listedBefore = toList.length;
        for (const p of group) {
          // Search matches `email:` case-insensitively; keep only exact matches of the address.
          const mine = matches.filter((m) => m.email?.toLowerCase() === p.classified.email);
          if (mine.length > 0 || ctx.lookup === 'search') {
            found.set(p.key, mine);
            how.set(p.key, 'search');
          } else {
            toList.push(p);
          }
        }
        ctx.onLookedUp?.(group.length - (toList.length - listedBefore));
      }),
    );
  }
  await Promise.all(
    toList.map(async (p) => {
      // The list filter is case-sensitive: try the address as given and lower-cased.
      const variants = [...new Set([p.classified.raw.trim(), p.classified.email])];
      const matches = new Map<string, CustomerMatch>();
      for (const variant of variants) for (const m of await ctx.gateway.listCustomersByEmail(variant)) matches.set(m.id, m);
      found.set(p.key, [...matches.values()]);
      how.set(p.key, ctx.lookup === 'list' || !ctx.searchUsable.value ? 'list' : 'search_confirmed_by_list');
      ctx.onLookedUp?.(1);
    }),
  );
  // Only the list filter is strongly consistent: a search miss may be lag (the customer may exist),
  // so guests are looked for only once a miss is confirmed — never instead of a customer.
  const confirmedMisses = pending.filter((p) => (found.get(p.key) ?? []).length === 0 && how.get(p.key) !== 'search');
  const guestSessions = new Map<string, string[]>();
  if (ctx.guests) await Promise.all(confirmedMisses.map(async (p) => guestSessions.set(p.key, await listGuestSessions(p, ctx))));
  for (const p of pending) {
    const customers = found.get(p.key) ?? [];
    const method = how.get(p.key) ?? 'search';
    const sessions = guestSessions.get(p.key) ?? [];
    if (sessions.length > 0) {
      ctx.store.recordResolution(p.key, sessions.map((id) => ({ id, type: 'checkout_session' })), [{ code: 'guest_sessions_found', count: sessions.length }]);
      continue;
    }
    const reasons = lookupReasons(customers.length, method);
    if (guestSessions.has(p.key)) reasons.push({ code: 'no_guest_session' });
    ctx.store.recordResolution(p.key, customers.map((c) => ({ id: c.id, type: 'customer' })), reasons, {
      absenceConfirmed: method !== 'search',
      guestsChecked: guestSessions.has(p.key),
    });
  }
}

/** Checkout Sessions whose `customer_details.email` is the address; the filter is case-sensitive, like the customers' one. */
async function listGuestSessions(p: EmailLookup, ctx: ResolveContext): Promise<string[]> {
  const ids = new Set<string>();
  for (const variant of new Set([p.classified.raw.trim(), p.classified.email])) {
    for (const id of await ctx.gateway.listCheckoutSessionsByEmail(variant)) ids.add(id);
  }
  return [...ids].sort();
}

function lookupReasons(count: number, how: LookupMethod): Reason[] {
  if (count === 0) return [{ code: 'no_customer', lookup: how }];
  const reasons: Reason[] = [];
  if (count > 1) reasons.push({ code: 'several_customers', count });
  if (how === 'search_confirmed_by_list') reasons.push({ code: 'found_despite_search_lag' });
  return reasons;
}

/** Search refused for the account (region, permission), as opposed to a passing failure. */
function isSearchUnavailable(error: unknown): boolean {
  return error instanceof GatewayError && (error.kind === 'invalid_request' || error.kind === 'permission' || error.kind === 'not_found');
}
