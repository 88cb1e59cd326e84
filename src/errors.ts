/**
 * What stops a run. Expected per-row outcomes (a customer not found, a validation error) are data
 * carried into the report, never thrown; only the classes below are. Code switches on the class and
 * on `code`, never on message text. The CLI maps {@link ConfigError} and {@link InputFileError} to
 * exit 2 and every other error to exit 1.
 */

/** The root of the errors the tool throws on purpose; `code` is stable across releases. */
export abstract class StripeRedactError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Raised when an option, flag or environment variable is missing, malformed or unsafe. */
export class ConfigError extends StripeRedactError {
  readonly code: `CONFIG_${string}`;
  /** The option as the user spells it: `--max-rps`, `STRIPE_API_KEY`. */
  readonly option: string;

  constructor(
    message: string,
    details: { code: `CONFIG_${string}`; option: string; cause?: unknown },
  ) {
    super(message, details);
    this.code = details.code;
    this.option = details.option;
  }
}

/** The stable codes of {@link InputFileError}. */
export type InputFileErrorCode =
  /** Missing, a directory, no permission. */
  | 'INPUT_UNREADABLE'
  /** The file holds no record at all (empty or only blank lines). */
  | 'INPUT_EMPTY'
  /** The identifier column cannot be determined, or `--column` names none. */
  | 'INPUT_NO_COLUMN'
  /** More than half the rows of the column chosen without `--column` hold no usable identifier. */
  | 'INPUT_COLUMN_UNUSABLE'
  /** CSV syntax: an unclosed quote, text after a closing quote, a runaway record. */
  | 'INPUT_PARSE'
  /** Bytes that are no character in the file's encoding, or a BOM contradicting `--encoding`. */
  | 'INPUT_ENCODING'
  /** Not a text file: a workbook, an archive, a PDF, a NUL byte. */
  | 'INPUT_BINARY';

/** Raised when the requests file cannot be read, parsed, or its identifier column found. */
export class InputFileError extends StripeRedactError {
  readonly code: InputFileErrorCode;
  readonly path: string;
  /** 1-based line of the file where the problem starts, when known. */
  readonly line?: number;
  /** 1-based column (field index) of the problem, when known. */
  readonly column?: number;
  /** 0-based offset in the file of the byte at fault (`INPUT_ENCODING`, `INPUT_BINARY`), when known. */
  readonly byteOffset?: number;

  constructor(
    message: string,
    details: { code: InputFileErrorCode; path: string; line?: number; column?: number; byteOffset?: number; cause?: unknown },
  ) {
    super(message, details);
    this.code = details.code;
    this.path = details.path;
    if (details.line !== undefined) this.line = details.line;
    if (details.column !== undefined) this.column = details.column;
    if (details.byteOffset !== undefined) this.byteOffset = details.byteOffset;
  }
}

/** How a Stripe (or emulator) call failed, in the project's own terms. */
export type GatewayErrorKind =
  | 'auth'
  | 'permission'
  | 'rate_limited'
  | 'invalid_request'
  | 'not_found'
  | 'idempotency'
  | 'conflict'
  | 'api'
  | 'connection'
  /** The account cannot use the API at all (a 404 on creating or listing redaction jobs): stops the run. */
  | 'unavailable';

/** Raised by the Stripe gateway when a call fails in a way the caller must decide about. */
export class GatewayError extends StripeRedactError {
  /** `GATEWAY_AUTH`, `GATEWAY_RATE_LIMITED`, … — one per {@link GatewayErrorKind}. */
  readonly code: `GATEWAY_${Uppercase<GatewayErrorKind>}`;
  readonly kind: GatewayErrorKind;
  /** Stripe's own error code (`resource_missing`, `lock_timeout`, …), when the response had one. */
  readonly stripeCode?: string;
  /** The request parameter Stripe blamed, when it named one. */
  readonly param?: string;
  /** HTTP status, absent for connection failures. */
  readonly status?: number;
  /** Whether the same call may succeed if repeated (the adapter decides, once). */
  readonly retryable: boolean;
  /** Stripe's `Stripe-Should-Retry` header, when the answer had one: it overrides `retryable`. */
  readonly shouldRetry?: boolean;
  /** Stripe's `Retry-After` header, in ms, when the answer had one. */
  readonly retryAfterMs?: number;
  /** Stripe's `Request-Id`, for support tickets. */
  readonly requestId?: string;

  constructor(
    message: string,
    details: {
      kind: GatewayErrorKind;
      retryable: boolean;
      shouldRetry?: boolean;
      retryAfterMs?: number;
      stripeCode?: string;
      param?: string;
      status?: number;
      requestId?: string;
      cause?: unknown;
    },
  ) {
    super(message, details);
    this.kind = details.kind;
    this.code = `GATEWAY_${details.kind.toUpperCase() as Uppercase<GatewayErrorKind>}`;
    this.retryable = details.retryable;
    if (details.shouldRetry !== undefined) this.shouldRetry = details.shouldRetry;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.stripeCode !== undefined) this.stripeCode = details.stripeCode;
    if (details.param !== undefined) this.param = details.param;
    if (details.status !== undefined) this.status = details.status;
    if (details.requestId !== undefined) this.requestId = details.requestId;
  }
}

/** Raised when the durable state cannot be opened, read, migrated or written. */
export class StateStoreError extends StripeRedactError {
  readonly code: `STATE_${string}`;

  constructor(message: string, details: { code?: `STATE_${string}`; cause?: unknown } = {}) {
    super(message, details);
    this.code = details.code ?? 'STATE_STORE';
  }
}

/** Raised when an invariant of the code itself is broken: a bug, never bad input. */
export class InternalError extends StripeRedactError {
  readonly code = 'INTERNAL';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
