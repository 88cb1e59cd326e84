import type { EmulatorStore, StoredObject } from '../store.js';

/**
 * Which objects were made under which: a customer's PaymentIntents, a PaymentIntent's Charges, a
 * Charge's Disputes… kept as the objects are created so that a redaction cascade reads only its own
 * objects, not every collection of the account. Edges are hints: a reader checks each child's
 * foreign key (a detached PaymentMethod keeps its old edge).
 */
export const GRAPH_EDGES = 'graph_edges';

interface EdgeList extends StoredObject {
  object: 'graph_edges';
  children: string[];
}

/** Records `childId` under `parentId`; a `null` parent (a guest payment) records nothing. */
export function linkChild(store: EmulatorStore, livemode: boolean, parentId: string | null, childId: string): void {
  if (parentId === null) return;
  const edges = store.collection<EdgeList>(GRAPH_EDGES);
  const list = edges.get(parentId) ?? edges.insert({ id: parentId, object: 'graph_edges', created: 0, livemode, children: [] });
  if (!list.children.includes(childId)) list.children.push(childId);
}

/** Ids recorded under `parentId`, oldest first. */
export function childrenOf(store: EmulatorStore, parentId: string): readonly string[] {
  return store.collection<EdgeList>(GRAPH_EDGES).get(parentId)?.children ?? [];
}
