/**
 * The files written after an erasure (issue 18), each atomic and owner-only like results.csv:
 * `reappeared.csv`, `downstream.csv` and the suppression export. Cells a spreadsheet would run as a
 * formula are neutralised as in results.csv (a request id comes from the input).
 */
import { join } from 'node:path';
import { neutraliseCell } from './spreadsheet-safe.js';
import { writeLinesFileAtomic, writeTextFileAtomic } from './result-writer.js';

export const REAPPEARED_COLUMNS = ['customer_id', 'customer_created', 'request_key', 'request_id', 'settled_on'] as const;
export const DOWNSTREAM_COLUMNS = ['request_key', 'request_id', 'object_ids', 'settled_on'] as const;
export const SUPPRESSION_COLUMNS = ['digest', 'settled_on'] as const;

/** A reappearance as reappeared.csv shows it. */
export interface ReappearedRow {
  customerId: string;
  /** ISO-8601. */
  customerCreated: string;
  requestKey: string;
  requestId: string | null;
  /** YYYY-MM-DD. */
  settledOn: string;
}

/** An erased request as downstream.csv shows it. */
export interface DownstreamRow {
  requestKey: string;
  requestId: string | null;
  objectIds: readonly string[];
  settledOn: string;
}

function csvCell(value: string): string {
  const safe = neutraliseCell(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 text: a header line, then one line per row, CRLF-free. */
export function toCsv(columns: readonly string[], rows: Iterable<readonly string[]>): string {
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return `${lines.join('\n')}\n`;
}

export async function writeReappearedCsv(outDir: string, rows: readonly ReappearedRow[]): Promise<string> {
  const path = join(outDir, 'reappeared.csv');
  await writeTextFileAtomic(path, toCsv(REAPPEARED_COLUMNS, rows.map((r) => [r.customerId, r.customerCreated, r.requestKey, r.requestId ?? '', r.settledOn])));
  return path;
}

/** Streamed line by line: a cumulative night lists most of its million rows here. */
export async function writeDownstreamCsv(outDir: string, rows: Iterable<DownstreamRow>): Promise<string> {
  const path = join(outDir, 'downstream.csv');
  function* lines(): Generator<string> {
    yield `${DOWNSTREAM_COLUMNS.join(',')}\n`;
    for (const r of rows) yield `${[r.requestKey, r.requestId ?? '', r.objectIds.join(' '), r.settledOn].map(csvCell).join(',')}\n`;
  }
  await writeLinesFileAtomic(path, lines());
  return path;
}

/** The suppression export's text: `digest,settled_on`, one line per erased email. */
export function suppressionCsv(entries: readonly { digest: string; settledOn: string }[]): string {
  return toCsv(SUPPRESSION_COLUMNS, entries.map((e) => [e.digest, e.settledOn]));
}
