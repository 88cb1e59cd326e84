import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from './api-error.js';
import { parseAdvanceSeconds, presentClock, MAX_ADVANCE_SECONDS, type EmulatorClock } from './clock.js';
import type { Faults } from './faults.js';
import { FormParseError, parseForm } from './form.js';
import { requestFingerprint, type IdempotencyStore, type RecordedResponse } from './idempotency.js';
import type { RateLimiter } from './rate-limiter.js';
import type { EmulatorLogger, RequestLogEntry } from './request-log.js';
import type { EmulatorSettings, FormObject, RouteKind } from './route.js';
import type { Router } from './router.js';
import type { EmulatorStore } from './store.js';
import { settleRedactions } from './redaction/redaction-status.js';

/** What the HTTP layer needs; all of it belongs to one emulator instance. */
export interface ServerDeps {
  router: Router;
  store: EmulatorStore;
  settings: EmulatorSettings;
  faults: Faults;
  /** The clock `/_emulator/clock` reads and moves. */
  clock: EmulatorClock;
  rateLimiter: RateLimiter;
  idempotency: IdempotencyStore;
  logger: EmulatorLogger;
  /** Added to every response except `/_emulator/*`, in ms. */
  latencyMs: number;
  /** `Stripe-Notice` sent on every API response, when set. */
  notice?: string;
  /** The `Stripe-Version` values served; any other is refused (see {@link versionRefused}). */
  apiVersions?: readonly string[];
}

/** Bodies above this are refused: the SDK never sends anything near it. */
const MAX_BODY_BYTES = 1024 * 1024;
const API_KEY = /^(sk|rk)_(test|live)_[0-9A-Za-z_]+$/;
/** Stripe allows idempotency keys up to 255 characters. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  note?: string;
}

/**
 * The emulator's HTTP front: auth → rate limit → faults → routing → idempotency → handler, every
 * answer JSON with a `Request-Id`, errors in Stripe's envelope, `_`-prefixed keys never sent.
 */
export function createEmulatorServer(deps: ServerDeps): Server {
  return createServer((req, res) => {
    void handleRequest(deps, req, res);
  });
}

async function handleRequest(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const startedAt = performance.now();
  const receivedAtMs = Date.now();
  const requestId = `req_${randomBytes(10).toString('base64url').replace(/[-_]/g, 'x')}`;
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = url.pathname;
  /** The named operation, once the route is known (per-endpoint limit, request log). */
  let operation: string | undefined;
  const log = (entry: Omit<RequestLogEntry, 'requestId' | 'method' | 'path' | 'durationMs'>): void => {
    deps.logger({ requestId, method, path, durationMs: performance.now() - startedAt, receivedAtMs, ...(operation ? { operation } : {}), ...entry });
  };
  /** Set by a `lostResponse` fault: the request is carried out, its answer never written. */
  let loseAnswer = false;
  const send = (answer: Answer): void => {
    if (res.destroyed) return;
    if (loseAnswer) {
      log({ status: 0, note: `fault: response lost (would have been ${answer.status})` });
      req.socket.destroy();
      return;
    }
    // Every body is public already: handler results pass `publicJson` once (a snapshot that an
    // idempotent replay can send later), error bodies carry no `_` keys.
    const payload = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(payload),
      'Request-Id': requestId,
      ...(deps.notice !== undefined && !path.startsWith('/_emulator/') ? { 'Stripe-Notice': deps.notice } : {}),
      ...answer.headers,
    });
    res.end(payload);
    const entry: Omit<RequestLogEntry, 'requestId' | 'method' | 'path' | 'durationMs'> = { status: answer.status };
    const code = errorCode(answer.body);
    if (code !== undefined) entry.code = code;
    if (answer.note !== undefined) entry.note = answer.note;
    log(entry);
  };
  const sendError = async (error: ApiError, extra: Omit<Answer, 'status' | 'body'> = {}): Promise<void> => {
    await sleep(deps.latencyMs);
    send({ status: error.status, body: error.toBody(), ...extra });
  };

  try {
    if (path === '/_emulator/health' && method === 'GET') {
      send({ status: 200, body: { status: 'ok' } });
      return;
    }
    // The clock, like health, is the emulator's own: no key, no rate limit, no faults.
    if (path === '/_emulator/clock' && method === 'GET') {
      send({ status: 200, body: presentClock(deps.clock) });
      return;
    }
    if (path === '/_emulator/clock/advance' && method === 'POST') {
      send(advanceClock(deps.clock, url.searchParams.get('seconds')));
      return;
    }
    const rawBody = await readBody(req);

    const auth = authenticate(req.headers.authorization);
    if (auth instanceof ApiError) return await sendError(auth);
    const refusedVersion = versionRefused(headerValue(req.headers['stripe-version']), deps.apiVersions);
    if (refusedVersion) return await sendError(refusedVersion, { note: 'unknown API version' });

    const match = deps.router.match(method, path);
    const kind: RouteKind = match?.route.kind ?? (method === 'GET' ? 'read' : 'write');
    operation = `${method} ${match?.route.path ?? path}`;
    const verdict = deps.rateLimiter.admit(kind, operation);
    if (verdict !== 'admitted') return await sendError(rateLimited(verdict));

    const fault = deps.faults.take(method, path);
    let heldBackMs = 0;
    if (fault) {
      if (fault.drop) {
        await sleep(fault.delayMs);
        log({ status: 0, note: 'fault: dropped' });
        req.socket.destroy();
        return;
      }
      if (fault.status !== undefined) {
        await sleep(fault.delayMs);
        const headers: Record<string, string> = {};
        if (fault.shouldRetry !== undefined) headers['Stripe-Should-Retry'] = String(fault.shouldRetry);
        return await sendError(injectedError(fault.status, fault.code, fault.message), { headers, note: 'fault' });
      }
      heldBackMs = fault.delayMs;
      loseAnswer = fault.lostResponse;
    }

    if (!match) {
      return await sendError(new ApiError(404, 'invalid_request_error', undefined, `Unrecognized request URL (${method}: ${path}).`), {
        note: 'unrecognized route',
      });
    }

    let query: FormObject;
    let body: FormObject;
    try {
      query = parseForm(url.search.slice(1));
      body = parseForm(rawBody);
    } catch (error) {
      if (error instanceof FormParseError) return await sendError(new ApiError(400, 'invalid_request_error', 'parameter_invalid', error.message, error.param));
      throw error;
    }

    const idempotencyKey = method === 'POST' ? headerValue(req.headers['idempotency-key']) : undefined;
    let finishIdempotent: ((response: RecordedResponse, options: { keep: boolean }) => void) | undefined;
    if (idempotencyKey !== undefined) {
      if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        return await sendError(new ApiError(400, 'invalid_request_error', 'idempotency_key_invalid', `Idempotency keys can be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long.`));
      }
      const decision = deps.idempotency.begin(auth.apiKey, idempotencyKey, requestFingerprint(method, path, body));
      switch (decision.kind) {
        case 'replay':
          await sleep(deps.latencyMs + heldBackMs);
          send({ ...decision.response, headers: { 'Idempotent-Replayed': 'true', 'Idempotency-Key': idempotencyKey } });
          return;
        case 'mismatch':
          return await sendError(
            new ApiError(
              400,
              'idempotency_error',
              undefined,
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            ),
          );
        case 'in_flight':
          return await sendError(
            new ApiError(409, 'invalid_request_error', 'idempotency_key_in_use', 'There is currently another in-progress request using this idempotency key. Please try again later.'),
          );
        case 'execute':
          finishIdempotent = decision.finish;
      }
    }

    let answer: Answer;
    try {
      // Statuses of redacted objects follow the clock: bring them up to now before any handler reads them.
      settleRedactions(deps.store, deps.settings);
      const result = await match.route.handler({
        method,
        path,
        params: match.params,
        query,
        body,
        livemode: auth.livemode,
        store: deps.store,
        settings: deps.settings,
        internal: false,
      });
      answer = { status: 200, body: publicJson(result) };
    } catch (error) {
      answer = error instanceof ApiError ? { status: error.status, body: error.toBody() } : unexpected(error);
    }
    // The key stays in flight through the latency, as a slow Stripe request would hold it.
    await sleep(deps.latencyMs + heldBackMs);
    // Stripe saves a result only once the endpoint started executing: not for parameter errors (4xx),
    // but for successes and server errors, which a retry with the same key then replays.
    finishIdempotent?.({ status: answer.status, body: answer.body }, { keep: answer.status < 400 || answer.status >= 500 });
    send(idempotencyKey === undefined ? answer : { ...answer, headers: { 'Idempotency-Key': idempotencyKey } });
  } catch (error) {
    send(error instanceof ApiError ? { status: error.status, body: error.toBody() } : unexpected(error));
  }
}

/** `POST /_emulator/clock/advance?seconds=N`: 200 with the new time, or 400 naming `seconds`. */
function advanceClock(clock: EmulatorClock, raw: string | null): Answer {
  const seconds = parseAdvanceSeconds(raw);
  if (seconds === undefined) {
    const error = new ApiError(
      400,
      'invalid_request_error',
      'parameter_invalid',
      `Invalid seconds: expected an integer from 0 to ${MAX_ADVANCE_SECONDS}, got ${raw === null ? 'none' : `'${raw}'`}.`,
      'seconds',
    );
    return { status: 400, body: error.toBody() };
  }
  clock.advance(seconds);
  return { status: 200, body: presentClock(clock, seconds), note: `clock advanced ${seconds} s` };
}

function unexpected(error: unknown): Answer {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    body: new ApiError(500, 'api_error', undefined, 'An unexpected error occurred in the emulator.').toBody(),
    note: `unexpected error: ${detail}`,
  };
}

function rateLimited(verdict: 'global' | 'search' | 'endpoint'): ApiError {
  const which = verdict === 'search' ? 'Search requests hit' : verdict === 'endpoint' ? 'Too many requests to this endpoint hit' : 'Too many requests hit';
  return new ApiError(429, 'invalid_request_error', 'rate_limit', `${which} the API too quickly. We recommend an exponential backoff of your requests.`);
}

function injectedError(status: number, code: string | undefined, message?: string): ApiError {
  if (status === 429) return new ApiError(429, 'invalid_request_error', code ?? 'rate_limit', message ?? 'Too many requests hit the API too quickly (injected fault).');
  if (status >= 500) return new ApiError(status, 'api_error', code, message ?? 'An injected server error occurred.');
  return new ApiError(status, 'invalid_request_error', code, message ?? 'An injected request error occurred.');
}

/**
 * A `Stripe-Version` the emulator does not know, refused as Stripe refuses an invalid version: 400
 * `invalid_request_error`, no code, the version named in the message. No header: the account's
 * default version, served.
 */
function versionRefused(version: string | undefined, known: readonly string[] | undefined): ApiError | undefined {
  if (version === undefined || known === undefined || known.includes(version)) return undefined;
  return new ApiError(400, 'invalid_request_error', undefined, `Invalid Stripe API version: ${version}. The versions this server knows: ${known.join(', ')}.`);
}

/** `Bearer <key>` (the SDK) or `Basic base64(<key>:)` (curl -u), as Stripe accepts both. */
function authenticate(header: string | undefined): ApiError | { apiKey: string; livemode: boolean } {
  let key: string | undefined;
  if (header?.startsWith('Bearer ')) key = header.slice('Bearer '.length).trim();
  else if (header?.startsWith('Basic ')) key = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8').split(':')[0];
  if (key === undefined || key === '') {
    return new ApiError(
      401,
      'authentication_error',
      undefined,
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const parsed = API_KEY.exec(key);
  if (!parsed) {
    // Never echo the key: only its shape.
    return new ApiError(401, 'authentication_error', 'api_key_invalid', 'Invalid API Key provided: expected sk_test_…, rk_test_…, sk_live_… or rk_live_….');
  }
  return { apiKey: key, livemode: parsed[2] === 'live' };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'invalid_request_error', 'request_too_large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function errorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as Record<string, unknown>).code;
  return typeof code === 'string' ? code : undefined;
}

/** A deep copy without keys that start with `_`: those are the emulator's internal bookkeeping. */
export function publicJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(publicJson);
  const out: Record<string, unknown> = {};
  // for…in without an entries array: this copy runs for every object of every answer.
  for (const key in value) {
    if (key.charCodeAt(0) === 95 /* _ */) continue;
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = publicJson(item);
  }
  return out;
}
