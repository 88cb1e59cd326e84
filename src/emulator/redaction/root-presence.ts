import { CUSTOMERS, type RedactionMarker } from '../resources/customer-object.js';
import type { EmulatorStore, StoredObject } from '../store.js';
import { ROOT_KINDS, type RootRef } from './root-objects.js';

type Tracked = StoredObject & { deleted?: boolean; redaction?: RedactionMarker | null; _redactionSucceededAtMs?: number };

function stored(store: EmulatorStore, root: RootRef, livemode: boolean): Tracked | undefined {
  const object = store.collection<Tracked>(ROOT_KINDS[root.key].collection).get(root.id);
  return object !== undefined && object.livemode === livemode ? object : undefined;
}

/** Redacted for good: it reads `redacted`, or — a kind without Stripe's `redaction` field — its job succeeded. */
function isRedacted(object: Tracked): boolean {
  return object.redaction?.status === 'redacted' || (object.redaction === undefined && object._redactionSucceededAtMs !== undefined);
}

/**
 * Whether a job's root can still be redacted: it exists in the job's mode and is not redacted
 * already. A customer that was merely deleted (`DELETE /v1/customers/:id`) counts as present: the
 * `deletedCustomers` variant decides at validation. The `refuse` variant of `unknownIds` asks at
 * create, the `accept` variant at each validation.
 */
export function isRootPresent(store: EmulatorStore, root: RootRef, livemode: boolean): boolean {
  const object = stored(store, root, livemode);
  if (object === undefined || isRedacted(object)) return false;
  return object.deleted !== true || ROOT_KINDS[root.key].collection === CUSTOMERS;
}

/** A customer deleted with `DELETE /v1/customers/:id` that no job has redacted. */
export function isMerelyDeletedCustomer(store: EmulatorStore, root: RootRef, livemode: boolean): boolean {
  if (ROOT_KINDS[root.key].collection !== CUSTOMERS) return false;
  const object = stored(store, root, livemode);
  return object !== undefined && object.deleted === true && object._redactionSucceededAtMs === undefined;
}
