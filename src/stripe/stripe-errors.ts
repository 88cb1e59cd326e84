/**
 * SDK errors as `GatewayError`: the mapping (by the SDK's error classes and Stripe's codes), the
 * refusals that need more words than Stripe's, and the sending wrappers that apply both.
 */
import { GatewayError, type GatewayErrorKind } from '../errors.js';
import type { RequestClass, SendRequest } from './gateway.js';
import { PINNED_API_VERSION, StripeErrors, type StripeGatewayOptions } from './stripe-client.js';
import { parseRetryAfterMs } from './retry-after.js';

/**
 * `options.send`, with SDK errors mapped to `GatewayError` inside it (so the retry policy sees
 * them); connection errors name the server tried ("cannot reach Stripe" alone does not say which).
 */
export function sendMapped(options: StripeGatewayOptions): SendRequest {
  const endpoint = options.apiBase ? new URL(options.apiBase).host : 'api.stripe.com';
  return <T>(requestClass: RequestClass, label: string, request: () => Promise<T>): Promise<T> =>
    options.send(requestClass, label, () => request().catch((error: unknown) => Promise.reject(toGatewayError(error, endpoint))));
}

/**
 * {@link sendMapped}, with the refusals that stop a run explained ({@link explainRefusal}); after
 * an account without redaction jobs or a key without their permission, every later request of this
 * client is refused here, unsent: the run stops at once.
 */
export function sendGuarded(options: StripeGatewayOptions): SendRequest {
  const send = sendMapped(options);
  let stopped: GatewayError | undefined;
  return async <T>(requestClass: RequestClass, label: string, request: () => Promise<T>): Promise<T> => {
    if (stopped) throw stopped;
    try {
      return await send(requestClass, label, request);
    } catch (error) {
      const explained = explainRefusal(error, label, options.stripeVersion);
      if (explained === undefined) throw error;
      if (explained.kind === 'unavailable' || explained.kind === 'permission') stopped = explained;
      throw explained;
    }
  };
}

/** The redaction job calls that only write, by the labels the adapter sends them under. */
const REDACTION_WRITES = new Set(['redaction_jobs.create', 'redaction_jobs.update', 'redaction_jobs.validate', 'redaction_jobs.run', 'redaction_jobs.cancel']);
/** The calls that name no job: a 404 on them is about the endpoint, not about one job. */
const REDACTION_ENDPOINT_CALLS: Record<string, string> = {
  'redaction_jobs.create': 'POST /v1/privacy/redaction_jobs',
  'redaction_jobs.list': 'GET /v1/privacy/redaction_jobs',
  'redaction_jobs.list_with_objects': 'GET /v1/privacy/redaction_jobs',
};

/**
 * A refusal that needs more words than Stripe's, as a new error; `undefined` for any other.
 * - a 400 on `GET /v1/account`, which sends nothing but headers: the API version (named, with
 *   the pinned one and `--stripe-version`);
 * - a 404 on creating or listing redaction jobs (not naming an `objects` slot): the account cannot
 *   use them — kind `unavailable`. A 404 for one job id is not this: that job is gone;
 * - a 403 on any redaction job call: the permission a restricted key lacks.
 */
export function explainRefusal(error: unknown, label: string, stripeVersion: string | undefined): GatewayError | undefined {
  if (!(error instanceof GatewayError)) return undefined;
  const details = {
    retryable: false,
    cause: error,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.stripeCode !== undefined ? { stripeCode: error.stripeCode } : {}),
    ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
  };
  if (label === 'account.retrieve' && error.status === 400) {
    const sent = stripeVersion ?? PINNED_API_VERSION;
    const which = stripeVersion === undefined ? 'the version this tool pins' : `given with --stripe-version; the version this tool pins is ${PINNED_API_VERSION}`;
    return new GatewayError(
      `Stripe refused the request's API version ${sent} (${which}): ${error.message} Choose a version the account accepts with --stripe-version YYYY-MM-DD.name, or leave it out to send the pinned one.`,
      { kind: 'invalid_request', ...details },
    );
  }
  const endpoint = REDACTION_ENDPOINT_CALLS[label];
  if (endpoint !== undefined && error.status === 404 && !error.param?.startsWith('objects')) {
    return new GatewayError(
      `this account cannot use redaction jobs (Stripe answered ${endpoint} with HTTP 404: ${error.message}). Redaction jobs are a preview Stripe enables per account and API version (this run sent ${stripeVersion ?? PINNED_API_VERSION}); the rows stay pending for a run once they are enabled`,
      { kind: 'unavailable', ...details },
    );
  }
  if (label.startsWith('redaction_jobs.') && error.kind === 'permission') {
    const access = REDACTION_WRITES.has(label) ? 'Write' : 'Read';
    return new GatewayError(
      `the restricted key lacks the permission Privacy → Redaction jobs: ${access} (Stripe refused ${label} with HTTP ${error.status ?? 403}: ${error.message}); the tool needs Write, which includes Read: add it to the key and run again`,
      { kind: 'permission', ...details },
    );
  }
  return undefined;
}
/** `cannot reach api.stripe.com (ECONNREFUSED): …; check …` — the server tried and what to look at. */
function connectionMessage(sdkMessage: string, cause: string | undefined, endpoint: string | undefined): string {
  if (endpoint === undefined) return sdkMessage;
  return `cannot reach ${endpoint}${cause ? ` (${cause})` : ''}: ${sdkMessage} Check the network, DNS, proxy and firewall${
    endpoint === 'api.stripe.com' ? '' : ', and that a server is listening at --api-base'
  }.`;
}

/**
 * Maps an SDK error to a `GatewayError`; `endpoint` (host[:port]) is named in connection errors. Switches on the SDK's error classes and Stripe's codes,
 * never on message text. Retryable: 429 (rate limits and lock timeouts), 409 `idempotency_key_in_use`
 * (an idempotent request still in flight), 5xx and connection failures.
 */
export function toGatewayError(error: unknown, endpoint?: string): GatewayError {
  if (error instanceof GatewayError) return error;
  if (!(error instanceof StripeErrors.StripeError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new GatewayError(connectionMessage(message, undefined, endpoint), { kind: 'connection', retryable: true });
  }
  if (error instanceof StripeErrors.StripeConnectionError) {
    const cause = (error.detail as { code?: unknown } | undefined)?.code;
    return new GatewayError(connectionMessage(error.message, typeof cause === 'string' ? cause : undefined, endpoint), {
      kind: 'connection',
      retryable: true,
    });
  }
  const status = error.statusCode;
  let kind: GatewayErrorKind;
  let retryable = false;
  if (error instanceof StripeErrors.StripeRateLimitError || status === 429) {
    kind = 'rate_limited';
    retryable = true;
  } else if (error instanceof StripeErrors.StripeAuthenticationError) {
    kind = 'auth';
  } else if (error instanceof StripeErrors.StripePermissionError) {
    kind = 'permission';
  } else if (error instanceof StripeErrors.StripeIdempotencyError) {
    kind = 'idempotency';
  } else if (status === 409) {
    kind = 'conflict';
    // Only a request still in flight under the same key is worth sending again. Any other conflict
    // (a refused status transition, docs/stripe.md#emulator-variants) is settled by reading the object, never
    // repeated blindly; Stripe-Should-Retry still overrides this either way.
    retryable = error.code === 'idempotency_key_in_use';
  } else if (status === 404 || error.code === 'resource_missing') {
    kind = error.code === 'resource_missing' ? 'not_found' : 'invalid_request';
  } else if (error instanceof StripeErrors.StripeInvalidRequestError) {
    kind = 'invalid_request';
  } else if (status !== undefined && status >= 500) {
    kind = 'api';
    retryable = true;
  } else if (error instanceof StripeErrors.StripeAPIError) {
    kind = 'api';
    retryable = true;
  } else {
    kind = 'invalid_request';
  }
  const headers = (error.headers ?? {}) as Record<string, string | undefined>;
  const shouldRetryHeader = headers['stripe-should-retry'];
  const retryAfterMs = parseRetryAfterMs(headers['retry-after']);
  return new GatewayError(error.message, {
    kind,
    retryable,
    ...(shouldRetryHeader === 'true' || shouldRetryHeader === 'false' ? { shouldRetry: shouldRetryHeader === 'true' } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(error.code ? { stripeCode: error.code } : {}),
    ...(error.param ? { param: error.param } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(error.requestId ? { requestId: error.requestId } : {}),
  });
}
