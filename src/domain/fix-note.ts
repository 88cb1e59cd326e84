import type { JobValidationError } from './job.js';

const OBJECT_NAMES: Record<string, string> = {
  payment_intent: 'PaymentIntent',
  setup_intent: 'SetupIntent',
  subscription: 'subscription',
  invoice: 'invoice',
  checkout_session: 'Checkout Session',
  'checkout.session': 'Checkout Session',
  charge: 'charge',
};

/** What `validation_behavior=fix` does to each kind of blocking object (stripe-api.md §2). */
const FIX_VERBS: Record<string, { will: string; did: string }> = {
  payment_intent: { will: 'cancel', did: 'canceled' },
  setup_intent: { will: 'cancel', did: 'canceled' },
  subscription: { will: 'cancel', did: 'canceled' },
  invoice: { will: 'void or delete', did: 'voided or deleted' },
  checkout_session: { will: 'expire', did: 'expired' },
  'checkout.session': { will: 'expire', did: 'expired' },
};

/**
 * The report's sentence for one error that a fix clears: "fix will cancel PaymentIntent pi_…"
 * before the job ran, "fix canceled PaymentIntent pi_…" after it succeeded.
 */
export function describeFix(error: JobValidationError, tense: 'will' | 'did'): string {
  const object = error.erroringObject;
  if (!object) return tense === 'will' ? `fix will resolve: ${error.message}` : `fix resolved: ${error.message}`;
  const name = OBJECT_NAMES[object.objectType] ?? object.objectType;
  const verb = FIX_VERBS[object.objectType];
  if (!verb) return tense === 'will' ? `fix will resolve ${name} ${object.id}: ${error.message}` : `fix resolved ${name} ${object.id}`;
  return tense === 'will' ? `fix will ${verb.will} ${name} ${object.id}` : `${name} ${object.id} ${verb.did} by fix`;
}

/** The report's sentence for an error that blocks a row: Stripe's own message, with the object it names. */
export function describeBlocker(error: JobValidationError): string {
  const object = error.erroringObject;
  return object && !error.message.includes(object.id) ? `${error.message} (${object.objectType} ${object.id})` : error.message;
}
