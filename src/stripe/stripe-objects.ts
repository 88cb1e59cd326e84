/** Retrieving Stripe objects by their kind: a redactable object, or an object a validation error names. */
import type Stripe from 'stripe';
import type { ObjectType } from '../domain/identifier.js';

/** Retrievers of the objects a validation error may name, by Stripe's `object_type`, for their `customer`. */
export const RELATED_RETRIEVERS: Partial<Record<string, (stripe: Stripe, id: string) => Promise<unknown>>> = {
  payment_intent: (stripe, id) => stripe.paymentIntents.retrieve(id),
  charge: (stripe, id) => stripe.charges.retrieve(id),
  invoice: (stripe, id) => stripe.invoices.retrieve(id),
  setup_intent: (stripe, id) => stripe.setupIntents.retrieve(id),
  subscription: (stripe, id) => stripe.subscriptions.retrieve(id),
  checkout_session: (stripe, id) => stripe.checkout.sessions.retrieve(id),
  'checkout.session': (stripe, id) => stripe.checkout.sessions.retrieve(id),
  payment_method: (stripe, id) => stripe.paymentMethods.retrieve(id),
};

/** Retrieves any redactable object by its kind. */
export async function retrieveAny(stripe: Stripe, id: string, type: ObjectType): Promise<Record<string, unknown>> {
  const asRecord = (value: unknown) => value as Record<string, unknown>;
  switch (type) {
    case 'customer':
      return asRecord(await stripe.customers.retrieve(id));
    case 'payment_intent':
      return asRecord(await stripe.paymentIntents.retrieve(id));
    case 'charge':
      return asRecord(await stripe.charges.retrieve(id));
    case 'invoice':
      return asRecord(await stripe.invoices.retrieve(id));
    case 'setup_intent':
      return asRecord(await stripe.setupIntents.retrieve(id));
    case 'checkout_session':
      return asRecord(await stripe.checkout.sessions.retrieve(id));
    case 'identity_verification_session':
      return asRecord(await stripe.identity.verificationSessions.retrieve(id));
    case 'issuing_cardholder':
      return asRecord(await stripe.issuing.cardholders.retrieve(id));
    case 'issuing_card':
      return asRecord(await stripe.issuing.cards.retrieve(id));
    case 'radar_value_list_item':
      return asRecord(await stripe.radar.valueListItems.retrieve(id));
  }
}
