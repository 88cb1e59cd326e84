/**
 * What a run does after its erasures (issue 18), apart from the flow of jobs: it notes each erased
 * request (its request id and its suppression digest, made while the email is at hand, since the
 * state never holds it), watches for people who came back, names the webhook endpoints that received
 * personal data, and writes `reappeared.csv` and `downstream.csv`. Reads a key may lack permission for
 * cost one warning each, never the run.
 */
import { classifyIdentifier } from '../domain/identifier.js';
import { recipientsOf, type Recipient } from '../domain/recipients.js';
import { GatewayError } from '../errors.js';
import { writeDownstreamCsv } from '../report/after-erasure-files.js';
import type { Logger } from '../io/logger.js';
import type { ResultRow } from '../report/result-writer.js';
import type { StateStore } from '../state/state-store.js';
import { suppressionDigest } from '../state/suppression-digest.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { reportReappearances, watchReappearances, type WatchOutcome } from './watch-reappearances.js';

/** Row statuses that mean the person's data is gone from Stripe. */
const ERASED: ReadonlySet<string> = new Set(['redacted', 'already_redacted']);

/** Rows noted per transaction. */
const CHUNK = 500;

/**
 * Sees each result row as the report is written and notes the erased ones in the state, a chunk per
 * transaction: the request id, the suppression digest of an email, the time it was first seen settled.
 */
export class ErasureNotes {
  #pending: { key: string; requestId: string | null; digest: string | null; settledAt: string }[] = [];
  readonly #suppressionKey: Buffer | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly identifierColumn: number,
    private readonly requestIdColumn: number | null,
  ) {
    this.#suppressionKey = store.suppressionKey();
  }

  add(row: ResultRow): void {
    if (!ERASED.has(row.status)) return;
    const classified = classifyIdentifier(row.fields[this.identifierColumn] ?? '');
    if (classified.kind === 'invalid') return;
    const requestId = this.requestIdColumn === null ? '' : (row.fields[this.requestIdColumn] ?? '').trim();
    this.#pending.push({
      key: this.store.keyOf(classified),
      requestId: requestId === '' ? null : requestId,
      digest: classified.kind === 'email' && this.#suppressionKey ? suppressionDigest(this.#suppressionKey, classified.email) : null,
      settledAt: row.updatedAt ?? this.store.now(),
    });
    if (this.#pending.length >= CHUNK) this.flush();
  }

  flush(): void {
    const rows = this.#pending;
    this.#pending = [];
    if (rows.length === 0) return;
    this.store.transaction(() => {
      for (const row of rows) this.store.noteErasure(row.key, { requestId: row.requestId, suppressionDigest: row.digest, settledAt: row.settledAt });
    });
  }
}

/** Permission a restricted key needs to list webhook endpoints, as docs/operations.md#the-state lists it. */
export const WEBHOOK_ENDPOINTS_PERMISSION = 'Webhook Endpoints: Read';

/** The account's endpoints that received personal data; null (and one warning) when the key may not read them. */
export async function readRecipients(gateway: StripeGateway, logger: Logger): Promise<Recipient[] | null> {
  try {
    return recipientsOf(await gateway.listWebhookEndpoints());
  } catch (error) {
    if (!(error instanceof GatewayError && error.kind === 'permission')) throw error;
    logger.warn(`the recipients of webhook events are not named: the key may not read webhook endpoints (${WEBHOOK_ENDPOINTS_PERMISSION})`);
    return null;
  }
}

/** What a run reports of the time after its erasures (summary.json, stderr, report.html). */
export interface AfterErasureReport {
  /** Reappearances this run's watch found; null when no watch ran (not a redact run, or interrupted). */
  reappeared: number | null;
  watch: Omit<WatchOutcome, 'reappeared'> | null;
  /** Endpoints that received personal data; null when they could not be read. */
  recipients: Recipient[] | null;
  reappearedPath: string | null;
  downstreamPath: string | null;
  /** For report.html: the reappearances found. */
  reappearedRows: WatchOutcome['reappeared'];
}

/** After the report pass of a run: watch (redact runs), recipients, and the two files. */
export async function afterErasure(options: {
  gateway: StripeGateway;
  store: StateStore;
  logger: Logger;
  runId: string;
  outDir: string;
  /** Only a redact run watches and writes the files; every run names the recipients. */
  redact: boolean;
  signal?: AbortSignal;
}): Promise<AfterErasureReport> {
  const { gateway, store, logger, runId, outDir } = options;
  // Interrupted: no new request starts (the contract of SIGINT/SIGTERM); the next run reads.
  if (options.signal?.aborted) return { reappeared: null, watch: null, recipients: null, reappearedPath: null, downstreamPath: null, reappearedRows: [] };
  // The erasures are done and reported by now: a read failing here is worth a warning, not the run.
  const recipients = await softly(() => readRecipients(gateway, logger), null, logger, 'the webhook endpoints could not be read');
  if (!options.redact) {
    return { reappeared: null, watch: null, recipients, reappearedPath: null, downstreamPath: null, reappearedRows: [] };
  }
  const watched = await softly(
    () => watchReappearances({ gateway, store, logger, runId, ...(options.signal ? { signal: options.signal } : {}) }),
    null,
    logger,
    'the reappearance watch could not read Stripe; the next run reads from the same cursor',
  );
  if (watched === null) {
    const downstreamPath = await writeDownstreamCsv(outDir, downstreamRows(store, runId));
    return { reappeared: null, watch: null, recipients, reappearedPath: null, downstreamPath, reappearedRows: [] };
  }
  const { reappeared, ...watch } = watched;
  const downstreamPath = await writeDownstreamCsv(outDir, downstreamRows(store, runId));
  if (watch.source === 'skipped') return { reappeared: null, watch, recipients, reappearedPath: null, downstreamPath, reappearedRows: [] };
  const reappearedPath = await reportReappearances(store, outDir, reappeared);
  return { reappeared: reappeared.length, watch, recipients, reappearedPath, downstreamPath, reappearedRows: reappeared };
}

/** Per erased request of the run's input, the Stripe ids other systems may hold copies under. */
function* downstreamRows(store: StateStore, runId: string) {
  for (const e of store.erasuresOfRun(runId)) yield { requestKey: e.key, requestId: e.requestId, objectIds: e.objectIds, settledOn: e.settledAt.slice(0, 10) };
}

/** `read()`, or `fallback` with one warning when Stripe could not be read (a retryable failure outlasted its retries, …). */
async function softly<T, F>(read: () => Promise<T>, fallback: F, logger: Logger, what: string): Promise<T | F> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    logger.warn(`${what}: ${error.message}`);
    return fallback;
  }
}
