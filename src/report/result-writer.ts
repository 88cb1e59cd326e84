/**
 * Step "report" of the flow, on disk: `results.csv` (docs/contract.md#result-csv) and JSON files such
 * as `summary.json`. Each file is written whole or not at all: into a temporary file in the same
 * directory, flushed to disk, then renamed over the target, so legal never files half a report.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { removeLeftBehind } from '../io/left-behind.js';
import { neutraliseCell } from './spreadsheet-safe.js';

/** The columns appended after the input's own, in this order (a stable contract). */
export const RESULT_COLUMNS = [
  'row',
  'identifier_type',
  'status',
  'object_ids',
  'job_id',
  'earlier_job_ids',
  'blocking_codes',
  'fixes',
  'messages',
  'due_by',
  'run_id',
  'livemode',
  'updated_at',
  'verified_at',
] as const;

/** The result CSV's version (docs/contract.md#result-csv): bumped whenever {@link RESULT_COLUMNS} change meaning. */
export const RESULT_CSV_VERSION = 3;

/** One output row: the input record's cells and what became of it. */
export interface ResultRow {
  /** The input record's cells, unchanged. */
  fields: string[];
  /** 1-based data row number in the input. */
  row: number;
  identifierType: string;
  status: string;
  /** The Stripe objects the row stands for that exist. */
  objectIds: string[];
  /** The job that redacted the row, or that carries it now. */
  jobId: string | null;
  /** Jobs that carried the row before (canceled, split, validate-only), oldest first. */
  earlierJobIds: string[];
  /** Stripe codes that still block the row; empty once redacted. */
  blockingCodes: string[];
  /** What Stripe's fix changed or would change, one sentence each. */
  fixes: string[];
  messages: string[];
  /** Flags the operator adds to the run command to act on the messages; written after them in `messages`. */
  commands?: string[];
  /** `YYYY-MM-DD`, or null when the received date is unknown. */
  dueBy: string | null;
  runId: string;
  livemode: boolean;
  /** ISO-8601. */
  updatedAt: string;
  /** ISO-8601: when Stripe was read showing every object of the row redacted (`redacted` rows); null otherwise. */
  verifiedAt: string | null;
}

/**
 * `--excel`: results.csv as a spreadsheet on any desktop opens it — a UTF-8 byte order mark (else
 * Excel reads UTF-8 as the local code page: `JÃ¶rg`), the input's own delimiter (a `;` file came
 * from a desktop whose Excel splits on `;`), and CRLF line ends.
 */
export interface ExcelOptions {
  delimiter: ',' | ';' | '\t';
}

/** Owner read/write only: the report repeats the emails of the requests. */
const FILE_MODE = 0o600;

/**
 * Writes the result CSV atomically, streaming `rows` through csv-stringify with back-pressure.
 * Columns: the input's (named by `inputHeader`, else `column_1…column_N`; one whose name equals a
 * result column's is renamed `<name> (input)`), short records padded to `columnCount`, then
 * {@link RESULT_COLUMNS}. Id lists are space-separated, `fixes` and `messages` one item per line;
 * every cell, header included, goes through {@link neutraliseCell}.
 *
 * A record wider than `columnCount` keeps its first `columnCount` cells, and a message saying how
 * many were left out, so that the result columns stay under their headers.
 *
 * Without `excel`: UTF-8 without a byte order mark, `,` and LF (the contract scripts read).
 *
 * Creates the directory. If `rows` throws, the error propagates and no file is left behind.
 */
export async function writeResultsFile(
  path: string,
  inputHeader: string[] | null,
  columnCount: number,
  rows: AsyncIterable<ResultRow>,
  options: { excel?: ExcelOptions } = {},
): Promise<{ rowsWritten: number }> {
  const width = Math.max(columnCount, inputHeader?.length ?? 0);
  const inputColumns = inputColumnNames(inputHeader, width);
  let rowsWritten = 0;

  async function* records(): AsyncGenerator<string[]> {
    yield [...inputColumns, ...RESULT_COLUMNS].map(neutraliseCell);
    for await (const result of rows) {
      yield toRecord(result, width);
      rowsWritten += 1;
    }
  }

  const format = options.excel ? { bom: true, delimiter: options.excel.delimiter, record_delimiter: '\r\n' } : {};
  await writeAtomically(path, (out) => pipeline(Readable.from(records()), stringify(format), out));
  return { rowsWritten };
}

/** Writes `value` as indented JSON with a final newline, atomically; creates the directory. */
export async function writeJsonFileAtomic(path: string, value: unknown): Promise<void> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await writeAtomically(path, (out) => pipeline(Readable.from([text]), out));
}

/** Writes `text` atomically, owner-only; creates the directory. */
export async function writeTextFileAtomic(path: string, text: string): Promise<void> {
  await writeAtomically(path, (out) => pipeline(Readable.from([text]), out));
}

/** Writes `lines` (each ending in its newline) atomically, owner-only, pulling them one at a time. */
export async function writeLinesFileAtomic(path: string, lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
  await writeAtomically(path, (out) => pipeline(Readable.from(lines), out));
}

/**
 * The input's column names as the report shows them: a name that equals a result column's,
 * ignoring case (`Status` beside `status` is one column to a spreadsheet's lookup and to a
 * person), is renamed `<name> (input)` (with more ` (input)` while that, too, is taken), so no
 * header appears twice; every other name stays as it is.
 */
export function inputColumnNames(inputHeader: string[] | null, width: number): string[] {
  const names = Array.from({ length: width }, (_, index) => inputHeader?.[index] ?? `column_${index + 1}`);
  const fold = (name: string) => name.toLowerCase();
  const resultColumns: ReadonlySet<string> = new Set(RESULT_COLUMNS.map(fold));
  const taken = new Set<string>([...RESULT_COLUMNS, ...names].map(fold));
  return names.map((name) => {
    if (!resultColumns.has(fold(name))) return name;
    let renamed = `${name} (input)`;
    while (taken.has(fold(renamed))) renamed = `${renamed} (input)`;
    taken.add(fold(renamed));
    return renamed;
  });
}

function toRecord(result: ResultRow, width: number): string[] {
  const inputCells = result.fields.slice(0, width);
  while (inputCells.length < width) inputCells.push('');
  const surplus = result.fields.length - width;
  const messages = [
    ...result.messages,
    ...(result.commands ?? []).map(operatorLine),
    ...(surplus > 0 ? [`the input row has ${surplus} more cell(s) than the header; they are left out here`] : []),
  ];
  return [
    ...inputCells,
    String(result.row),
    result.identifierType,
    result.status,
    result.objectIds.join(' '),
    result.jobId ?? '',
    result.earlierJobIds.join(' '),
    result.blockingCodes.join(' '),
    result.fixes.join('\n'),
    messages.join('\n'),
    result.dueBy ?? '',
    result.runId,
    String(result.livemode),
    result.updatedAt,
    result.verifiedAt ?? '',
  ].map(neutraliseCell);
}

/** How results.csv's `messages` cell gives the operator's flags, apart from the words. */
export function operatorLine(flags: string): string {
  return `operator: run again with ${flags}`;
}

/** A temporary file of {@link writeAtomically}: `.<name>.<pid>.<12 hex digits>.tmp`. */
const TEMPORARY_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Runs `write` against a temporary file next to `path`, then fsyncs and renames it over `path`.
 * On any failure the temporary file is removed and the error rethrown; `path` is untouched.
 */
async function writeAtomically(path: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const target = resolve(path);
  const directory = dirname(target);
  await mkdir(directory, { recursive: true });
  // A run killed outright (a report begun early) left its temporary of this file: its process is gone.
  removeLeftBehind(directory, (entry) => {
    const match = TEMPORARY_NAME.exec(entry);
    return match !== null && match[1] === basename(target) ? Number(match[2]) : undefined;
  });
  const temporary = join(directory, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

  // `flush`: fsync before the descriptor closes, so the rename never exposes unwritten data.
  const out = createWriteStream(temporary, { flags: 'wx', mode: FILE_MODE, flush: true });
  try {
    await write(out);
    await rename(temporary, target);
  } catch (error) {
    // Close before unlinking: some platforms (Windows) refuse to remove an open file.
    if (!out.closed) {
      // Not `events.once`: it would reject on the 'error' the destroyed stream may still emit.
      const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
      out.destroy();
      await closed;
    }
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

/**
 * Makes the rename itself durable. Best effort: some platforms (Windows) cannot open a directory,
 * and the file is complete either way.
 */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The report is already in place; only its survival of a power cut is less certain.
  }
}

/** One result row as results.csv writes it (`width` input cells, then {@link RESULT_COLUMNS}), cells neutralised. */
export function resultRecord(result: ResultRow, width: number): string[] {
  return toRecord(result, width);
}

/**
 * Writes results.csv from records already formed — the input's cells then the result columns, each
 * neutralised (a neutralised cell stays as it is: the merge of per-account reports passes them on) —
 * atomically, as {@link writeResultsFile} does, with the header `columns`.
 */
export async function writeResultRecordsFile(path: string, columns: string[], records: AsyncIterable<string[]>, options: { excel?: ExcelOptions } = {}): Promise<{ rowsWritten: number }> {
  let rowsWritten = 0;
  async function* all(): AsyncGenerator<string[]> {
    yield columns.map(neutraliseCell);
    for await (const record of records) {
      yield record;
      rowsWritten += 1;
    }
  }
  const format = options.excel ? { bom: true, delimiter: options.excel.delimiter, record_delimiter: '\r\n' } : {};
  await writeAtomically(path, (out) => pipeline(Readable.from(all()), stringify(format), out));
  return { rowsWritten };
}
