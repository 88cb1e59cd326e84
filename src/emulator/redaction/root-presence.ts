import type { RedactionMarker } from '../resources/customer-object.js';
import type { EmulatorStore, StoredObject } from '../store.js';
import { ROOT_KINDS, type RootRef } from './root-objects.js';

/**
 * Whether a job's root can still be redacted: it exists in the job's mode and is neither deleted nor
 * redacted already. The `refuse` variant asks at create, the `accept` variant at each validation.
 */
export function isRootPresent(store: EmulatorStore, root: RootRef, livemode: boolean): boolean {
  const object = store.collection<StoredObject & { deleted?: boolean; redaction?: RedactionMarker | null }>(ROOT_KINDS[root.key].collection).get(root.id);
  return object !== undefined && object.livemode === livemode && object.deleted !== true && object.redaction?.status !== 'redacted';
}
