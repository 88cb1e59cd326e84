import PQueue from 'p-queue';
import { addressesInCell, classifyIdentifier } from '../domain/identifier.js';
import { JobPacker } from '../domain/pack.js';
import type { ValidationBehavior } from '../domain/job.js';
import type { RunMode } from '../domain/row-status.js';
import type { InputEncoding } from '../io/input-encoding.js';
import { inspectRequestFile, readRequestRows, scanRequestFile, type ColumnUsability, type RequestFileInfo, type RequestRow } from '../io/request-reader.js';
import { InputFileError } from '../errors.js';
import { describeColumn } from '../io/request-columns.js';
import type { StateStore, StoredJob } from '../io/state-store.js';
import type { Logger } from '../io/logger.js';
import type { StripeGateway } from '../stripe/gateway.js';
import type { DriveContext } from './drive-context.js';
import { driveJob, followJob } from './drive-job.js';
import { rememberCustomerOwners } from './customer-owners.js';
import { JobWatcher } from './job-watcher.js';
import type { RateBudget } from './rate-budget.js';
import { resolveIdentifiers, type LookupMode, type PendingLookup } from './resolve-identifiers.js';
import { writeReport, type ReportTotals } from './write-report.js';
import { ObjectVerifier, type VerificationCounts } from './verify-objects.js';
import { RESULT_CSV_VERSION } from '../io/result-writer.js';
import { sha256OfFile } from '../io/file-digest.js';
import { packageVersion } from '../io/package-version.js';
import { DEFAULT_DEADLINE, formatDeadlineSpec, type DateOrder, type DeadlineSpec } from '../domain/deadline.js';
import { ReportCollector, writeReportHtml } from '../io/report-html.js';
import { join } from 'node:path';
import { findRecordColumns, type RecordColumnOptions, type RecordColumns } from '../io/request-record-columns.js';
import type { RequestFacts } from '../io/state-requests.js';
import { afterErasure, ErasureNotes, type AfterErasureReport } from './after-erasure.js';
import { renderAfterErasureSections } from '../io/after-erasure-html.js';

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

/** The input file, read whole once: where its identifiers are, and how many rows it has. */
export interface CheckedInput {
  info: RequestFileInfo;
  totalRows: number;
  /** How usable the identifier column is over the whole file. */
  column: ColumnUsability;
  /** SHA-256 of the input's bytes as read (BOM included), lower-case hex. */
  sha256: string;
  /** The request id, channel and extension columns (request-record-columns.ts). */
  recordColumns: RecordColumns;
}

/**
 * Reads the whole input once before anything is sent: a syntax error on line 900,000 must stop the
 * run (an `InputFileError`) while nothing has happened — not even the account read the CLI does first.
 */
export async function checkInput(
  options: Pick<RunOptions, 'inputPath' | 'inputName' | 'column' | 'receivedColumn' | 'requestIdColumn' | 'encoding' | 'recordColumns'>,
  onRows?: (rows: number) => void,
): Promise<CheckedInput> {
  const info = await inspectRequestFile(options.inputPath, {
    name: options.inputName ?? options.inputPath,
    ...(options.column !== undefined ? { column: options.column } : {}),
    ...(options.receivedColumn !== undefined ? { receivedColumn: options.receivedColumn } : {}),
    ...(options.requestIdColumn !== undefined ? { requestIdColumn: options.requestIdColumn } : {}),
    ...(options.encoding !== undefined ? { encoding: options.encoding } : {}),
  });
  // A whole pass before anything is sent: a syntax error or a byte that is no character on line
  // 900,000 must stop the run while nothing irreversible has happened.
  const recordColumns = findRecordColumns(info, options.recordColumns ?? {});
  const scan = await scanRequestFile(info, onRows);
  const { requests, invalid } = scan.column;
  // A column chosen by the tool that is mostly unusable is the wrong column far more often than a
  // file of bad requests: stop before anything is sent. Named with --column, it is the user's call.
  if (options.column === undefined && invalid * 2 > requests) {
    throw new InputFileError(describeUnusableColumn(info, scan.column), { code: 'INPUT_COLUMN_UNUSABLE', path: info.name });
  }
  return { info: { ...info, lastDataRow: scan.lastDataRow }, totalRows: scan.rows, sha256: scan.sha256, column: scan.column, recordColumns };
}

/** Why a column chosen without `--column` is refused: how much of it is unusable, and what looks better. */
function describeUnusableColumn(info: RequestFileInfo, column: ColumnUsability): string {
  const name = info.header === null ? `column ${info.identifierColumn + 1}` : JSON.stringify(info.identifierColumnName);
  const share = Math.round((column.invalid * 100) / column.requests);
  const better = column.betterColumns
    .slice(0, 3)
    .map((c) => `${info.header === null ? `column ${c.index + 1}` : JSON.stringify(c.name)} (${c.hits} of ${c.rows} rows are emails or Stripe ids)`);
  return (
    `${info.name}: the identifier column ${name} is unusable in ${column.invalid} of ${column.requests} rows (${share}%): they hold no email or Stripe id, ` +
    `so nothing was sent. ${better.length > 0 ? `Looks better: ${better.join(', ')}.` : 'No other column looks better.'} ` +
    `Name the column to read with --column (--column ${JSON.stringify(info.header === null ? String(info.identifierColumn + 1) : info.identifierColumnName)} to read this one anyway: its unusable rows are then reported invalid).`
  );
}

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
 * The flow of docs/architecture.md#the-flow: read → classify → plan → resolve → pack → drive → report. The input is
 * streamed three times — to check it, to plan and drive, to report — and never held whole; jobs are driven
 * while reading goes on, with back-pressure so reading waits when enough jobs are queued.
 * Throws only what must stop the run: an input file error before anything is sent, a fatal
 * gateway error (authentication, permission), a state store failure.
 */
export async function runPipeline(options: RunOptions, ports: RunPorts): Promise<RunSummary> {
  const { store, logger, gateway, budget } = ports;
  const inputName = options.inputName ?? options.inputPath;
  const { info, totalRows, sha256: inputSha256, recordColumns } =
    options.checkedInput ??
    (await checkInput(options, (rows) => ports.onProgress?.({ phase: 'check', rows, totalRows: 0, lookupsDone: 0, lookups: 0, jobsDone: 0, jobsStarted: 0 })));

  const startedAt = store.now();
  const runId = store.startRun(options.mode, inputName);
  logger.info('run started', { run: runId, mode: options.mode, rows: totalRows, column: info.identifierColumnName, encoding: info.decoding.encoding, encodingFrom: info.decoding.decidedBy });
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

  const watcher = new JobWatcher(gateway, { pollIntervalMs: options.pollIntervalMs, maxWaitMs: options.jobTimeoutMs ?? 30 * 60_000 });
  // Only a redact run verifies: plan and validate runs redact nothing.
  const verifier = new ObjectVerifier({ gateway, store, logger, ...(ports.signal ? { signal: ports.signal } : {}) }, { recheckMs: Math.max(1, options.pollIntervalMs) });
  const jobs = new PQueue({ concurrency: options.jobConcurrency });
  let fatal: unknown;
  let jobsStarted = 0;
  let jobsDone = 0;
  let rowsRead = 0;
  let lookups = 0;
  let lookupsDone = 0;
  const progress = (phase: RunProgress['phase'], rows = rowsRead) =>
    ports.onProgress?.({ phase, rows, totalRows, lookupsDone, lookups, jobsDone, jobsStarted });

  const ctx: DriveContext = {
    gateway,
    store,
    watcher,
    logger,
    mode: options.mode === 'validate' ? 'validate' : 'redact',
    behavior: options.validationBehavior,
    spawn: (objectIds) => submit(objectIds),
    adopt: (twin, objectIds) => {
      if (fatal || interrupted()) return;
      const job = store.insertJob(objectIds, twin.validationBehavior, runId);
      store.recordJobCreated(job, twin.id, twin.status, twin.created);
      drive(job);
    },
    canceledOutside: new Set(),
    succeededThisRun: new Set(),
    customerOf: rememberCustomerOwners(gateway),
    ...(options.mode === 'redact' ? { verify: (ids: readonly string[]) => verifier.enqueue(ids) } : {}),
    ...(ports.signal ? { signal: ports.signal } : {}),
  };
  const interrupted = () => ports.signal?.aborted === true;
  const onAbort = () => {
    logger.warn('interrupted: stopping; unfinished rows are reported pending and the next run continues them');
    jobs.clear();
    watcher.close();
    verifier.close();
  };
  ports.signal?.addEventListener('abort', onAbort, { once: true });
  const drive = (job: ReturnType<StateStore['insertJob']>) => {
    jobsStarted += 1;
    void jobs
      .add(async () => {
        if (fatal || interrupted()) return;
        try {
          await driveJob(job, ctx);
        } catch (error) {
          fatal ??= error;
          jobs.clear();
        } finally {
          jobsDone += 1;
          progress('drive');
        }
      })
      .catch((error: unknown) => {
        fatal ??= error;
      });
  };
  const followed = { jobs: 0, byStatus: {} as Record<string, number> };
  const follow = (job: StoredJob) => {
    followed.jobs += 1;
    void jobs
      .add(async () => {
        if (fatal || interrupted()) return;
        try {
          const status = await followJob(job, ctx);
          followed.byStatus[status] = (followed.byStatus[status] ?? 0) + 1;
        } catch (error) {
          fatal ??= error;
          jobs.clear();
        }
      })
      .catch((error: unknown) => {
        fatal ??= error;
      });
  };
  const submit = (objectIds: string[]): number | undefined => {
    if (objectIds.length === 0 || fatal || interrupted()) return undefined;
    const job = store.insertJob(objectIds, 'error', runId);
    drive(job);
    return job.localId;
  };

  try {
    // Read before this run creates any job of its own.
    // A validate run takes up the failed jobs a redact run kept for its input: validated again (with
    // fix when asked), reported, then canceled — so the advice "a validate run with fix will tell"
    // holds for blocked rows too. The next redact run gives their objects a new job.
    const leftovers = options.mode === 'redact' ? store.liveJobs() : options.mode === 'validate' ? store.liveJobs().filter((job) => job.status === 'failed') : [];
    const packer = new JobPacker();
    const searchUsable = { value: true };
    const batchSize = options.lookupBatchSize ?? 200;
    let batch: PendingLookup[] = [];
    const flush = async () => {
      const current = batch;
      batch = [];
      lookups += current.length;
      progress('read');
      const onLookedUp = (count: number) => {
        lookupsDone += count;
        progress('read');
      };
      await resolveIdentifiers(current, { gateway, store, logger, lookup: options.lookup, guests: options.guests ?? true, mode: options.mode, searchUsable, onLookedUp });
      if (options.mode === 'plan') return;
      for (const pending of current) {
        for (const id of store.objectsNeedingJobOf(pending.key)) {
          const full = packer.add(id);
          if (full) submit(full);
        }
      }
      // Back-pressure: read on only while few jobs wait for a slot.
      await jobs.onSizeLessThan(options.jobConcurrency);
    };

    // Rows are noted in the state a chunk at a time, in one transaction: a million rows must not
    // cost a million commits.
    let chunkRows: RequestRow[] = [];
    const noteChunk = () => {
      const rows = chunkRows;
      chunkRows = [];
      store.transaction(() => {
        for (const { identifier: cell, row, notARequest } of rows) {
          if (notARequest !== undefined) continue;
          const classified = classifyIdentifier(cell);
          if (classified.kind === 'invalid') {
            // Kept by keyed digest only, so that `show` can tell what became of the row.
            const keys = [
              { key: store.cellKey(cell), via: 'cell' as const },
              ...addressesInCell(cell).map((address) => ({ key: store.emailKey(address), via: 'address_in_cell' as const })),
            ];
            if (cell.trim() !== '') store.noteInvalidCell(keys, runId, row, classified.reason);
            continue;
          }
          const key = store.keyOf(classified);
          const seen = store.noteIdentifier(key, classified.type, runId, { guests: options.guests ?? true });
          if (seen.first) store.noteIdentifierRow(key, runId, row);
          if (seen.first && seen.needsLookup) batch.push({ key, classified });
        }
      });
    };
    for await (const row of readRequestRows(info)) {
      if (fatal || interrupted()) break;
      rowsRead += 1;
      chunkRows.push(row);
      if (chunkRows.length >= NOTE_CHUNK_ROWS) noteChunk();
      if (batch.length >= batchSize) {
        await flush();
        progress('read');
      }
    }
    if (!fatal && !interrupted()) noteChunk();
    if (!fatal && !interrupted() && options.mode !== 'plan') {
      // Finish what earlier runs of this input left: unsent creates replay with their keys, failed
      // jobs re-validate. Jobs of other inputs are only followed, to record how they end: this run
      // acts on nothing its input does not name.
      for (const job of leftovers) {
        if (store.isJobOfRun(job.localId, runId)) drive(job.status === 'unsent' ? { ...job, replayedCreate: true } : job);
        else if (job.stripeId && options.mode === 'redact') follow(job);
      }
    }
    while (!fatal && !interrupted() && batch.length > 0) await flush();
    if (!fatal && !interrupted()) {
      const last = packer.flush();
      if (last) submit(last);
    }
    await jobs.onIdle();
    // Before the report: what Stripe states now of every object of this input still waiting for proof.
    if (!fatal && !interrupted() && options.mode === 'redact') await verifier.finish(runId);
  } catch (error) {
    fatal ??= error;
  } finally {
    ports.signal?.removeEventListener('abort', onAbort);
    watcher.close();
    verifier.close();
  }
  if (fatal) {
    jobs.clear();
    throw fatal;
  }

  progress('report');
  // The register's rows, written a chunk at a time as the report goes (io/state-requests.ts).
  let requests: RequestFacts[] = [];
  const flushRequests = () => {
    store.recordRequests(requests, runId);
    requests = [];
  };
  const collector = new ReportCollector(info.identifierColumn, store.now().slice(0, 10), undefined, options.mode);
  const erasures = new ErasureNotes(store, info.identifierColumn, info.requestIdColumn);
  const totals = await writeReport(
    info,
    {
      outDir: options.outDir,
      mode: options.mode,
      runId,
      interrupted: interrupted(),
      livemode: options.livemode,
      deadline: options.deadline ?? DEFAULT_DEADLINE,
      ...(options.dateOrder !== undefined ? { dateOrder: options.dateOrder } : {}),
      ...(options.holidays !== undefined ? { holidays: options.holidays } : {}),
      ...(options.extension !== undefined ? { extension: options.extension } : {}),
      recordColumns,
      onRequest: (facts) => {
        requests.push(facts);
        if (requests.length >= NOTE_CHUNK_ROWS) flushRequests();
      },
      stateIsNew: options.stateIsNew ?? false,
      ...(options.excel ? { excel: true } : {}),
      onRow: (row, facts) => {
        collector.add(row, facts);
        erasures.add(row);
      },
    },
    store,
  );
  flushRequests();
  erasures.flush();
  const resultsSha256 = await sha256OfFile(totals.resultsPath);
  const after = await afterErasure({
    gateway,
    store,
    logger,
    runId,
    outDir: options.outDir,
    redact: options.mode === 'redact' && !interrupted(),
    ...(ports.signal ? { signal: ports.signal } : {}),
  });
  const endedAt = store.now();
  const reportPath = join(options.outDir, 'report.html');
  await writeReportHtml(
    reportPath,
    {
      account: options.account ?? null,
      livemode: options.livemode,
      mode: options.mode,
      runId,
      startedAt,
      endedAt,
      input: inputName,
      inputSha256,
      resultsSha256,
      interrupted: interrupted(),
      identifierColumn: `${info.identifierColumnName} (${info.identifierColumnChoice.reason})`,
      deadline: formatDeadlineSpec(options.deadline ?? DEFAULT_DEADLINE),
      extraSections: renderAfterErasureSections({
        reappeared: after.reappeared === null ? null : after.reappearedRows,
        ...(after.watch?.note ? { watchNote: after.watch.note } : {}),
        recipients: after.recipients,
      }),
    },
    collector,
  );
  const summary: RunSummary = {
    runId,
    interrupted: interrupted(),
    mode: options.mode,
    livemode: options.livemode,
    toolVersion: packageVersion(),
    resultCsvVersion: RESULT_CSV_VERSION,
    resultsSha256,
    reportPath,
    validationBehavior: options.validationBehavior,
    deadline: formatDeadlineSpec(options.deadline ?? DEFAULT_DEADLINE),
    requestIdColumn: recordColumns.requestId,
    input: inputName,
    inputSha256,
    column: {
      name: info.identifierColumnName,
      chosenBy: info.identifierColumnChoice.chosenBy,
      reason: info.identifierColumnChoice.reason,
      unusableRows: totals.statuses.invalid,
      skippedRows: totals.statuses.skipped,
    },
    stateIsNew: options.stateIsNew ?? false,
    startedAt,
    endedAt,
    ...totals,
    jobs: { driven: jobsStarted, byStatus: store.jobCounts(runId) },
    otherInputs: followed,
    apiCalls: {
      total: budget.totalCalls,
      byOperation: budget.callCounts(),
      rateLimited: budget.rateLimitedCount,
      peakPerSecond: budget.peakRequestsPerSecond(),
    },
    verification: { ...verifier.counts },
    reappeared: after.reappeared,
    watch: after.watch,
    recipients: after.recipients,
    reappearedPath: after.reappearedPath,
    downstreamPath: after.downstreamPath,
  };
  store.endRun(runId, summary);
  logger.info('run finished', { run: runId, rows: totals.rows, statuses: totals.statuses, apiCalls: summary.apiCalls.total });
  return summary;
}

/** Rows noted in the state per transaction. */
const NOTE_CHUNK_ROWS = 500;

