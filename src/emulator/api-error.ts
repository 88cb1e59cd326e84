/**
 * A Stripe-shaped API error. Route handlers throw it; the server turns it into
 * `{"error": {type, code, message, param, doc_url}}` with the given HTTP status.
 * See https://docs.stripe.com/api/errors.
 */
export type StripeErrorType =
  | 'invalid_request_error'
  | 'api_error'
  | 'card_error'
  | 'idempotency_error'
  | 'authentication_error'
  | 'rate_limit_error';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    readonly code: string | undefined,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): { error: Record<string, string> } {
    const error: Record<string, string> = { type: this.type, message: this.message };
    if (this.code !== undefined) {
      error.code = this.code;
      error.doc_url = `https://docs.stripe.com/error-codes/${this.code.replace(/_/g, '-')}`;
    }
    if (this.param !== undefined) error.param = this.param;
    return { error };
  }
}

/** 404 for an id the store does not hold: Stripe's `resource_missing`. */
export function resourceMissing(kind: string, id: string, param = 'id'): ApiError {
  return new ApiError(404, 'invalid_request_error', 'resource_missing', `No such ${kind}: '${id}'`, param);
}

/** 400 for a bad or missing parameter. */
export function parameterInvalid(param: string, message: string, code = 'parameter_invalid_empty'): ApiError {
  return new ApiError(400, 'invalid_request_error', code, message, param);
}
