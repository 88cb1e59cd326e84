/**
 * `expire --reports DIR…`: the report files of runs older than the cut-off, rewritten in their
 * expired form (report/results-expiry.ts) — results.csv with every input cell but the request id
 * `[expired]`, report.html built again from those rows. A run's directory is one holding a
 * summary.json, in DIR or one level below it. A results.csv is rewritten only when the ledger names
 * it as its run's (or, for a run before the ledger, when summary.json's digest matches it): a file
 * changed since its run wrote it is left as it is and reported.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256OfFile } from '../io/file-digest.js';
import type { LedgerEntry, StoredLedgerEntry } from '../state/ledger.js';
import { ReportCollector, writeReportHtml } from '../report/report-html.js';
import { EXPIRED_CELL, resultRowOf, writeExpiredResults } from '../report/results-expiry.js';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { writeTextFileAtomic } from '../report/result-writer.js';

/**
 * The other files a run writes that name a request, and their identifying columns: the Stripe ids
 * of erased (downstream.csv) and returned (reappeared.csv) people. Request ids, dates and the keyed
 * digests of emails stay.
 */
const OTHER_FILES: Record<string, readonly string[]> = { 'downstream.csv': ['object_ids'], 'reappeared.csv': ['customer_id', 'customer_created'] };

/** What happened, or would happen, to one run's directory. */
export interface ReportExpiry {
  dir: string;
  runId: string;
  action: 'expired' | 'already_expired' | 'kept_recent' | 'other_state' | 'refused';
  why?: string;
}

/** The run directories under each of `dirs`: those holding a summary.json, and those one level below. */
function runDirectories(dirs: readonly string[]): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    if (existsSync(join(dir, 'summary.json'))) found.push(dir);
    for (const name of readdirSync(dir).sort()) {
      const sub = join(dir, name);
      if (statSync(sub).isDirectory() && existsSync(join(sub, 'summary.json'))) found.push(sub);
    }
  }
  return found;
}

export async function expireReports(
  dirs: readonly string[],
  cutoff: string,
  ledger: readonly StoredLedgerEntry[],
  options: { dryRun: boolean; runIds: ReadonlySet<string> },
): Promise<ReportExpiry[]> {
  const entries = new Map(ledger.map((e) => [e.runId, JSON.parse(e.entry) as LedgerEntry]));
  const outcomes: ReportExpiry[] = [];
  for (const dir of runDirectories(dirs)) {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    const runId = String(summary.runId ?? '(unknown run)');
    const endedAt = typeof summary.endedAt === 'string' ? summary.endedAt : '';
    // Another state's run is that state's to expire: its ledger, its request ids.
    if (!options.runIds.has(runId)) {
      outcomes.push({ dir, runId, action: 'other_state' });
      continue;
    }
    if (endedAt === '' || endedAt.slice(0, 10) > cutoff) {
      outcomes.push({ dir, runId, action: 'kept_recent' });
      continue;
    }
    const resultsPath = join(dir, 'results.csv');
    if (!existsSync(resultsPath)) {
      outcomes.push({ dir, runId, action: 'refused', why: 'no results.csv beside its summary.json' });
      continue;
    }
    const sha = await sha256OfFile(resultsPath);
    const entry = entries.get(runId);
    const requestIdColumn = entry ? entry.requestIdColumn : typeof summary.requestIdColumn === 'number' ? summary.requestIdColumn : null;
    if (entry ? sha === entry.resultsExpiredSha256 : false) {
      outcomes.push({ dir, runId, action: 'already_expired' });
      continue;
    }
    const original = entry ? entry.resultsSha256 : summary.resultsSha256;
    if (sha !== original) {
      outcomes.push({ dir, runId, action: 'refused', why: `its results.csv is not the one run ${runId} wrote (sha256 ${sha}): left as it is` });
      continue;
    }
    outcomes.push({ dir, runId, action: 'expired', ...(entry ? {} : { why: 'run before the ledger: checked against its summary.json only' }) });
    if (options.dryRun) continue;
    // report.html again, from the expired rows as they stream past: it shows nothing results.csv no longer holds.
    const mode = String(summary.mode ?? 'redact');
    const collector = new ReportCollector(0, endedAt.slice(0, 10), undefined, mode);
    const expiredSha = await writeExpiredResults(resultsPath, requestIdColumn, (record, inputColumns) => collector.add(resultRowOf(record, inputColumns)));
    await writeReportHtml(
      join(dir, 'report.html'),
      {
        account: typeof summary.account === 'string' ? summary.account : null,
        livemode: summary.livemode === true,
        mode,
        runId,
        startedAt: String(summary.startedAt ?? ''),
        endedAt,
        input: String(summary.input ?? ''),
        inputSha256: String(summary.inputSha256 ?? ''),
        resultsSha256: expiredSha,
        interrupted: summary.interrupted === true,
        identifierColumn: '[expired]',
        ...(typeof summary.deadline === 'string' ? { deadline: summary.deadline } : {}),
      },
      collector,
    );
    for (const [name, columns] of Object.entries(OTHER_FILES)) await expireColumns(join(dir, name), columns);
  }
  return outcomes;
}

/** Replaces the named columns' cells (not the header) of a small CSV the run wrote by {@link EXPIRED_CELL}, if the file exists. */
async function expireColumns(path: string, columns: readonly string[]): Promise<void> {
  if (!existsSync(path)) return;
  const [header = [], ...records] = parse(readFileSync(path, 'utf8'), { bom: true, relax_column_count: true }) as string[][];
  const indexes = new Set(columns.map((c) => header.indexOf(c)).filter((i) => i !== -1));
  const key = header.indexOf('request_key');
  // A request made by Stripe id is keyed by that id (`id:cus_…`): an identifier, so it goes too.
  const expired = records.map((record) => record.map((cell, i) => (indexes.has(i) || (i === key && cell.startsWith('id:')) ? EXPIRED_CELL : cell)));
  await writeTextFileAtomic(path, stringify([header, ...expired]));
}
