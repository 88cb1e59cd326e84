import { join } from 'node:path';
import { classifyIdentifier } from '../domain/identifier.js';
import { decideRowOutcome, type IdentifierOutcome } from '../domain/row-outcome.js';
import { ROW_STATUSES, type RowStatus, type RunMode } from '../domain/row-status.js';
import { readRequestRows, type RequestFileInfo } from '../io/request-reader.js';
import { writeResultsFile, type ResultRow } from '../io/result-writer.js';
import type { StateStore } from '../io/state-store.js';

/** Identifier outcomes kept for repeated rows. */
const RECENT_OUTCOMES = 5000;

export interface ReportTotals {
  rows: number;
  /** Rows per status; every status of the contract is present, zeros included. */
  statuses: Record<RowStatus, number>;
  resultsPath: string;
}

/**
 * Streams the input a second time and writes `<out>/results.csv`: one row per input row, in input
 * order, each a pure function of its identifier's state (rows repeating an identifier share its fate).
 */
export async function writeReport(
  info: RequestFileInfo,
  options: {
    outDir: string;
    mode: RunMode;
    runId: string;
    livemode: boolean;
    /** Sees every row as it is written (report.html is built from these very rows). */
    onRow?: (row: ResultRow) => void;
  },
  store: StateStore,
): Promise<ReportTotals> {
  const statuses = Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])) as Record<RowStatus, number>;
  let rows = 0;
  const now = store.now();

  // Rows repeating an identifier share its outcome: keep the latest few thousand at hand.
  const recent = new Map<string, IdentifierOutcome | undefined>();
  const outcomeOf = (key: string): IdentifierOutcome | undefined => {
    if (recent.has(key)) return recent.get(key);
    const outcome = store.identifierOutcome(key);
    if (recent.size >= RECENT_OUTCOMES) recent.delete(recent.keys().next().value as string);
    recent.set(key, outcome);
    return outcome;
  };

  async function* results(): AsyncGenerator<ResultRow> {
    for await (const row of readRequestRows(info)) {
      const classified = classifyIdentifier(row.identifier);
      const identifier = classified.kind === 'invalid' ? undefined : outcomeOf(store.keyOf(classified));
      const outcome = decideRowOutcome(classified, options.mode, identifier, now);
      statuses[outcome.status] += 1;
      rows += 1;
      const result: ResultRow = {
        fields: row.fields,
        row: row.row,
        identifierType: classified.type,
        status: outcome.status,
        objectIds: outcome.objectIds,
        jobId: outcome.jobIds.length > 0 ? outcome.jobIds.join(' ') : null,
        earlierJobIds: outcome.earlierJobIds,
        blockingCodes: outcome.blockingCodes,
        fixes: outcome.fixes,
        messages: outcome.messages,
        dueBy: null,
        runId: options.runId,
        livemode: options.livemode,
        updatedAt: outcome.updatedAt,
      };
      options.onRow?.(result);
      yield result;
    }
  }

  const resultsPath = join(options.outDir, 'results.csv');
  await writeResultsFile(resultsPath, info.header, info.columnCount, results());
  return { rows, statuses, resultsPath };
}
