import { ApiError, resourceMissing } from '../api-error.js';
import { DEFAULT_EMULATOR_OPTIONS } from '../options.js';
import type { FormValue, RequestContext, Route } from '../route.js';

/**
 * `GET /v1/account`: the account the request acts for (https://docs.stripe.com/api/accounts/retrieve):
 * the platform, `--account-id`, in both modes (as on Stripe, a test key and a live key of one account
 * name the same id, and the object carries no `livemode`), or the connected account `Stripe-Account` picked.
 */
function retrieveAccount(ctx: RequestContext): Record<string, unknown> {
  if (ctx.connectedAccount) return { ...ctx.connectedAccount };
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

const text = (value: FormValue | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Only the platform makes and reads connected accounts; a connected account is not a platform. */
function platformOnly(ctx: RequestContext): NonNullable<RequestContext['accounts']> {
  if (ctx.connectedAccount || !ctx.accounts) {
    throw new ApiError(400, 'invalid_request_error', undefined, 'Only Stripe Connect platforms can work with other accounts.');
  }
  return ctx.accounts;
}

/**
 * `POST /v1/accounts` (https://docs.stripe.com/api/accounts/create): a connected account of the
 * platform, with its own objects, jobs, events and limits. `type`, `country`, `email`,
 * `business_profile[name]`; an `id` is honoured only in-process (seeds), as elsewhere.
 */
function createAccount(ctx: RequestContext): Record<string, unknown> {
  const accounts = platformOnly(ctx);
  const profile = ctx.body.business_profile;
  const id = ctx.internal ? text(ctx.body.id) : undefined;
  const type = text(ctx.body.type);
  const country = text(ctx.body.country);
  const email = text(ctx.body.email);
  const businessName = typeof profile === 'object' && !Array.isArray(profile) ? text(profile.name) : undefined;
  return {
    ...accounts.create({
      ...(id !== undefined ? { id } : {}),
      ...(type !== undefined ? { type } : {}),
      ...(country !== undefined ? { country } : {}),
      ...(email !== undefined ? { email } : {}),
      ...(businessName !== undefined ? { business_name: businessName } : {}),
    }),
  };
}

/** `GET /v1/accounts/:id`: one connected account of the platform. */
function retrieveConnectedAccount(ctx: RequestContext): Record<string, unknown> {
  const accounts = platformOnly(ctx);
  const id = ctx.params.id ?? '';
  const space = id === accounts.platform.id ? undefined : accounts.get(id);
  if (!space?.connected) throw resourceMissing('account', id);
  return { ...space.connected };
}

export const accountRoutes: Route[] = [
  { method: 'GET', path: '/v1/account', kind: 'read', handler: retrieveAccount },
  { method: 'POST', path: '/v1/accounts', kind: 'write', handler: createAccount },
  { method: 'GET', path: '/v1/accounts/:id', kind: 'read', handler: retrieveConnectedAccount },
];
