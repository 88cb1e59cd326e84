import { CUSTOMERS, type Customer } from '../resources/customer-object.js';
import { OPEN_DISPUTE_STATUSES } from '../resources/charges.js';
import {
  CHARGES,
  CHECKOUT_SESSIONS,
  DISPUTES,
  INVOICES,
  PAYMENT_INTENTS,
  PAYMENT_METHODS,
  SETUP_INTENTS,
  SUBSCRIPTIONS,
  type Charge,
  type CheckoutSession,
  type Dispute,
  type Invoice,
  type PaymentIntent,
  type PaymentMethod,
  type SetupIntent,
  type Subscription,
} from '../resources/graph-objects.js';
import type { EmulatorStore, StoredObject } from '../store.js';

/**
 * A read-only snapshot of the account's objects as redaction sees them: each object's type and
 * status, and the objects a redaction of it cascades to. The validation rules run on this snapshot,
 * so they stay pure and testable without a store.
 */
export interface GraphNode {
  id: string;
  /** Stripe's `object` value: `customer`, `payment_intent`, `checkout.session`… */
  objectType: string;
  /** The object's `status`, or `null` for objects without one (customers, charges' own status aside). */
  status: string | null;
  /** The id of an open dispute on a charge: it blocks redaction and `fix` cannot resolve it. */
  openDisputeId: string | null;
  /** Ids a redaction of this object also redacts. */
  children: string[];
}

export type ObjectGraph = ReadonlyMap<string, GraphNode>;

/** Which store collection holds each graph object type. */
export const COLLECTION_OF_TYPE: Readonly<Record<string, string>> = {
  customer: CUSTOMERS,
  payment_intent: PAYMENT_INTENTS,
  charge: CHARGES,
  payment_method: PAYMENT_METHODS,
  setup_intent: SETUP_INTENTS,
  subscription: SUBSCRIPTIONS,
  invoice: INVOICES,
  'checkout.session': CHECKOUT_SESSIONS,
};

/** Groups ids by a foreign key, skipping nulls. */
function indexBy<T extends { id: string }>(items: readonly T[], key: (item: T) => string | null): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const list = index.get(k) ?? [];
    list.push(item.id);
    index.set(k, list);
  }
  return index;
}

/**
 * Builds the graph of one mode's objects. Cascade edges, per Stripe's redaction guide: a customer →
 * its PaymentIntents, Charges, Subscriptions, Invoices, PaymentMethods, SetupIntents and Checkout
 * Sessions; a PaymentIntent → its Charges and a PaymentMethod attached to no customer (a guest's card
 * details); a Subscription → its Invoices; an Invoice or Checkout Session → its PaymentIntent.
 */
export function readObjectGraph(store: EmulatorStore, livemode: boolean): ObjectGraph {
  const read = <T extends StoredObject>(name: string): T[] => store.collection<T>(name).all().filter((o) => o.livemode === livemode);
  const customers = read<Customer>(CUSTOMERS);
  const intents = read<PaymentIntent>(PAYMENT_INTENTS);
  const charges = read<Charge>(CHARGES);
  const methods = read<PaymentMethod>(PAYMENT_METHODS);
  const setups = read<SetupIntent>(SETUP_INTENTS);
  const subscriptions = read<Subscription>(SUBSCRIPTIONS);
  const invoices = read<Invoice>(INVOICES);
  const sessions = read<CheckoutSession>(CHECKOUT_SESSIONS);
  const openDisputes = new Map(
    read<Dispute>(DISPUTES)
      .filter((d) => OPEN_DISPUTE_STATUSES.includes(d.status))
      .map((d) => [d.charge, d.id] as const),
  );
  const guestMethods = new Set(methods.filter((pm) => pm.customer === null).map((pm) => pm.id));

  const byCustomer = [intents, charges, subscriptions, invoices, methods, setups, sessions].map((list) =>
    indexBy<{ id: string; customer: string | null }>(list, (o) => o.customer),
  );
  const chargesByIntent = indexBy(charges, (ch) => ch.payment_intent);
  const invoicesBySubscription = indexBy(invoices, (inv) => inv.subscription);

  const graph = new Map<string, GraphNode>();
  const add = (id: string, objectType: string, status: string | null, children: (string | null)[], openDisputeId: string | null = null): void => {
    graph.set(id, { id, objectType, status, openDisputeId, children: children.filter((c): c is string => c !== null) });
  };
  for (const c of customers) add(c.id, 'customer', null, byCustomer.flatMap((index) => index.get(c.id) ?? []));
  for (const pi of intents) {
    const guestMethod = pi.payment_method !== null && guestMethods.has(pi.payment_method) ? pi.payment_method : null;
    add(pi.id, 'payment_intent', pi.status, [...(chargesByIntent.get(pi.id) ?? []), guestMethod]);
  }
  for (const ch of charges) add(ch.id, 'charge', ch.status, [], openDisputes.get(ch.id) ?? null);
  for (const pm of methods) add(pm.id, 'payment_method', null, []);
  for (const si of setups) add(si.id, 'setup_intent', si.status, []);
  for (const sub of subscriptions) add(sub.id, 'subscription', sub.status, invoicesBySubscription.get(sub.id) ?? []);
  for (const inv of invoices) add(inv.id, 'invoice', inv.status, [inv.payment_intent]);
  for (const cs of sessions) add(cs.id, 'checkout.session', cs.status, [cs.payment_intent, cs.setup_intent]);
  return graph;
}

/**
 * Every object a redaction of `rootId` reaches, the root first, each once (breadth first). A root
 * missing from the graph (an object kind the emulator does not model) cascades to itself only.
 */
export function cascadeOf(graph: ObjectGraph, rootId: string, rootType: string): GraphNode[] {
  const root = graph.get(rootId) ?? { id: rootId, objectType: rootType, status: null, openDisputeId: null, children: [] };
  const seen = new Set([rootId]);
  const order: GraphNode[] = [root];
  for (let i = 0; i < order.length; i += 1) {
    for (const childId of order[i]!.children) {
      const child = graph.get(childId);
      if (!child || seen.has(childId)) continue;
      seen.add(childId);
      order.push(child);
    }
  }
  return order;
}
