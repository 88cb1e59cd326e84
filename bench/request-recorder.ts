/**
 * Records every request the emulator answers, as the server saw it: when it arrived, what it was,
 * and what it answered. Feeds the benchmark's counts and its sliding-window peak.
 */
import { performance } from 'node:perf_hooks';
import type { RequestLogEntry } from '../src/emulator/index.js';

export interface RecordedRequest {
  /** Arrival at the server, in ms on the `performance.now()` clock (the one the emulator times with). */
  arrivedMs: number;
  kind: string;
  status: number;
  code?: string;
}

const JOBS = '/v1/privacy/redaction_jobs';

/** Names a request by what it does: `customers.search`, `redaction_jobs.retrieve`, …. */
export function requestKind(method: string, path: string): string {
  if (path === '/v1/customers/search') return 'customers.search';
  if (path === '/v1/customers') return method === 'GET' ? 'customers.list' : 'customers.create';
  if (path.startsWith('/v1/customers/')) return method === 'GET' ? 'customers.retrieve' : `customers.${method.toLowerCase()}`;
  if (path === '/v1/checkout/sessions') return method === 'GET' ? 'checkout.sessions.list' : 'checkout.sessions.create';
  if (path === JOBS) return method === 'GET' ? 'redaction_jobs.list' : 'redaction_jobs.create';
  if (path.startsWith(`${JOBS}/`)) {
    const action = path.slice(JOBS.length + 1).split('/')[1];
    if (action === undefined) return method === 'GET' ? 'redaction_jobs.retrieve' : 'redaction_jobs.update';
    return `redaction_jobs.${action}`;
  }
  // One object of a resource read by id (a related object looked up to pin its error on a customer).
  const retrieve = /^\/v1\/([a-z_]+)\/([a-z]+_[^/]+)$/.exec(path);
  if (method === 'GET' && retrieve) return `${retrieve[1]}.retrieve`;
  // Anything else: method and the path with ids blanked, so unexpected calls still group.
  return `${method} ${path.replace(/\/[a-z]+_[A-Za-z0-9]{3,}[A-Za-z0-9_]*/g, '/:id')}`;
}

export class RequestRecorder {
  readonly requests: RecordedRequest[] = [];

  /** The emulator `logger` option. */
  readonly logger = (entry: RequestLogEntry): void => {
    if (entry.path.startsWith('/_emulator/')) return;
    const recorded: RecordedRequest = { arrivedMs: performance.now() - entry.durationMs, kind: requestKind(entry.method, entry.path), status: entry.status };
    if (entry.code !== undefined) recorded.code = entry.code;
    this.requests.push(recorded);
  };

  /** Requests by kind, sorted by name. */
  byKind(): Record<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.requests) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Answers by HTTP status (and error code, for errors). */
  byStatus(): Record<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.requests) {
      const key = r.status < 400 ? String(r.status) : `${r.status}${r.code ? ` ${r.code}` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /**
   * The most requests (matching `filter`) that arrived within any window of `windowMs`, the way
   * the emulator's limiter counts: arrivals in `(t - windowMs, t]`.
   */
  peakInWindow(filter: (r: RecordedRequest) => boolean = () => true, windowMs = 1000): number {
    const times = this.requests
      .filter(filter)
      .map((r) => r.arrivedMs)
      .sort((a, b) => a - b);
    let peak = 0;
    let lo = 0;
    for (let hi = 0; hi < times.length; hi++) {
      while ((times[hi] as number) - (times[lo] as number) >= windowMs) lo++;
      peak = Math.max(peak, hi - lo + 1);
    }
    return peak;
  }

  /** Share of requests that arrived less than `gapMs` after the one before: near 1 means bursts, near 0 means paced. */
  burstShare(gapMs = 2): number {
    const times = this.requests.map((r) => r.arrivedMs).sort((a, b) => a - b);
    let close = 0;
    for (let i = 1; i < times.length; i++) if ((times[i] as number) - (times[i - 1] as number) < gapMs) close += 1;
    return times.length > 1 ? close / (times.length - 1) : 0;
  }

  /** Arrival times of windows that held more than `limit` requests (start of each offending window). */
  windowsOver(limit: number, filter: (r: RecordedRequest) => boolean = () => true, windowMs = 1000): number[] {
    const times = this.requests
      .filter(filter)
      .map((r) => r.arrivedMs)
      .sort((a, b) => a - b);
    const starts: number[] = [];
    let lo = 0;
    for (let hi = 0; hi < times.length; hi++) {
      while ((times[hi] as number) - (times[lo] as number) >= windowMs) lo++;
      if (hi - lo + 1 > limit && starts.at(-1) !== times[lo]) starts.push(times[lo] as number);
    }
    return starts;
  }
}
