import type { ValidationBehavior } from '../domain/job.js';
import type { RunMode } from '../domain/row-status.js';
import type { InputEncoding } from '../input/input-encoding.js';
import { readRequestRows } from '../input/request-reader.js';
import { checkInput, type CheckedInput } from './check-input.js';
import { describeColumn } from '../input/request-columns.js';
import type { StateStore, StoredJob } from '../state/state-store.js';
import type { Logger } from '../io/logger.js';
import type { StripeGateway } from '../stripe/gateway.js';
import type { DriveContext } from './drive-context.js';
import { driveJob } from './drive-job.js';
import { followJob } from './follow-job.js';
import { rememberCustomerOwners } from './customer-owners.js';
import { RunMemory } from './run-memory.js';
import { JobWatcher } from './job-watcher.js';
import type { RateBudget } from './rate-budget.js';
import type { LookupMode } from './resolve-identifiers.js';
import type { ReportTotals } from './write-report.js';
import { ObjectVerifier, type VerificationCounts } from './verify-objects.js';
import type { DateOrder, DeadlineSpec } from '../domain/deadline.js';
import { CustomerLookup } from './customer-lookup.js';
import { JobScheduler } from './job-scheduler.js';
import { RequestIntake } from './request-intake.js';
import { ReportGate } from './report-gate.js';
import { RunReport } from './run-report.js';
import type { RecordColumnOptions } from '../input/request-record-columns.js';
import type { AfterErasureReport } from './after-erasure.js';

export interface RunOptions {
  inputPath: string;
  /** How messages, the state and the summary name the input. @default inputPath ("standard input" for `-`) */
  inputName?: string;
  /** `--encoding`; without it strict UTF-8, unless a BOM says UTF-16. */
  encoding?: InputEncoding;
  /** The identifier column, by header name or 1-based number. */
  column?: string;
  /** The received-date column, by header name or 1-based number; without it a known header, if any. */
  receivedColumn?: string;
  /** The request's own id column (`--request-id-column`), by header name or 1-based number; without it a known header, if any. */
  requestIdColumn?: string;
  /** Time allowed from receipt: gives each row's `due_by`. @default 1m (GDPR art. 12(3)) */
  deadline?: DeadlineSpec;
  /** How `NN/NN/YYYY` received dates read; without it they are refused as ambiguous. */
  dateOrder?: DateOrder;
  /** `--holidays`: due dates on them roll to the next working day. @default none */
  holidays?: ReadonlySet<string>;
  /** `--extension`: how far a notified extension moves `due_by`. @default 2m for month deadlines, 45d otherwise */
  extension?: DeadlineSpec;
  /** `--channel-column`, `--extension-column`. */
  recordColumns?: RecordColumnOptions;
  /** `--excel`: results.csv with a UTF-8 byte order mark, the input's delimiter and CRLF. */
  excel?: boolean;
  /** Whether an email no customer carries is looked up as guest Checkout Sessions. @default true */
  guests?: boolean;
  outDir: string;
  mode: RunMode;
  validationBehavior: ValidationBehavior;
  lookup: LookupMode;
  /** Jobs driven at once. @default 50 */
  jobConcurrency: number;
  /** How often waiting jobs are polled. @default 1000 (ms) */
  pollIntervalMs: number;
  /** How long one job may keep Stripe working (validating, redacting) before the run leaves it pending. @default 1800000 (ms) */
  jobTimeoutMs?: number;
  /** Identifiers resolved together before their jobs are packed. @default 200 */
  lookupBatchSize?: number;
  /** Whether the key is for live mode; every report row says so. */
  livemode: boolean;
  /** The Stripe account (`acct_…`) report.html names. */
  account?: string;
  /** The input as {@link checkInput} found it, when the caller checked it before sending anything; else checked here. */
  checkedInput?: CheckedInput;
  /** True when this run started its state: its not_found rows say the state has no history of them. */
  stateIsNew?: boolean;
}

export { checkInput, type CheckedInput } from './check-input.js';

export interface RunPorts {
  gateway: StripeGateway;
  budget: RateBudget;
  store: StateStore;
  logger: Logger;
  /**
   * Aborting it interrupts the run gracefully: no new request is started, jobs stay live in the
   * state, and the report is written with what is unfinished as `pending`.
   */
  signal?: AbortSignal;
  /** Told how far the run is (a progress bar on a TTY). */
  onProgress?: (progress: RunProgress) => void;
}

/**
 * How far a run is. `check`: the first pass over the input (`rows` so far, `totalRows` still 0);
 * `read`/`drive`: rows read, identifiers looked up of those queued, jobs finished of those started;
 * `report`: writing results.csv.
 */
export interface RunProgress {
  phase: 'check' | 'read' | 'drive' | 'report';
  rows: number;
  totalRows: number;
  lookupsDone: number;
  lookups: number;
  jobsDone: number;
  jobsStarted: number;
}

export interface RunSummary extends ReportTotals {
  runId: string;
  /** True when the run was interrupted (SIGINT/SIGTERM) and its unfinished rows are `pending`. */
  interrupted: boolean;
  mode: RunMode;
  livemode: boolean;
  toolVersion: string;
  /** The columns' version of results.csv (docs/contract.md#result-csv). */
  resultCsvVersion: number;
  /** SHA-256 of the results.csv written: which report. */
  resultsSha256: string;
  /** `<out>/report.html`: the same rows for a person. */
  reportPath: string;
  validationBehavior: ValidationBehavior;
  /** The `--deadline` each row's `due_by` was computed with (`1m`, `45d`, …). */
  deadline: string;
  /** 0-based input column of the request's own id, or null (`expire` keeps it). */
  requestIdColumn: number | null;
  input: string;
  /** SHA-256 of the input's bytes as read (BOM included), lower-case hex. */
  inputSha256: string;
  /** The identifier column: which, how it was chosen and why, and how many of its rows were unusable or no request. */
  column: { name: string; chosenBy: string; reason: string; unusableRows: number; skippedRows: number };
  /** True when this run started its state (`--fail-on new_state`). */
  stateIsNew: boolean;
  startedAt: string;
  endedAt: string;
  jobs: { driven: number; byStatus: Record<string, number> };
  /** Jobs that runs over other inputs left live: followed to record their outcome, never acted on. */
  otherInputs: { jobs: number; byStatus: Record<string, number> };
  apiCalls: { total: number; byOperation: Record<string, number>; rateLimited: number; peakPerSecond: number };
  /** Reads of objects whose job succeeded, for Stripe's word that they are redacted (their calls are `verify.*` in `apiCalls.byOperation`). */
  verification: VerificationCounts;
  /** People this run's watch found back after their erasure; null when no watch ran (not a redact run, or interrupted). */
  reappeared: number | null;
  /** What the watch read (`source`: events, customers, skipped), from when, how many pages. */
  watch: AfterErasureReport['watch'];
  /** Webhook endpoints that received personal data; null when the key may not read them. */
  recipients: AfterErasureReport['recipients'];
  /** `<out>/reappeared.csv` and `<out>/downstream.csv` (redact runs). */
  reappearedPath: string | null;
  downstreamPath: string | null;
}

/**
 * The flow of docs/architecture.md#the-flow: read → classify → plan → resolve → pack → drive → verify → report. The input is
 * streamed three times — to check it, to plan and drive, to report — and never held whole; jobs are driven
 * while reading goes on, with back-pressure so reading waits when enough jobs are queued.
 * Throws only what must stop the run: an input file error before anything is sent, a fatal
 * gateway error (authentication, permission), a state store failure.
 */
export async function runPipeline(options: RunOptions, ports: RunPorts): Promise<RunSummary> {
  const { store, logger, gateway } = ports;
  const inputName = options.inputName ?? options.inputPath;
  const checked =
    options.checkedInput ??
    (await checkInput(options, (rows) => ports.onProgress?.({ phase: 'check', rows, totalRows: 0, lookupsDone: 0, lookups: 0, jobsDone: 0, jobsStarted: 0 })));
  const { info, totalRows } = checked;

  const startedAt = store.now();
  const runId = store.startRun(options.mode, inputName);
  logRunStart(logger, runId, options.mode, checked);

  const count = { rows: 0, lookups: 0, lookupsDone: 0 };
  const progress = (phase: RunProgress['phase']) =>
    ports.onProgress?.({ phase, rows: count.rows, totalRows, lookupsDone: count.lookupsDone, lookups: count.lookups, jobsDone: scheduler.jobsDone, jobsStarted: scheduler.jobsStarted });
  // One stop signal for the whole run: the interrupt, or the first fatal error a driver throws.
  const scheduler = new JobScheduler({ store, runId, concurrency: options.jobConcurrency, ...(ports.signal ? { interrupt: ports.signal } : {}), onJobDone: () => progress('drive') });
  const interrupted = () => ports.signal?.aborted === true;
  const watcher = new JobWatcher(gateway, { pollIntervalMs: options.pollIntervalMs, maxWaitMs: options.jobTimeoutMs ?? 30 * 60_000 });
  // Only a redact run verifies: plan and validate runs redact nothing.
  const verifier = new ObjectVerifier({ gateway, store, logger, signal: scheduler.signal }, { recheckMs: Math.max(1, options.pollIntervalMs) });
  const memory = new RunMemory(rememberCustomerOwners(gateway));
  const ctx: DriveContext = {
    gateway,
    store,
    watcher,
    logger,
    mode: options.mode === 'validate' ? 'validate' : 'redact',
    behavior: options.validationBehavior,
    spawn: (objectIds) => scheduler.submit(objectIds),
    adopt: (twin, objectIds) => scheduler.adopt(twin, objectIds),
    memory,
    customerOf: memory.customerOf,
    ...(options.mode === 'redact' ? { verify: (ids: readonly string[]) => verifier.enqueue(ids) } : {}),
    signal: scheduler.signal,
  };
  scheduler.use({ drive: (job) => driveJob(job, ctx), follow: (job) => followJob(job, ctx) });
  const onInterrupt = () => logger.warn('interrupted: stopping; unfinished rows are reported pending and the next run continues them');
  // An AbortSignal aborts once: no `once` needed, and both listeners go in `finally`.
  ports.signal?.addEventListener('abort', onInterrupt);
  const onStop = () => {
    watcher.close();
    verifier.close();
  };
  scheduler.signal.addEventListener('abort', onStop);

  // The report begins now: rows settled before this run are written while Stripe works on the rest.
  const gate = new ReportGate((key) => store.foundSettledWhenNoted(key, runId));
  const report = new RunReport(options, ports, { checked, runId, startedAt, interrupted }, (row, key) => gate.ready(row, key));
  const lookup = new CustomerLookup({ gateway, store, logger, lookup: options.lookup, guests: options.guests ?? true, mode: options.mode });
  const intake = new RequestIntake({
    store,
    runId,
    mode: options.mode,
    guests: options.guests ?? true,
    lookup,
    batchSize: options.lookupBatchSize ?? 200,
    submit: (objectIds) => void scheduler.submit(objectIds),
    waitForRoom: () => scheduler.waitForRoom(options.jobConcurrency),
    onLookups: ({ queued = 0, done = 0 }) => {
      count.lookups += queued;
      count.lookupsDone += done;
      progress('read');
    },
    onNoted: (row) => gate.noted(row),
    onWaiting: (waiting) => gate.readingWaits(waiting),
  });
  try {
    // Read before this run creates any job of its own.
    const leftovers = leftoverJobs(store, options.mode);
    for await (const row of readRequestRows(info)) {
      if (scheduler.stopped) break;
      count.rows += 1;
      await intake.take(row);
    }
    if (!scheduler.stopped) intake.noteRows();
    gate.readingDone();
    if (!scheduler.stopped) {
      // Finish what earlier runs of this input left: unsent creates replay with their keys, failed
      // jobs re-validate. Jobs of other inputs are only followed, to record how they end: this run
      // acts on nothing its input does not name.
      for (const job of leftovers) {
        if (store.isJobOfRun(job.localId, runId)) scheduler.drive(job.status === 'unsent' ? { ...job, replayedCreate: true } : job);
        else if (job.stripeId && options.mode === 'redact') scheduler.follow(job);
      }
    }
    while (!scheduler.stopped && intake.hasPending) await intake.resolveBatch();
    if (!scheduler.stopped) intake.packRest();
    await scheduler.onIdle();
    // Before the report: what Stripe states now of every object of this input still waiting for proof.
    if (!scheduler.stopped && options.mode === 'redact') await verifier.finish(runId);
  } catch (error) {
    scheduler.fail(error);
  } finally {
    ports.signal?.removeEventListener('abort', onInterrupt);
    scheduler.signal.removeEventListener('abort', onStop);
    watcher.close();
    verifier.close();
  }
  try {
    scheduler.throwIfFatal();
  } catch (error) {
    // A run that must stop writes no report: the rows begun early are dropped with their file.
    gate.fail(error);
    await report.abandon();
    throw error;
  }

  progress('report');
  gate.open();
  return report.finish({ jobsDriven: scheduler.jobsStarted, otherInputs: scheduler.followed, verification: { ...verifier.counts } });
}

/**
 * Jobs earlier runs left live that this run takes up. A validate run takes up the failed jobs a
 * redact run kept for its input: validated again (with fix when asked), reported, then canceled —
 * so the advice "a validate run with fix will tell" holds for blocked rows too. The next redact
 * run gives their objects a new job. A plan run takes up nothing: it acts on no job.
 */
function leftoverJobs(store: StateStore, mode: RunMode): StoredJob[] {
  if (mode === 'redact') return store.liveJobs();
  return mode === 'validate' ? store.liveJobs().filter((job) => job.status === 'failed') : [];
}

function logRunStart(logger: Logger, runId: string, mode: RunMode, { info, totalRows }: CheckedInput): void {
  logger.info('run started', { run: runId, mode, rows: totalRows, column: info.identifierColumnName, encoding: info.decoding.encoding, encodingFrom: info.decoding.decidedBy });
  logger.info(`identifier column ${describeColumn(info.header, info.identifierColumn)} (${info.identifierColumnChoice.chosenBy}): ${info.identifierColumnChoice.reason}`, {
    column: info.identifierColumnName,
    chosenBy: info.identifierColumnChoice.chosenBy,
  });
  if (info.receivedColumn === null && info.dateLikeColumn !== null) {
    const name = info.header?.[info.dateLikeColumn] ?? String(info.dateLikeColumn + 1);
    logger.warn(
      `no received-date column was found, so deadlines are off for this file (no due_by, no overdue count); column ${describeColumn(info.header, info.dateLikeColumn)} looks like dates: name it with --received-column ${JSON.stringify(name)}`,
    );
  }
}
