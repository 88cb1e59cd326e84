import { CUSTOMERS, type Customer } from '../resources/customer-object.js';
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

/** What redaction writes in place of a personal string, per Stripe's guide. */
export const REDACTED = '[redacted]';

/** Replaces a present value; an absent one stays absent (`null` carries no personal data). */
function mask<T>(value: T | null): T | string | null {
  return value === null || value === undefined ? null : REDACTED;
}

function maskBilling(details: BillingDetails): BillingDetails {
  return { address: mask(details.address), email: mask(details.email), name: mask(details.name), phone: mask(details.phone) };
}

/** Personal fields of each collection and how they are wiped; ids, amounts and statuses stay. */
const MASKS: Record<string, (object: never) => void> = {
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

/** Replaces the personal data of an object of `collection` by "[redacted]" in place (a customer also becomes deleted). */
export function maskPersonalData(collection: string, object: object): void {
  (MASKS[collection] as ((o: object) => void) | undefined)?.(object);
}
