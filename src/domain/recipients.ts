/**
 * Who else received the people's data: the account's webhook endpoints enabled for events whose
 * objects carry personal data. Stripe's redaction reaches Stripe's own copies, not what it already
 * delivered (GDPR art. 19, CCPA §7022(b): recipients are to be told). Pure.
 */

/** Event type prefixes whose object carries personal data (a name, an email, an address, card details). */
export const PERSONAL_DATA_EVENT_PREFIXES = [
  'customer.',
  'charge.',
  'payment_intent.',
  'payment_method.',
  'setup_intent.',
  'checkout.session.',
  'invoice.',
  'identity.verification_session.',
  'issuing_cardholder.',
  'issuing_card.',
] as const;

/** A webhook endpoint as the gateway reads it. */
export interface EndpointFacts {
  id: string;
  url: string;
  status: string;
  enabledEvents: readonly string[];
}

/** An endpoint named as a recipient: summary.json `recipients`, report.html, the certificate. */
export interface Recipient {
  id: string;
  /** The URL's host only: a path or query may hold a token. */
  host: string;
  status: string;
  /** The enabled event types that carry personal data (`*` when it receives every event). */
  eventTypes: string[];
}

/** Whether an enabled event type (or `*`) carries personal data. */
export function carriesPersonalData(eventType: string): boolean {
  if (eventType === '*') return true;
  return PERSONAL_DATA_EVENT_PREFIXES.some((prefix) => eventType.startsWith(prefix) || `${eventType}.` === prefix);
}

/** The endpoints that received personal data, in the order given; the others are left out. */
export function recipientsOf(endpoints: readonly EndpointFacts[]): Recipient[] {
  return endpoints.flatMap((endpoint) => {
    const eventTypes = endpoint.enabledEvents.filter(carriesPersonalData);
    if (eventTypes.length === 0) return [];
    return [{ id: endpoint.id, host: hostOf(endpoint.url), status: endpoint.status, eventTypes: eventTypes.includes('*') ? ['*'] : eventTypes }];
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(unreadable URL)';
  }
}
