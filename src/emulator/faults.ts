/**
 * One injected fault, msw-style: requests that match `method` and `path` get it instead of (or, for
 * `delayMs` alone, on top of) their normal answer. See `Faults.use`.
 */
export interface FaultSpec {
  /** HTTP method to match, case-insensitive. @default any */
  method?: string;
  /** Exact path (no query string) or a pattern tested against the path. @default any */
  path?: string | RegExp;
  /** How many matching requests get the fault before it is used up. @default Infinity (until `reset()`) */
  times?: number;
  /**
   * Answer with this HTTP status and a Stripe error body: 429 → `invalid_request_error`/`rate_limit`,
   * 5xx → `api_error`, other 4xx → `invalid_request_error`.
   * @default 500 when none of `drop`, `lostResponse` or `delayMs` alone is given
   */
  status?: number;
  /** The error `code` of the body. @default `rate_limit` for 429, none otherwise */
  code?: string;
  /**
   * The error `message` of the body, e.g. Stripe's `Unrecognized request URL (POST: /v1/…)` for an
   * endpoint the account does not have. @default a message saying the fault was injected
   */
  message?: string;
  /** Destroy the socket without answering and without carrying the request out (the client sees ECONNRESET). */
  drop?: true;
  /**
   * Carry the request out completely (state changed, idempotency result stored), then destroy the
   * socket before any answer is written: the lost answer that idempotency keys exist for.
   */
  lostResponse?: true;
  /**
   * Wait this long (ms) first. With `status` or `drop` the fault is delayed; alone or with
   * `lostResponse`, the request is handled normally and its answer (or the drop) held back (it then
   * keeps an idempotency key in flight meanwhile).
   */
  delayMs?: number;
  /** Send `Stripe-Should-Retry: true|false`, which the SDK obeys over its own retry rule. */
  shouldRetry?: boolean;
  /**
   * The share of matching requests that get the fault, drawn from the faults' random source (see
   * `Faults.random`); a request it spares may get a later fault. @default 1
   */
  rate?: number;
}

/** A fault picked for one request; `remaining` was already decremented. */
export interface ActiveFault {
  status?: number;
  code?: string;
  message?: string;
  drop: boolean;
  lostResponse: boolean;
  delayMs: number;
  shouldRetry?: boolean;
}

interface Installed {
  spec: FaultSpec;
  remaining: number;
}

/**
 * Runtime fault injection of one emulator. Faults apply in the order they were added, before routing
 * (after auth and rate limiting); each matching request uses up one of `times`.
 * `/_emulator/*` endpoints are never faulted, so health checks keep working.
 */
export class Faults {
  #installed: Installed[] = [];

  /** Where `rate` draws from: `Math.random` unless a test seeds its own (`faults.random = seeded(7)`). */
  random: () => number = Math.random;

  /** Add faults after those already installed. Throws a `TypeError` naming a bad field. */
  use(...specs: FaultSpec[]): void {
    for (const spec of specs) {
      validateFault(spec);
      this.#installed.push({ spec, remaining: spec.times ?? Number.POSITIVE_INFINITY });
    }
  }

  /** Remove every fault. */
  reset(): void {
    this.#installed = [];
  }

  /** Faults not yet used up, as given to `use`. */
  pending(): FaultSpec[] {
    return this.#installed.map((i) => i.spec);
  }

  /** The first fault matching this request, used up by one; `undefined` when none applies. */
  take(method: string, path: string): ActiveFault | undefined {
    if (path.startsWith('/_emulator/')) return undefined;
    const index = this.#installed.findIndex(({ spec }) => matches(spec, method, path) && (spec.rate === undefined || this.random() < spec.rate));
    const installed = this.#installed[index];
    if (!installed) return undefined;
    installed.remaining -= 1;
    if (installed.remaining <= 0) this.#installed.splice(index, 1);
    const { spec } = installed;
    const lostResponse = spec.lostResponse === true;
    const delayOnly = spec.status === undefined && spec.drop !== true && spec.delayMs !== undefined;
    const active: ActiveFault = { drop: spec.drop === true, lostResponse, delayMs: spec.delayMs ?? 0 };
    if (!delayOnly && !active.drop && !lostResponse) active.status = spec.status ?? 500;
    if (spec.code !== undefined) active.code = spec.code;
    if (spec.message !== undefined) active.message = spec.message;
    if (spec.shouldRetry !== undefined) active.shouldRetry = spec.shouldRetry;
    return active;
  }
}

function matches(spec: FaultSpec, method: string, path: string): boolean {
  if (spec.method !== undefined && spec.method.toUpperCase() !== method.toUpperCase()) return false;
  if (spec.path === undefined) return true;
  if (typeof spec.path === 'string') return spec.path === path;
  spec.path.lastIndex = 0; // a /g or /y pattern keeps state between tests
  return spec.path.test(path);
}

function validateFault(spec: FaultSpec): void {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new TypeError(`Expected fault \`${field}\` to be ${expected}, got \`${String(got)}\` (${typeof got})`);
  };
  if (spec.times !== undefined && !(spec.times === Number.POSITIVE_INFINITY || (Number.isInteger(spec.times) && spec.times >= 1))) {
    fail('times', 'an integer from 1 and up', spec.times);
  }
  if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 400 && spec.status <= 599)) {
    fail('status', 'an HTTP error status from 400 to 599', spec.status);
  }
  if (spec.delayMs !== undefined && !(Number.isFinite(spec.delayMs) && spec.delayMs >= 0)) {
    fail('delayMs', 'a number of milliseconds from 0 and up', spec.delayMs);
  }
  if (spec.drop !== undefined && spec.drop !== true) fail('drop', 'true or absent', spec.drop);
  if (spec.drop === true && spec.status !== undefined) fail('status', 'absent when `drop` is set', spec.status);
  if (spec.lostResponse !== undefined && spec.lostResponse !== true) fail('lostResponse', 'true or absent', spec.lostResponse);
  if (spec.lostResponse === true && spec.status !== undefined) fail('status', 'absent when `lostResponse` is set', spec.status);
  if (spec.lostResponse === true && spec.drop !== undefined) fail('drop', 'absent when `lostResponse` is set', spec.drop);
  if (spec.lostResponse === true && spec.shouldRetry !== undefined) fail('shouldRetry', 'absent when `lostResponse` is set', spec.shouldRetry);
  if (spec.message !== undefined && (typeof spec.message !== 'string' || spec.message === '')) fail('message', 'a non-empty string', spec.message);
  if (spec.rate !== undefined && !(Number.isFinite(spec.rate) && spec.rate > 0 && spec.rate <= 1)) fail('rate', 'a number above 0 and at most 1', spec.rate);
  if (spec.path !== undefined && typeof spec.path !== 'string' && !(spec.path instanceof RegExp)) {
    fail('path', 'a string or a RegExp', spec.path);
  }
}
