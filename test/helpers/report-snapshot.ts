/**
 * Normalised copies of the reports the suite's runs write, so that `npm test` can check that the
 * end-to-end scenarios give the same report under the emulator's default (least helpful) variants
 * and under the helpful ones (issue #7: "identical reports apart from job ids and times").
 *
 * With `STRIPE_REDACT_REPORT_DIR` set, every `run` of the CLI helpers (`runCli`, `spawnCli`) and of
 * `pipelineWorkspace` saves `<dir>/<scenario>.json`: its results.csv and summary.json counts with
 * only what may differ between two passes of the suite replaced by placeholders. A scenario is the
 * test file, the test's full name and the n-th run within that test. `test/compare-variant-reports.ts`
 * diffs the directories of two passes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';

/** Where a pass of the suite saves its snapshots; nothing is saved when unset. */
export const REPORT_DIR_ENV = 'STRIPE_REDACT_REPORT_DIR';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What a scenario is called in both passes. */
export interface ScenarioKey {
  /** The test file, relative to the repository root. */
  file: string;
  /** The test's full name (describe blocks included); `(hook)` for a run in `beforeAll`. */
  test: string;
  /** 1 for the first run within that test, 2 for the second … */
  run: number;
}

/** The counts of summary.json that must not differ between variants. */
export interface SummaryCounts {
  rows: unknown;
  statuses: unknown;
  deadlines: unknown;
  interrupted: unknown;
}

/** One run's report, normalised. */
export interface ReportSnapshot {
  scenario: ScenarioKey;
  /** The UTC date the snapshot was taken (`YYYY-MM-DD`): dates a test computes from its clock move with it. */
  day: string;
  /** The exit code of a spawned run; `null` when a signal ended it or the run was in-process. */
  exitCode: number | null;
  /** results.csv: its header, then every record, each cell normalised. */
  records: string[][];
  /** summary.json's counts; `null` when the run wrote none. */
  summary: SummaryCounts | null;
}

/** Placeholders a value is replaced by, numbered by first appearance within one report. */
class Placeholders {
  readonly #numbers = new Map<string, Map<string, number>>();

  /** `<kind N>`: the same value gets the same number in every cell of the report. */
  of(kind: string, value: string): string {
    let ofKind = this.#numbers.get(kind);
    if (!ofKind) this.#numbers.set(kind, (ofKind = new Map()));
    let n = ofKind.get(value);
    if (n === undefined) ofKind.set(value, (n = ofKind.size + 1));
    return `<${kind} ${n}>`;
  }
}

// Job ids, all alike: whether a row has a job, and how many, is compared; which rows share one is
// not, since packing legitimately differs between variants (under --fix-listing keep a fix job
// that fails lists fixable blockers too, so the driver tries blocked customers in jobs of their
// own; under drop it keeps the fixable ones together).
const JOB_ID = /\bprj_[A-Za-z0-9]+\b/g;
// Other ids the emulator makes up for objects a seed or a test creates without an id
// (store.ts `newId`: a prefix, 6 base-36 digits of a counter, 8 random characters): they differ on
// every start of an emulator, whatever the variant. Explicit ids of the seeds (`cus_fmt_a`) stay.
const GENERATED_ID = /\b((?:[a-z]+_)+)([0-9a-z]{6}[A-Za-z0-9]{8})\b/g;
// A run's id: `run_<yyyymmddhhmmss>_<6 hex>` (state-store.ts `startRun`).
const RUN_ID = /\brun_\d{14}_[0-9a-f]{6}\b/g;
// A time of day written by the run (`updated_at`, times in messages): the clock's, never the input's
// dates (`2026-11-03`), which a test chose.
const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;
const LOOPBACK_PORT = /\b(127\.0\.0\.1|localhost):\d+\b/g;

/**
 * The text of a cell with what differs between two passes of the suite replaced: job ids, other
 * ids the emulator generates, run ids, instants, temp directories and loopback ports. The input's
 * own columns go through the same replacements.
 */
function normaliseCell(cell: string, placeholders: Placeholders, tempDirs: RegExp): string {
  return cell
    .replace(tempDirs, '<tmp>')
    .replace(JOB_ID, '<job>')
    .replace(RUN_ID, (id) => placeholders.of('run', id))
    .replace(GENERATED_ID, (id, prefix: string) => placeholders.of(`${prefix.slice(0, -1)}`, id))
    .replace(INSTANT, '<time>')
    .replace(LOOPBACK_PORT, '$1:<port>');
}

/**
 * A directory the tests make under the OS temp dir (`mkdtemp`'s random name, a scratch state home),
 * however the report spells the temp dir: its path up to that directory becomes `<tmp>`, the rest
 * (`/out/state.db`) stays.
 */
function tempDirPattern(roots: readonly string[]): RegExp {
  const escaped = [...new Set(roots)].sort((a, b) => b.length - a.length).map((root) => root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?:${escaped.join('|')})[\\\\/][^\\\\/\\s'"]+`, 'g');
}

/** The OS temp dir as given and as resolved (macOS's /var → /private/var). */
function tempRoots(): string[] {
  return [tmpdir(), realpathSync(tmpdir())];
}

/** Normalise a results.csv's text and a summary.json's object into a snapshot. */
export function normaliseReport(
  resultsCsv: string,
  summary: Record<string, unknown> | null,
  scenario: ScenarioKey,
  options: { exitCode?: number | null; day?: string; tempRoots?: readonly string[] } = {},
): ReportSnapshot {
  const placeholders = new Placeholders();
  const tempDirs = tempDirPattern(options.tempRoots ?? tempRoots());
  const records = (parse(resultsCsv, { bom: true, relax_column_count: true }) as string[][]).map((record) =>
    record.map((cell) => normaliseCell(cell, placeholders, tempDirs)),
  );
  return {
    scenario,
    day: options.day ?? new Date().toISOString().slice(0, 10),
    exitCode: options.exitCode ?? null,
    records,
    summary: summary && { rows: summary.rows, statuses: summary.statuses, deadlines: summary.deadlines, interrupted: summary.interrupted },
  };
}

/** `STRIPE_REDACT_REPORT_DIR`, relative to the repository root; `undefined` when unset. */
export function reportDir(): string | undefined {
  const dir = process.env[REPORT_DIR_ENV];
  return dir ? resolve(REPO_ROOT, dir) : undefined;
}

/** Runs counted per test, to tell the n-th run of a test from the others. */
const runsPerTest = new Map<string, number>();

/** The scenario of the run about to start, from vitest's view of the current test. */
export function nextScenario(): ScenarioKey {
  const state = expect.getState();
  const file = state.testPath ? relative(REPO_ROOT, state.testPath) : '(unknown file)';
  const test = state.currentTestName ?? '(hook)';
  const counter = `${file}\u0000${test}`;
  const run = (runsPerTest.get(counter) ?? 0) + 1;
  runsPerTest.set(counter, run);
  return { file, test, run };
}

/** A results.csv's identity before a run, to tell a report the run wrote from one left by an earlier run. */
export interface ReportMark {
  outDir: string;
  before: Stats | undefined;
}

/** Note the report in `outDir` as it is before a run (`null` when snapshots are off). */
export function markReport(outDir: string): ReportMark | null {
  if (!reportDir()) return null;
  return { outDir, before: statSync(join(outDir, 'results.csv'), { throwIfNoEntry: false }) };
}

/** Whether the run after `mark` wrote results.csv (it is written to a temp file and renamed). */
function wroteReport(mark: ReportMark): boolean {
  const after = statSync(join(mark.outDir, 'results.csv'), { throwIfNoEntry: false });
  if (!after) return false;
  return !mark.before || after.ino !== mark.before.ino || after.mtimeMs !== mark.before.mtimeMs || after.size !== mark.before.size;
}

/**
 * Save the snapshot of the report a run wrote into `STRIPE_REDACT_REPORT_DIR`, if set and if the
 * run wrote one. `summary`: the run's summary when the caller holds it; else `<out>/summary.json`.
 */
export function saveReportSnapshot(mark: ReportMark | null, scenario: ScenarioKey, run: { exitCode?: number | null; summary?: Record<string, unknown> }): void {
  const dir = reportDir();
  if (!dir || !mark || !wroteReport(mark)) return;
  const csv = readFileSync(join(mark.outDir, 'results.csv'), 'utf8');
  const summary = run.summary ?? readSummaryIfAny(mark.outDir);
  const snapshot = normaliseReport(csv, summary, scenario, { exitCode: run.exitCode ?? null });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, snapshotFileName(scenario)), `${JSON.stringify(snapshot, null, 1)}\n`);
}

function readSummaryIfAny(outDir: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // A killed run can leave results.csv without summary.json: compare what there is.
    return null;
  }
}

/** A file name that tells scenarios apart whatever their names hold. */
export function snapshotFileName(scenario: ScenarioKey): string {
  const readable = `${scenario.file}-${scenario.test}`.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80);
  const hash = createHash('sha256').update(`${scenario.file}\u0000${scenario.test}\u0000${scenario.run}`).digest('hex').slice(0, 12);
  return `${readable}-${scenario.run}-${hash}.json`;
}

/** The `--out` directory of a `run`'s arguments (default `output` under `cwd`), or `undefined` for other commands. */
export function outDirOfRun(args: readonly string[], cwd: string): string | undefined {
  if (args[0] !== 'run') return undefined;
  let out = 'output';
  args.forEach((arg, i) => {
    if (arg === '--out' && args[i + 1] !== undefined) out = args[i + 1] as string;
    else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
  });
  return isAbsolute(out) ? out : resolve(cwd, out);
}
