/** One line of the emulator's request log. Never holds query strings or bodies: they carry emails. */
export interface RequestLogEntry {
  /** The `Request-Id` header sent back (`req_…`). */
  requestId: string;
  method: string;
  /** The path without its query string. */
  path: string;
  /**
   * The named operation it counts against for the per-endpoint rate limit: the method and the
   * route's path template (`GET /v1/customers/:id`), or the method and path of an unknown route.
   */
  operation?: string;
  /** When the request arrived, in ms since the epoch (wall clock). */
  receivedAtMs?: number;
  /** HTTP status sent, or `0` when the connection was dropped on purpose (a `drop` or `lostResponse` fault). */
  status: number;
  /** Time from the request's arrival to its answer, including injected latency. */
  durationMs: number;
  /** The Stripe error `code` of an error answer. */
  code?: string;
  /** Why this request stands out: an unrecognised route, an injected fault, an unexpected exception. */
  note?: string;
}

/** Receives one entry per request. The emulator is silent by default; the CLI command writes to stderr. */
export type EmulatorLogger = (entry: RequestLogEntry) => void;

/** `POST /v1/customers 200 3ms req_…` plus the error code and note when there are any. */
export function formatRequestLog(entry: RequestLogEntry): string {
  const status = entry.status === 0 ? 'dropped' : String(entry.status);
  const parts = [entry.method, entry.path, status, `${Math.round(entry.durationMs)}ms`, entry.requestId];
  if (entry.code !== undefined) parts.push(`code=${entry.code}`);
  if (entry.note !== undefined) parts.push(`(${entry.note})`);
  return parts.join(' ');
}

/**
 * The most requests each operation received within any 1-second window (`[t, t + 1000)` by arrival),
 * from the request log: what the per-endpoint limit counts, measured at the server.
 */
export function peakRequestsPerOperation(entries: readonly RequestLogEntry[], windowMs = 1000): Record<string, number> {
  const arrivals = new Map<string, number[]>();
  for (const entry of entries) {
    if (entry.receivedAtMs === undefined) continue;
    const operation = entry.operation ?? `${entry.method} ${entry.path}`;
    arrivals.set(operation, [...(arrivals.get(operation) ?? []), entry.receivedAtMs]);
  }
  const peaks: Record<string, number> = {};
  for (const [operation, times] of arrivals) {
    times.sort((a, b) => a - b);
    let peak = 0;
    for (let first = 0, last = 0; last < times.length; last += 1) {
      while ((times[last] as number) - (times[first] as number) >= windowMs) first += 1;
      peak = Math.max(peak, last - first + 1);
    }
    peaks[operation] = peak;
  }
  return peaks;
}
