import type { StripeGateway } from '../stripe/gateway.js';

/** Objects whose owner a run remembers; past this the oldest are forgotten (a million-row run stays flat). */
const MAX_REMEMBERED = 10_000;

/**
 * The customer a related object belongs to, asked of Stripe once per object in a run. The same
 * PaymentIntent or invoice blocks again when its job is re-packed (an unknown id taken out, a lock
 * waited for, a split): without this each new job would pay the same retrieve again. A lookup in
 * flight is shared; one that fails is forgotten, so the next asks again.
 */
export function rememberCustomerOwners(gateway: Pick<StripeGateway, 'customerOf'>, maxRemembered = MAX_REMEMBERED): (id: string, objectType: string) => Promise<string | null> {
  const owners = new Map<string, Promise<string | null>>();
  return (id, objectType) => {
    const known = owners.get(id);
    if (known) return known;
    const asked = gateway.customerOf(id, objectType);
    owners.set(id, asked);
    asked.catch(() => owners.delete(id));
    if (owners.size > maxRemembered) owners.delete(owners.keys().next().value as string);
    return asked;
  };
}
