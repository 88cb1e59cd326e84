import { join } from 'node:path';
import { DEFAULT_DEADLINE, formatDeadlineSpec } from '../domain/deadline.js';
import { sha256OfFile } from '../io/file-digest.js';
import { packageVersion } from '../io/package-version.js';
import { ReportCollector, writeReportHtml } from '../report/report-html.js';
import { RESULT_CSV_VERSION } from '../report/result-writer.js';
import type { CheckedInput, RunOptions, RunPorts, RunSummary } from './run-pipeline.js';
import type { VerificationCounts } from './verify-objects.js';
import { writeReport } from './write-report.js';
import type { RequestFacts } from '../state/state-requests.js';
import { afterErasure, ErasureNotes } from './after-erasure.js';
import { renderAfterErasureSections } from '../report/after-erasure-html.js';

/** The register's rows written to the state per transaction, as the report goes. */
const REQUEST_CHUNK_ROWS = 500;

/** What the run did, as the report and the summary tell it. */
export interface RunFacts {
  checked: CheckedInput;
  runId: string;
  startedAt: string;
  /** Whether the run was interrupted, asked as each part of the report is written. */
  interrupted: () => boolean;
  jobsDriven: number;
  otherInputs: RunSummary['otherInputs'];
  verification: VerificationCounts;
}

/**
 * The run's report: results.csv (the third pass over the input), report.html from the very same
 * rows, and the summary, which ends the run in the state.
 */
export async function writeRunReport(options: RunOptions, ports: Pick<RunPorts, 'store' | 'logger' | 'budget' | 'gateway' | 'signal'>, facts: RunFacts): Promise<RunSummary> {
  const { store, logger, budget, gateway } = ports;
  const { checked, runId, startedAt, interrupted } = facts;
  const { info } = checked;
  const inputName = options.inputName ?? options.inputPath;
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
      interrupted: interrupted(),
      livemode: options.livemode,
      deadline: options.deadline ?? DEFAULT_DEADLINE,
      ...(options.dateOrder !== undefined ? { dateOrder: options.dateOrder } : {}),
      ...(options.holidays !== undefined ? { holidays: options.holidays } : {}),
      ...(options.extension !== undefined ? { extension: options.extension } : {}),
      recordColumns: checked.recordColumns,
      onRequest: (request) => {
        requests.push(request);
        if (requests.length >= REQUEST_CHUNK_ROWS) flushRequests();
      },
      stateIsNew: options.stateIsNew ?? false,
      ...(options.excel ? { excel: true } : {}),
      onRow: (row, rowFacts) => {
        collector.add(row, rowFacts);
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
