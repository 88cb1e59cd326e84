/**
 * The merge of a platform run: the accounts' own results.csv back into one in input order, an
 * index report.html naming each account's report, and the totals over the accounts.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse';
import { describeNonRequest } from '../domain/export-footer.js';
import { classifyIdentifier } from '../domain/identifier.js';
import { ROW_STATUSES, type RowStatus } from '../domain/row-status.js';
import { inspectRequestFile, readRequestRows, type RequestFileInfo } from '../input/request-reader.js';
import { inputColumnNames, RESULT_COLUMNS, resultRecord, writeResultRecordsFile, writeTextFileAtomic, type ResultRow } from '../report/result-writer.js';
import { escapeHtml } from '../report/escape-html.js';
import { partColumnName, type AccountPart, type AccountSplit } from '../input/split-by-account.js';
import type { AccountOutcome } from './run-accounts.js';
import type { RunConfig } from './run-config.js';

export function zeroStatuses(): Record<RowStatus, number> {
  return Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])) as Record<RowStatus, number>;
}

/** Totals over the accounts: rows per status from the merged file itself; jobs, calls and deadlines summed. */
export function totalsOf(outcomes: AccountOutcome[], merged: { statuses: Record<RowStatus, number>; rows: number }) {
  const jobs = { driven: 0, byStatus: {} as Record<string, number> };
  const otherInputs = { jobs: 0, byStatus: {} as Record<string, number> };
  const apiCalls = { total: 0, byOperation: {} as Record<string, number>, rateLimited: 0, peakPerSecond: 0 };
  const deadlines = { overdue: 0, dueWithin7Days: 0, withoutDate: 0, settledLate: 0 };
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
  };
  for (const { summary } of outcomes) {
    if (!summary) continue;
    jobs.driven += summary.jobs.driven;
    add(jobs.byStatus, summary.jobs.byStatus);
    otherInputs.jobs += summary.otherInputs.jobs;
    add(otherInputs.byStatus, summary.otherInputs.byStatus);
    apiCalls.total += summary.apiCalls.total;
    add(apiCalls.byOperation, summary.apiCalls.byOperation);
    apiCalls.rateLimited += summary.apiCalls.rateLimited;
    // Each account has its own limit: the peak that matters is each account's, the largest shown here.
    apiCalls.peakPerSecond = Math.max(apiCalls.peakPerSecond, summary.apiCalls.peakPerSecond);
    add(deadlines, summary.deadlines);
  }
  return { rows: merged.rows, statuses: merged.statuses, jobs, otherInputs, apiCalls, deadlines };
}

/**
 * One results.csv in input order from the accounts' own: each input row takes the next row of its
 * account's report, with the input's row number; a failed account's rows and blank separator lines
 * are written here. Also an index report.html naming each account's report.
 */
export async function mergeReports(config: RunConfig, info: RequestFileInfo, split: AccountSplit, outcomes: AccountOutcome[]) {
  const width = Math.max(info.columnCount, info.header?.length ?? 0);
  const columns = [...inputColumnNames(info.header, width), ...RESULT_COLUMNS];
  const statusAt = RESULT_COLUMNS.indexOf('status');
  const rowAt = RESULT_COLUMNS.indexOf('row');
  const statuses = zeroStatuses();
  const now = new Date().toISOString();
  const runIds = outcomes.flatMap((o) => (o.summary ? [o.summary.runId] : []));
  const fallbackRunId = runIds[0] ?? '';
  let rows = 0;

  /** The rows of each account, as its report wrote them or as they stand when it did not run. */
  const sources = split.parts.map((part, index) => partRecords(part, outcomes[index]!));
  async function* partRecords(part: AccountPart, outcome: AccountOutcome): AsyncGenerator<string[]> {
    if (outcome.summary) {
      const parser = createReadStream(outcome.summary.resultsPath).pipe(parse({ bom: true, relax_column_count: true }));
      let first = true;
      for await (const record of parser as AsyncIterable<string[]>) {
        if (first) {
          first = false;
          continue;
        }
        const inputCells = record.slice(0, record.length - RESULT_COLUMNS.length);
        while (inputCells.length < width) inputCells.push('');
        yield [...inputCells.slice(0, width), ...record.slice(record.length - RESULT_COLUMNS.length)];
      }
      return;
    }
    const partInfo = await inspectRequestFile(part.path, { name: info.name, column: partColumnName(info.identifierColumn) });
    for await (const row of readRequestRows(partInfo)) {
      const classified = classifyIdentifier(row.identifier);
      const result: ResultRow = {
        fields: row.fields,
        row: row.row,
        identifierType: classified.type,
        status: outcome.error?.status ?? 'failed',
        objectIds: [],
        jobId: null,
        earlierJobIds: [],
        blockingCodes: [],
        fixes: [],
        messages: [outcome.error?.message ?? 'this account did not run'],
        dueBy: null,
        runId: fallbackRunId,
        livemode: config.livemode,
        updatedAt: now,
        verifiedAt: null,
      };
      yield resultRecord(result, width);
    }
  }

  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  // Each part's rows in its own numbering → the input's: a message naming a row ("duplicate of row
  // 3") names the part's row, and must name the input's.
  const globalRows = split.parts.map((part) => new Int32Array(part.rows));
  {
    const seen = new Int32Array(split.parts.length);
    for (let k = 0; k < split.order.length; k += 1) {
      const index = split.order[k]!;
      if (index >= 0) globalRows[index]![seen[index]!++] = split.rowNumbers[k]!;
    }
  }
  const messagesAt = RESULT_COLUMNS.indexOf('messages');
  async function* records(): AsyncGenerator<string[]> {
    for (let k = 0; k < split.order.length; k += 1) {
      const index = split.order[k]!;
      const row = split.rowNumbers[k]!;
      let record: string[];
      if (index === -1) {
        const separator = split.separators.get(row);
        record = resultRecord(
          {
            fields: separator?.fields ?? [],
            row,
            identifierType: 'unknown',
            status: 'skipped',
            objectIds: [],
            jobId: null,
            earlierJobIds: [],
            blockingCodes: [],
            fixes: [],
            messages: separator?.kind !== undefined ? [describeNonRequest(separator.kind)] : ['a blank line: no request'],
            dueBy: null,
            runId: fallbackRunId,
            livemode: config.livemode,
            updatedAt: now,
            verifiedAt: null,
          },
          width,
        );
      } else {
        const next = await iterators[index]!.next();
        if (next.done) throw new Error(`internal: the report of account ${split.parts[index]?.account || 'own'} ended before input row ${row}`);
        record = next.value;
        record[width + rowAt] = String(row);
        const rowsOfPart = globalRows[index]!;
        const messages = record[width + messagesAt];
        if (messages?.includes('of row ')) {
          record[width + messagesAt] = messages.replace(/\bof row (\d+)\b/g, (whole, local: string) => {
            const global = rowsOfPart[Number(local) - 1];
            return global === undefined ? whole : `of row ${global}`;
          });
        }
      }
      const status = record[width + statusAt] as RowStatus;
      if (status in statuses) statuses[status] += 1;
      rows += 1;
      yield record;
    }
  }

  const resultsPath = join(config.outDir, 'results.csv');
  await writeResultRecordsFile(resultsPath, columns, records(), config.excel ? { excel: { delimiter: info.delimiter } } : {});
  const sha256 = await fileSha256(resultsPath);
  const reportPath = join(config.outDir, 'report.html');
  await writeTextFileAtomic(reportPath, accountsIndexHtml(outcomes, statuses, config));
  return { resultsPath, sha256, reportPath, statuses, rows, runIds };
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** report.html of a platform run: the totals, and for each account its counts and a link to its own report. */
function accountsIndexHtml(outcomes: AccountOutcome[], statuses: Record<RowStatus, number>, config: RunConfig): string {
  const counts = (s: Record<string, number>) =>
    Object.entries(s)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${escapeHtml(status)} ${n}`)
      .join(', ') || 'none';
  const rows = outcomes
    .map((o) => {
      const name = o.own ? `${escapeHtml(o.account || 'the key’s own account')} (own)` : escapeHtml(o.account);
      const statusCounts = o.summary ? counts(o.summary.statuses) : `${o.error?.status ?? 'failed'} ${o.rows}`;
      const link = o.summary ? `<a href="accounts/${o.own ? 'own' : escapeHtml(o.account)}/report.html">report</a>` : escapeHtml(o.error?.message ?? '');
      return `<tr><td>${name}</td><td>${o.rows}</td><td>${statusCounts}</td><td>${link}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stripe-redact ${escapeHtml(config.mode)} run over ${outcomes.length} account(s)</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;text-align:left}</style></head>
<body><h1>stripe-redact ${escapeHtml(config.mode)} run over ${outcomes.length} account(s)</h1>
<p>All rows: ${counts(statuses)}. Every row is in results.csv, in input order; each account's own report is linked below.</p>
<table><thead><tr><th>account</th><th>rows</th><th>statuses</th><th>report</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}
