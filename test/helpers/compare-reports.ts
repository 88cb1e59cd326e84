/**
 * Compare the report snapshots of two passes of the suite (report-snapshot.ts): the end-to-end
 * scenarios under the emulator's default variants and under the helpful ones must give the same
 * report. Pure: the script `test/compare-variant-reports.ts` reads the directories and prints.
 */
import type { ReportSnapshot, ScenarioKey } from './report-snapshot.js';

/** A scenario whose reports may differ between variants, and why. */
export interface Exclusion {
  file: string;
  /** The test's full name; all tests of the file when absent. */
  test?: string;
  /** The n-th run within the test; all its runs when absent. */
  run?: number;
  why: string;
}

/**
 * Columns whose differences are listed, not failures. `earlier_job_ids`: under `--unknown-ids
 * accept` (the default) Stripe makes the job that names a missing id and fails its validation, so
 * the rows packed with it name one earlier job more than under `refuse`, where no job was ever
 * made; under `--fix-listing keep` a fix job that fails is followed by more jobs than under drop.
 * Either report is true to what Stripe held.
 */
export const LISTED_COLUMNS: readonly string[] = ['earlier_job_ids'];

/** The first difference of one scenario, in words a person can act on. */
export interface Difference {
  scenario: ScenarioKey;
  /** `exit code`, `summary.statuses`, `row 3 column status`, … */
  where: string;
  first: string;
  second: string;
}

export interface Comparison {
  /** Scenarios present in both passes and compared. */
  compared: number;
  differences: Difference[];
  /** Scenarios in one pass only (tests that ran in one pass, runs that wrote no report in the other): listed, not failures. */
  onlyInFirst: ScenarioKey[];
  onlyInSecond: ScenarioKey[];
  excluded: { scenario: ScenarioKey; why: string }[];
  /** Differences in `LISTED_COLUMNS`, shown but not failures. */
  listed: Difference[];
}

/** A scenario's name for messages: `test/cli/run-jobs.test.ts › redacts … (run 2)`. */
export function describeScenario(scenario: ScenarioKey): string {
  return `${scenario.file} › ${scenario.test} (run ${scenario.run})`;
}

function keyOf(scenario: ScenarioKey): string {
  return `${scenario.file}\u0000${scenario.test}\u0000${scenario.run}`;
}

/** Compare every scenario of `first` with the same scenario of `second`. */
export function compareSnapshots(first: readonly ReportSnapshot[], second: readonly ReportSnapshot[], exclusions: readonly Exclusion[] = []): Comparison {
  const byKey = new Map(second.map((snapshot) => [keyOf(snapshot.scenario), snapshot]));
  const firstKeys = new Set(first.map((snapshot) => keyOf(snapshot.scenario)));
  const comparison: Comparison = { compared: 0, differences: [], onlyInFirst: [], onlyInSecond: [], excluded: [], listed: [] };
  for (const a of first) {
    const b = byKey.get(keyOf(a.scenario));
    if (!b) {
      comparison.onlyInFirst.push(a.scenario);
      continue;
    }
    const exclusion = exclusions.find(
      (e) => e.file === a.scenario.file && (e.test === undefined || e.test === a.scenario.test) && (e.run === undefined || e.run === a.scenario.run),
    );
    if (exclusion) {
      comparison.excluded.push({ scenario: a.scenario, why: exclusion.why });
      continue;
    }
    comparison.compared += 1;
    const difference = firstDifference(a, b);
    if (difference) comparison.differences.push({ scenario: a.scenario, ...difference });
    const listed = firstDifference(a, b, { only: LISTED_COLUMNS });
    if (listed) comparison.listed.push({ scenario: a.scenario, ...listed });
  }
  comparison.onlyInSecond = second.filter((snapshot) => !firstKeys.has(keyOf(snapshot.scenario))).map((snapshot) => snapshot.scenario);
  return comparison;
}

/**
 * Where two snapshots of one scenario first differ, or `undefined` when they agree. Cells of
 * `LISTED_COLUMNS` are left out, or with `only`, compared alone.
 */
export function firstDifference(a: ReportSnapshot, b: ReportSnapshot, { only }: { only?: readonly string[] } = {}): Omit<Difference, 'scenario'> | undefined {
  const header = a.records[0] ?? [];
  const isCompared = (column: number) => (only ?? LISTED_COLUMNS).includes(header[column] ?? '') === (only !== undefined);
  if (only === undefined) {
    if (a.exitCode !== b.exitCode) return { where: 'exit code', first: String(a.exitCode), second: String(b.exitCode) };
    if (a.records.length !== b.records.length) return { where: 'results.csv row count', first: String(a.records.length - 1), second: String(b.records.length - 1) };
  }
  const shiftDays = daysBetween(a.day, b.day);
  for (const [r, recordA] of a.records.entries()) {
    const recordB = b.records[r] ?? [];
    const width = Math.max(recordA.length, recordB.length);
    for (let c = 0; c < width; c += 1) {
      if (r === 0 ? only !== undefined : !isCompared(c)) continue;
      if (r > 0 && only === undefined && isForeignLockJobCell(header, recordA, recordB, c)) continue;
      const cellA = recordA[c];
      const cellB = recordB[c];
      if (cellA === cellB || (cellA !== undefined && cellB !== undefined && shiftDays !== 0 && sameUpToDateShift(cellA, cellB, shiftDays))) continue;
      const column = r === 0 ? `header column ${c + 1}` : `row ${r} column ${header[c] ?? c + 1}`;
      return { where: column, first: String(cellA), second: String(cellB) };
    }
  }
  if (only !== undefined) return undefined;
  if (a.summary === null || b.summary === null) {
    if (a.summary !== b.summary) return { where: 'summary.json', first: a.summary ? 'written' : 'missing', second: b.summary ? 'written' : 'missing' };
    return undefined;
  }
  for (const field of Object.keys(a.summary) as (keyof typeof a.summary)[]) {
    const valueA = canonicalJson(a.summary[field]);
    const valueB = canonicalJson(b.summary[field]);
    if (valueA !== valueB) return { where: `summary.json ${field}`, first: valueA, second: valueB };
  }
  return undefined;
}

/**
 * The `job_id` of a row a foreign job holds (`needs_action`, `locked_by_other_job` in both): under
 * `--lock-refusal create` Stripe made no job for it, so the cell is empty; under `validation` it
 * names the failed job kept for re-validation. Either is true to what Stripe held; the status,
 * codes and messages are still compared.
 */
function isForeignLockJobCell(header: readonly string[], a: readonly string[], b: readonly string[], column: number): boolean {
  if (header[column] !== 'job_id' || (a[column] !== '') === (b[column] !== '')) return false;
  const cell = (record: readonly string[], name: string) => record[header.indexOf(name)] ?? '';
  return [a, b].every((record) => cell(record, 'status') === 'needs_action' && cell(record, 'blocking_codes').split(' ').includes('locked_by_other_job'));
}

/** JSON with object keys sorted, so key order never counts as a difference. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([x], [y]) => x.localeCompare(y))) : inner,
  ) ?? 'undefined';
}

const DAY_MS = 86_400_000;

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) || 0;
}

// ISO dates (`2026-11-03`) and dotted ones (`03.11.2026`): the two formats tests derive from today.
const DATE = /(\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4})/;

/** `date` (either format) moved by `days`, in its own format. */
function shiftDate(date: string, days: number): string {
  const [y, m, d] = date.includes('-') ? date.split('-') : date.split('.').reverse();
  const iso = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d) + days)).toISOString().slice(0, 10);
  return date.includes('-') ? iso : iso.split('-').reverse().join('.');
}

/**
 * Whether two cells agree once each date of the first is taken as it is or moved by `days`: when
 * the two passes ran on either side of midnight, dates a test computed from its clock (received
 * dates, `due_by`) moved with it, and dates it wrote out did not.
 */
export function sameUpToDateShift(first: string, second: string, days: number): boolean {
  const partsA = first.split(DATE);
  const partsB = second.split(DATE);
  if (partsA.length !== partsB.length) return false;
  // split() with a capturing group puts the dates at the odd indexes.
  return partsA.every((part, i) => part === partsB[i] || (i % 2 === 1 && shiftDate(part, days) === partsB[i]));
}
