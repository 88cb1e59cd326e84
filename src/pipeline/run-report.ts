import { join } from 'node:path';
import { DEFAULT_DEADLINE, formatDeadlineSpec } from '../domain/deadline.js';
import { sha256OfFile } from '../io/file-digest.js';
import { packageVersion } from '../io/package-version.js';
import { ReportCollector, writeReportHtml } from '../report/report-html.js';
import { RESULT_CSV_VERSION } from '../report/result-writer.js';
import type { CheckedInput, RunOptions, RunPorts, RunSummary } from './run-pipeline.js';
import type { VerificationCounts } from './verify-objects.js';
import { writeReport, type ReportTotals } from './write-report.js';
import type { RequestFacts } from '../state/state-requests.js';
import { afterErasure, ErasureNotes } from './after-erasure.js';
import { renderAfterErasureSections } from '../report/after-erasure-html.js';

/** The register's rows written to the state per transaction, as the report goes. */
const REQUEST_CHUNK_ROWS = 500;

/** What the report knows when it begins: the run and its input. */
export interface ReportStart {
  checked: CheckedInput;
  runId: string;
  startedAt: string;
  /** Whether the run was interrupted, asked as each part of the report is written. */
  interrupted: () => boolean;
}

/** What the run did, known once its jobs are over, as the summary tells it. */
export interface JobFacts {
  jobsDriven: number;
  otherInputs: RunSummary['otherInputs'];
  verification: VerificationCounts;
}

/** What the run did, as the report and the summary tell it. */
export type RunFacts = ReportStart & JobFacts;

type ReportPorts = Pick<RunPorts, 'store' | 'logger' | 'budget' | 'gateway' | 'signal'>;

/**
 * The run's report: results.csv (the third pass over the input), report.html from the very same
 * rows, and the summary, which ends the run in the state. Its rows may begin while the run's jobs
 * still run (`ready`, report-gate.ts): `finish` waits for the last of them, then writes the rest.
 */
export class RunReport {
  readonly #rows: Promise<{ totals: ReportTotals; collector: ReportCollector }>;

  constructor(
    private readonly options: RunOptions,
    private readonly ports: ReportPorts,
    private readonly start: ReportStart,
    ready?: (row: number, key: string | undefined) => Promise<void> | undefined,
  ) {
    this.#rows = writeRows(options, ports.store, start, ready);
    // Awaited by finish or abandon; until then a failure must not count as unhandled.
    this.#rows.catch(() => undefined);
  }

  /** The rows' pass stopped by a failing run: waits for it to end (its temporary file removed). */
  async abandon(): Promise<void> {
    await this.#rows.catch(() => undefined);
  }

  /** Waits for the last row, then writes the files after it and the summary, which ends the run. */
  async finish(facts: JobFacts): Promise<RunSummary> {
    const { totals, collector } = await this.#rows;
    return finishReport(this.options, this.ports, { ...this.start, ...facts }, totals, collector);
  }
}

/** results.csv, the register's lines and the erasures, row by row; report.html's rows collected. */
async function writeRows(
  options: RunOptions,
  store: ReportPorts['store'],
  { checked, runId, interrupted }: ReportStart,
  ready: ((row: number, key: string | undefined) => Promise<void> | undefined) | undefined,
): Promise<{ totals: ReportTotals; collector: ReportCollector }> {
  const { info } = checked;
  // The register's rows, written a chunk at a time as the report goes (state/state-requests.ts).
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
      interrupted,
      ready,
      livemode: options.livemode,
      deadline: options.deadline ?? DEFAULT_DEADLINE,
      dateOrder: options.dateOrder,
      holidays: options.holidays,
      extension: options.extension,
      recordColumns: checked.recordColumns,
      onRequest: (request) => {
        requests.push(request);
        if (requests.length >= REQUEST_CHUNK_ROWS) flushRequests();
      },
      stateIsNew: options.stateIsNew ?? false,
      excel: options.excel,
      onRow: (row, rowFacts) => {
        collector.add(row, rowFacts);
        erasures.add(row);
      },
    },
    store,
  );
  flushRequests();
  erasures.flush();
  return { totals, collector };
}

/** After the rows: results.csv's digest, what follows an erasure, report.html, and the summary. */
async function finishReport(options: RunOptions, ports: ReportPorts, facts: RunFacts, totals: ReportTotals, collector: ReportCollector): Promise<RunSummary> {
  const { store, logger, budget, gateway } = ports;
  const { checked, runId, startedAt, interrupted } = facts;
  const { info } = checked;
  const inputName = options.inputName ?? options.inputPath;
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
      inputSha256: checked.sha256,
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
    requestIdColumn: checked.recordColumns.requestId,
    input: inputName,
    inputSha256: checked.sha256,
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
    jobs: { driven: facts.jobsDriven, byStatus: store.jobCounts(runId) },
    otherInputs: facts.otherInputs,
    apiCalls: {
      total: budget.totalCalls,
      byOperation: budget.callCounts(),
      rateLimited: budget.rateLimitedCount,
      peakPerSecond: budget.peakRequestsPerSecond(),
    },
    verification: facts.verification,
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
