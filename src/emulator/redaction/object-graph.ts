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
import { childrenOf } from '../resources/graph-edges.js';

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

/** Read access to the graph: the node of an id, or `undefined` for an object the graph does not hold. */
export interface ObjectGraph {
  get(id: string): GraphNode | undefined;
}

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

const TYPES = Object.keys(COLLECTION_OF_TYPE);

/** Stripe's id prefixes of the graph's types. */
const PREFIX_TYPES: readonly (readonly [string, string])[] = [
  ['cus_', 'customer'],
  ['pi_', 'payment_intent'],
  ['ch_', 'charge'],
  ['py_', 'charge'],
  ['pm_', 'payment_method'],
  ['seti_', 'setup_intent'],
  ['sub_', 'subscription'],
  ['in_', 'invoice'],
  ['cs_', 'checkout.session'],
];

/**
 * The graph of one mode's objects, read from the store. Cascade edges, per Stripe's redaction guide:
 * a customer → its PaymentIntents, Charges, Subscriptions, Invoices, PaymentMethods, SetupIntents and
 * Checkout Sessions; a PaymentIntent → its Charges and a PaymentMethod attached to no customer (a
 * guest's card details); a Subscription → its Invoices; an Invoice or Checkout Session → its
 * PaymentIntent (and a session → its SetupIntent).
 *
 * Nodes are built on demand from the edges recorded at creation (`graph-edges.ts`), each checked
 * against the child's current foreign key, so a cascade costs the size of the cascade, not of the
 * account. Statuses are read when a node is first asked for: use a graph for one validation or run.
 */
export function readObjectGraph(store: EmulatorStore, livemode: boolean): ObjectGraph {
  const find = <T extends StoredObject>(collection: string, id: string): T | undefined => {
    const object = store.collection<T>(collection).get(id);
    return object && object.livemode === livemode ? object : undefined;
  };
  /**
   * The type of the object with this id, by the collection that holds it. The collection its prefix
   * names is asked first (a validation asks this for every object of every live job); seed ids need
   * no prefix, so the others follow.
   */
  const typeOf = (id: string): string | undefined => {
    const hinted = PREFIX_TYPES.find(([prefix]) => id.startsWith(prefix))?.[1];
    if (hinted !== undefined && store.collection(COLLECTION_OF_TYPE[hinted]!).has(id)) return hinted;
    return TYPES.find((type) => type !== hinted && store.collection(COLLECTION_OF_TYPE[type]!).has(id));
  };
  /** Recorded children of `parentId` whose `key` field still names the parent. */
  const linked = (parentId: string, key: string): string[] =>
    childrenOf(store, parentId).filter((childId) => {
      const collection = COLLECTION_OF_TYPE[typeOf(childId) ?? ''];
      const child = collection === undefined ? undefined : find<StoredObject & Record<string, unknown>>(collection, childId);
      return child !== undefined && child[key] === parentId;
    });
  const node = (id: string, objectType: string, status: string | null, children: (string | null)[], openDisputeId: string | null = null): GraphNode => ({
    id,
    objectType,
    status,
    openDisputeId,
    children: children.filter((c): c is string => c !== null),
  });

  /** Each type's node from its stored object; `undefined` when the store holds no such object. */
  const builders: Record<string, (id: string) => GraphNode | undefined> = {
    customer: (id) => (find<Customer>(CUSTOMERS, id) ? node(id, 'customer', null, linked(id, 'customer')) : undefined),
    payment_intent: (id) => {
      const pi = find<PaymentIntent>(PAYMENT_INTENTS, id);
      if (!pi) return undefined;
      const method = pi.payment_method === null ? undefined : find<PaymentMethod>(PAYMENT_METHODS, pi.payment_method);
      return node(id, 'payment_intent', pi.status, [...linked(id, 'payment_intent'), method && method.customer === null ? method.id : null]);
    },
    charge: (id) => {
      const ch = find<Charge>(CHARGES, id);
      const openDispute = childrenOf(store, id)
        .map((dp) => find<Dispute>(DISPUTES, dp))
        .find((dp) => dp !== undefined && dp.charge === id && OPEN_DISPUTE_STATUSES.includes(dp.status));
      return ch && node(id, 'charge', ch.status, [], openDispute?.id ?? null);
    },
    payment_method: (id) => (find<PaymentMethod>(PAYMENT_METHODS, id) ? node(id, 'payment_method', null, []) : undefined),
    setup_intent: (id) => {
      const si = find<SetupIntent>(SETUP_INTENTS, id);
      return si && node(id, 'setup_intent', si.status, []);
    },
    subscription: (id) => {
      const sub = find<Subscription>(SUBSCRIPTIONS, id);
      return sub && node(id, 'subscription', sub.status, linked(id, 'subscription'));
    },
    invoice: (id) => {
      const inv = find<Invoice>(INVOICES, id);
      return inv && node(id, 'invoice', inv.status, [inv.payment_intent]);
    },
    'checkout.session': (id) => {
      const cs = find<CheckoutSession>(CHECKOUT_SESSIONS, id);
      return cs && node(id, 'checkout.session', cs.status, [cs.payment_intent, cs.setup_intent]);
    },
  };
  const cache = new Map<string, GraphNode | undefined>();
  return {
    get(id) {
      if (!cache.has(id)) {
        const type = typeOf(id);
        cache.set(id, type === undefined ? undefined : builders[type]?.(id));
      }
      return cache.get(id);
    },
  };
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
