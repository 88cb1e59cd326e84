import { cancelPaymentIntent } from '../resources/payment-intents.js';
import { cancelSetupIntent } from '../resources/setup-intents.js';
import { cancelSubscription } from '../resources/subscriptions.js';
import { voidInvoice } from '../resources/invoices.js';
import { expireCheckoutSession } from '../resources/checkout-sessions.js';
import {
  CHECKOUT_SESSIONS,
  INVOICES,
  PAYMENT_INTENTS,
  SETUP_INTENTS,
  SUBSCRIPTIONS,
  type CheckoutSession,
  type Invoice,
  type PaymentIntent,
  type SetupIntent,
  type Subscription,
} from '../resources/graph-objects.js';
import type { EmulatorSettings } from '../route.js';
import type { EmulatorStore } from '../store.js';
import { beginSettling, type RedactedCascade, type RedactionTrackedRecord } from './redaction-status.js';
import { COLLECTION_OF_TYPE, type GraphNode } from './object-graph.js';
import type { FixAction } from './validate-job.js';

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

/**
 * Marks every object of the cascades still in the store (a draft invoice that `fix` deleted is
 * gone) as redacted by a job that succeeded now. What each then reads, and when its personal data
 * becomes "[redacted]", follows the clock (redaction-status.ts).
 */
export function redactObjects(store: EmulatorStore, settings: EmulatorSettings, cascades: readonly (readonly GraphNode[])[]): void {
  const redacted: RedactedCascade[] = cascades.map((nodes) => ({
    objects: nodes.flatMap((node) => {
      const collection = COLLECTION_OF_TYPE[node.objectType];
      const object = collection === undefined ? undefined : store.collection<RedactionTrackedRecord>(collection).get(node.id);
      return collection === undefined || object === undefined ? [] : [{ collection, object }];
    }),
  }));
  beginSettling(store, settings, redacted);
}
