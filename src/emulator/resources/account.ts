import { DEFAULT_EMULATOR_OPTIONS } from '../options.js';
import type { RequestContext, Route } from '../route.js';

/**
 * `GET /v1/account`: the account the key belongs to (https://docs.stripe.com/api/accounts/retrieve).
 * The emulator is one account, `--account-id`, in both modes: as on Stripe, a test key and a live
 * key of one account name the same id, and the object carries no `livemode`.
 */
function retrieveAccount(ctx: RequestContext): Record<string, unknown> {
  return {
    id: ctx.settings.accountId ?? DEFAULT_EMULATOR_OPTIONS.accountId,
    object: 'account',
    type: 'standard',
    country: 'US',
    default_currency: 'usd',
    email: null,
    business_profile: { name: 'stripe-redact emulator' },
    settings: { dashboard: { display_name: 'stripe-redact emulator', timezone: 'Etc/UTC' } },
    charges_enabled: true,
    payouts_enabled: true,
    details_submitted: true,
    created: 0,
  };
}

export const accountRoutes: Route[] = [{ method: 'GET', path: '/v1/account', kind: 'read', handler: retrieveAccount }];
