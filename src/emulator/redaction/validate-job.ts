import { UNFINISHED_PAYMENT_INTENT_STATUSES } from '../resources/payment-intents.js';
import { FINAL_SETUP_INTENT_STATUSES } from '../resources/setup-intents.js';
import { LIVE_SUBSCRIPTION_STATUSES } from '../resources/subscriptions.js';
import { cascadeOf, type GraphNode, type ObjectGraph } from './object-graph.js';

/**
 * The validation rules of a redaction job, as a pure function of the job's roots and a snapshot of
 * the object graph (docs/stripe.md#what-fix-does). No store, no clock: the job machine feeds
 * it and stores what it returns.
 */

export type ValidationCode =
  | 'invalid_state'
  | 'invalid_cascading_source'
  | 'invalid_file_purpose'
  | 'locked_by_other_job'
  | 'too_many_objects';

/** What `validation_behavior=fix` does about a finding when the job runs; `null`: nothing can. */
export type FixAction =
  | 'cancel_payment_intent'
  | 'cancel_setup_intent'
  | 'cancel_subscription'
  | 'delete_invoice'
  | 'void_invoice'
  | 'expire_checkout_session';

/** `{id, object_type}`, the shape of Stripe's `erroring_object`. */
export interface ObjectRef {
  id: string;
  object_type: string;
}

/** One reason the job cannot run. */
export interface ValidationFinding {
  code: ValidationCode;
  message: string;
  /** The object whose state blocks the job; `null` when the job as a whole is at fault. */
  erroringObject: ObjectRef | null;
  fix: FixAction | null;
}

/** Another live job (not `succeeded`/`canceled`) that holds objects first. */
export interface LockHolder {
  jobId: string;
  status: string;
  objectIds: ReadonlySet<string>;
}

export interface ValidationInput {
  roots: readonly ObjectRef[];
  graph: ObjectGraph;
  /** Older live jobs: an object of theirs locks it for this job. */
  lockHolders: readonly LockHolder[];
  /** Cascade size (objects, roots included) above which the job fails with `too_many_objects`. */
  maxJobObjects: number;
  /**
   * Roots that are missing, deleted or already redacted (the `accept` variant lets such a job be
   * created): each fails with `invalid_state` naming it, and its cascade is not walked. @default none
   */
  missingRoots?: ReadonlySet<string>;
  /**
   * Customers deleted with `DELETE /v1/customers/:id` and never redacted, under `deletedCustomers:
   * 'refuse'`: each fails with `invalid_state` naming it, and its cascade is not walked. @default none
   */
  deletedCustomers?: ReadonlySet<string>;
  /** `plain`: a lock's message is Stripe's documented text; `named`: it also names the locking job. */
  lockErrors: 'plain' | 'named';
}

/** Stripe's documented message of `locked_by_other_job` (docs.stripe.com/privacy/redaction). */
export const PLAIN_LOCK_MESSAGE = 'This object is being processed by another active job.';

const UNFINISHED_PAYMENT_INTENT = new Set<string>(UNFINISHED_PAYMENT_INTENT_STATUSES);
const LIVE_SUBSCRIPTION = new Set<string>(LIVE_SUBSCRIPTION_STATUSES);
const FINAL_SETUP_INTENT = new Set<string>(FINAL_SETUP_INTENT_STATUSES);

type Blocker = Pick<ValidationFinding, 'code' | 'message' | 'fix'>;

/** The rule table: what, in an object's own state, blocks its redaction. */
export function blockerOf(node: GraphNode): Blocker | null {
  const { id, status } = node;
  switch (node.objectType) {
    case 'payment_intent':
      return status !== null && UNFINISHED_PAYMENT_INTENT.has(status)
        ? { code: 'invalid_state', message: `PaymentIntent ${id} is not finalized. Confirm or cancel the PaymentIntent.`, fix: 'cancel_payment_intent' }
        : null;
    case 'setup_intent':
      return status !== null && !FINAL_SETUP_INTENT.has(status)
        ? { code: 'invalid_state', message: `SetupIntent ${id} is not finalized. Confirm or cancel the SetupIntent.`, fix: 'cancel_setup_intent' }
        : null;
    case 'subscription':
      return status !== null && LIVE_SUBSCRIPTION.has(status)
        ? {
            code: 'invalid_cascading_source',
            message: `Subscription ${id} is ${status} and would keep billing the customer. Cancel the Subscription.`,
            fix: 'cancel_subscription',
          }
        : null;
    case 'invoice':
      if (status === 'draft') return { code: 'invalid_state', message: `Invoice ${id} is a draft. Finalize or delete the Invoice.`, fix: 'delete_invoice' };
      if (status === 'open') return { code: 'invalid_state', message: `Invoice ${id} is open. Pay or void the Invoice.`, fix: 'void_invoice' };
      return null;
    case 'checkout.session':
      return status === 'open'
        ? { code: 'invalid_state', message: `Checkout Session ${id} is open. Complete or expire the Checkout Session.`, fix: 'expire_checkout_session' }
        : null;
    case 'charge':
      return node.openDisputeId !== null
        ? {
            code: 'invalid_state',
            message: `Charge ${id} has an open dispute (${node.openDisputeId}). Respond to or close the dispute before redacting.`,
            fix: null,
          }
        : null;
    default:
      return null;
  }
}

/**
 * Every finding for the job: per root, a missing root alone, or the blockers in its cascade, then a
 * lock by an older live job (one finding per holder, naming the first shared object), then
 * `too_many_objects` — per root whose cascade alone is over the cap, or once for the job when only
 * the union is. Errors name objects, never the root they came from (Stripe's error has no such
 * field), so an object reached from two roots is reported once.
 */
export function validateJob(input: ValidationInput): ValidationFinding[] {
  const findings: ValidationFinding[] = [];
  const seen = new Set<string>();
  const add = (finding: ValidationFinding): void => {
    const key = `${finding.code} ${finding.erroringObject?.id ?? ''} ${finding.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(finding);
  };
  const union = new Set<string>();
  let anyRootOverCap = false;
  for (const root of input.roots) {
    if (input.missingRoots?.has(root.id)) {
      add({ code: 'invalid_state', message: `No such ${root.object_type}: '${root.id}'. It does not exist, was deleted or is already redacted.`, erroringObject: root, fix: null });
      continue;
    }
    if (input.deletedCustomers?.has(root.id)) {
      add({ code: 'invalid_state', message: `Customer ${root.id} is deleted: a deleted customer cannot be redacted.`, erroringObject: root, fix: null });
      continue;
    }
    const cascade = cascadeOf(input.graph, root.id, root.object_type);
    for (const node of cascade) {
      union.add(node.id);
      const blocker = blockerOf(node);
      if (blocker) add({ ...blocker, erroringObject: refOf(node) });
    }
    for (const holder of input.lockHolders) {
      const shared = cascade.find((node) => holder.objectIds.has(node.id));
      if (!shared) continue;
      const message =
        input.lockErrors === 'plain'
          ? PLAIN_LOCK_MESSAGE
          : `${describe(shared)} ${shared.id} belongs to redaction job ${holder.jobId} (status: ${holder.status}). Cancel that job or wait for it to finish.`;
      add({ code: 'locked_by_other_job', message, erroringObject: refOf(shared), fix: null });
    }
    if (cascade.length > input.maxJobObjects) {
      anyRootOverCap = true;
      add({
        code: 'too_many_objects',
        message: `${describe(cascade[0]!)} ${root.id} has ${cascade.length} related objects to redact, more than the limit of ${input.maxJobObjects}.`,
        erroringObject: root,
        fix: null,
      });
    }
  }
  if (!anyRootOverCap && union.size > input.maxJobObjects) {
    add({
      code: 'too_many_objects',
      message: `This job covers ${union.size} objects, more than the limit of ${input.maxJobObjects}. Cancel it and retry with fewer identifiers.`,
      erroringObject: null,
      fix: null,
    });
  }
  return findings;
}

/** `fix` can clear the findings only when every one of them has a fix. */
export function isFixable(findings: readonly ValidationFinding[]): boolean {
  return findings.every((f) => f.fix !== null);
}

function refOf(node: GraphNode): ObjectRef {
  return { id: node.id, object_type: node.objectType };
}

const NOUNS: Record<string, string> = {
  customer: 'Customer',
  payment_intent: 'PaymentIntent',
  charge: 'Charge',
  payment_method: 'PaymentMethod',
  setup_intent: 'SetupIntent',
  subscription: 'Subscription',
  invoice: 'Invoice',
  'checkout.session': 'Checkout Session',
};

function describe(node: GraphNode): string {
  return NOUNS[node.objectType] ?? node.objectType;
}
