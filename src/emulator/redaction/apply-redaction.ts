import { CUSTOMERS, type Customer, type RedactionMarker } from '../resources/customer-object.js';
import { cancelPaymentIntent } from '../resources/payment-intents.js';
import { cancelSetupIntent } from '../resources/setup-intents.js';
import { cancelSubscription } from '../resources/subscriptions.js';
import { voidInvoice } from '../resources/invoices.js';
import { expireCheckoutSession } from '../resources/checkout-sessions.js';
import {
  CHARGES,
  CHECKOUT_SESSIONS,
  INVOICES,
  PAYMENT_INTENTS,
  PAYMENT_METHODS,
  SETUP_INTENTS,
  SUBSCRIPTIONS,
  type BillingDetails,
  type Charge,
  type CheckoutSession,
  type Invoice,
  type PaymentIntent,
  type PaymentMethod,
  type SetupIntent,
  type Subscription,
} from '../resources/graph-objects.js';
import type { EmulatorStore, StoredObject } from '../store.js';
import { COLLECTION_OF_TYPE, type GraphNode } from './object-graph.js';
import type { FixAction } from './validate-job.js';

/** What redaction writes in place of a personal string, per Stripe's guide. */
export const REDACTED = '[redacted]';

const REDACTED_MARKER: RedactionMarker = { status: 'redacted' };

/** Replaces a present value; an absent one stays absent (`null` carries no personal data). */
function mask<T>(value: T | null): T | string | null {
  return value === null || value === undefined ? null : REDACTED;
}

function maskBilling(details: BillingDetails): BillingDetails {
  return { address: mask(details.address), email: mask(details.email), name: mask(details.name), phone: mask(details.phone) };
}

/**
 * Carries out one `fix` on the object it names, if the object is still in the state that blocked it
 * (between validation and run a client may have fixed it itself).
 */
export function applyFix(store: EmulatorStore, objectId: string, fix: FixAction): void {
  const now = store.nowSeconds();
  switch (fix) {
    case 'cancel_payment_intent': {
      const pi = store.collection<PaymentIntent>(PAYMENT_INTENTS).get(objectId);
      if (pi && pi.status !== 'succeeded' && pi.status !== 'canceled') cancelPaymentIntent(pi, now, 'abandoned');
      return;
    }
    case 'cancel_setup_intent': {
      const si = store.collection<SetupIntent>(SETUP_INTENTS).get(objectId);
      if (si && si.status !== 'succeeded' && si.status !== 'canceled') cancelSetupIntent(si, 'abandoned');
      return;
    }
    case 'cancel_subscription': {
      const sub = store.collection<Subscription>(SUBSCRIPTIONS).get(objectId);
      if (sub && sub.status !== 'canceled' && sub.status !== 'incomplete_expired') cancelSubscription(sub, now);
      return;
    }
    case 'delete_invoice': {
      const invoice = store.collection<Invoice>(INVOICES).get(objectId);
      if (invoice?.status === 'draft') store.collection(INVOICES).delete(objectId);
      return;
    }
    case 'void_invoice': {
      const invoice = store.collection<Invoice>(INVOICES).get(objectId);
      if (invoice?.status === 'open') voidInvoice(invoice);
      return;
    }
    case 'expire_checkout_session': {
      const session = store.collection<CheckoutSession>(CHECKOUT_SESSIONS).get(objectId);
      if (session?.status === 'open') expireCheckoutSession(session);
      return;
    }
  }
}

/** Personal fields of each object type and how they are wiped; ids, amounts and statuses stay. */
const REDACTORS: Record<string, (object: never) => void> = {
  [CUSTOMERS]: (c: Customer) => {
    c.deleted = true;
    c.email = mask(c.email);
    c.name = mask(c.name);
    c.phone = mask(c.phone);
    c.description = mask(c.description);
    c.address = null;
    c.shipping = null;
    c.metadata = {};
  },
  [PAYMENT_INTENTS]: (pi: PaymentIntent) => {
    pi.description = mask(pi.description);
    pi.receipt_email = mask(pi.receipt_email);
    pi.shipping = mask(pi.shipping);
    pi.metadata = {};
  },
  [CHARGES]: (ch: Charge) => {
    ch.billing_details = maskBilling(ch.billing_details);
    ch.description = mask(ch.description);
    ch.receipt_email = mask(ch.receipt_email);
    ch.shipping = mask(ch.shipping);
    ch.metadata = {};
  },
  [PAYMENT_METHODS]: (pm: PaymentMethod) => {
    pm.billing_details = maskBilling(pm.billing_details);
    pm.metadata = {};
  },
  [SETUP_INTENTS]: (si: SetupIntent) => {
    si.description = mask(si.description);
    si.metadata = {};
  },
  [SUBSCRIPTIONS]: (sub: Subscription) => {
    sub.description = mask(sub.description);
    sub.metadata = {};
  },
  [INVOICES]: (inv: Invoice) => {
    inv.description = mask(inv.description);
    inv.customer_email = mask(inv.customer_email);
    inv.customer_name = mask(inv.customer_name);
    inv.customer_phone = mask(inv.customer_phone);
    inv.customer_address = mask(inv.customer_address);
    inv.customer_shipping = mask(inv.customer_shipping);
    inv.metadata = {};
  },
  [CHECKOUT_SESSIONS]: (cs: CheckoutSession) => {
    cs.customer_email = mask(cs.customer_email);
    cs.customer_details = cs.customer_details && {
      email: mask(cs.customer_details.email),
      name: mask(cs.customer_details.name),
      phone: mask(cs.customer_details.phone),
      address: mask(cs.customer_details.address),
    };
    cs.metadata = {};
  },
};

/**
 * Redacts every object of the cascade still in the store (a draft invoice that `fix` deleted is
 * gone) and marks it `redaction: {status: 'redacted'}`.
 */
export function redactObjects(store: EmulatorStore, nodes: readonly GraphNode[]): void {
  for (const node of nodes) {
    const collection = COLLECTION_OF_TYPE[node.objectType];
    if (collection === undefined) continue;
    const objects = store.collection(collection);
    const object = objects.get(node.id) as ({ redaction?: RedactionMarker | null } & StoredObject) | undefined;
    if (!object) continue;
    const redact = REDACTORS[collection] as ((o: object) => void) | undefined;
    redact?.(object);
    object.redaction = { ...REDACTED_MARKER };
    // A redacted customer leaves the email indexes, as a deleted one does.
    objects.reindex(object);
  }
}
