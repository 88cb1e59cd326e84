/** One line of the emulator's request log. Never holds query strings or bodies: they carry emails. */
export interface RequestLogEntry {
  /** The `Request-Id` header sent back (`req_…`). */
  requestId: string;
  method: string;
  /** The path without its query string. */
  path: string;
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
