/**
 * Spawn the built CLI (`bin/stripe-redact.js`) the way a cron job would, and read what it leaves:
 * exit code, `results.csv`, `summary.json`. The emulator runs in the test process so it can outlive
 * a killed child, count the requests it saw and be inspected through the real SDK.
 *
 * ```ts
 * const emulator = await startCliEmulator({ seed: { customers: [{ id: 'cus_a', email: 'a@example.com' }] } });
 * const dir = await tempDir();
 * const input = await writeInput(dir, 'email\na@example.com\n');
 * const run = await runCli(['run', input, ...emulator.runArgs(dir)]);
 * expect(run.code).toBe(0);
 * const { rows } = readResults(dir);
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type Stripe from 'stripe';
import { HELPFUL_VARIANTS, type EmulatorOptions, type RequestLogEntry, type RunningEmulator, type SeedCustomer } from '../../src/emulator/index.js';
import type { StoredObject } from '../../src/emulator/store.js';
import { SUITE_SETTLING, SUITE_VARIANTS, startTestEmulator, type TestEmulator } from './emulator.js';
import { markReport, nextScenario, outDirOfRun, saveReportSnapshot } from './report-snapshot.js';

/** The built entry point; `npm test`'s pretest builds it. */
export const CLI_PATH = fileURLToPath(new URL('../../bin/stripe-redact.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The columns the report appends after the input's own, in order (docs/contract.md#result-csv). */
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

/** `stripe-redact emulator` flags for emulator variants (`--unknown-ids refuse` …). */
export function variantFlags(variants: Partial<EmulatorOptions>): string[] {
  return Object.entries(variants).flatMap(([key, value]) => [`--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`, String(value)]);
}

/** The flags of `HELPFUL_VARIANTS`. */
export const HELPFUL_VARIANT_FLAGS: string[] = variantFlags(HELPFUL_VARIANTS);

/** The flags of the variants the suite runs under (see `SUITE_VARIANTS`). */
export const SUITE_VARIANT_FLAGS: string[] = variantFlags(SUITE_VARIANTS);

/** `--settle-ms 0 --young-days 0`: a spawned `stripe-redact emulator` settles as the suite's do (see `SUITE_SETTLING`). */
export const SUITE_SETTLE_FLAGS: string[] = variantFlags(SUITE_SETTLING);

/** A test-mode key the emulator accepts; the CLI never sees the developer's own key. */
export const CLI_TEST_KEY = 'sk_test_cli';

export interface CliResult {
  /** Exit code; `null` when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /**
   * Variables on top of a scrubbed copy of this process's environment (no `STRIPE_API_KEY`,
   * no `STRIPE_REDACT_HASH_KEY`); `undefined` removes one.
   */
  env?: Record<string, string | undefined>;
  /** @default the repository root */
  cwd?: string;
  /** Kill the child (SIGKILL) and reject after this long. @default 90000 (ms) */
  timeoutMs?: number;
  /**
   * The child's standard input: bytes written then closed, or a stream piped in (kept open as long
   * as the stream is). @default none: stdin is /dev/null
   */
  stdin?: string | Buffer | Readable;
}

/**
 * The child's environment: nothing of the developer's Stripe setup or state leaks in. A run without
 * `--state` keeps its default state in a scratch `XDG_STATE_HOME` of its own (removed with the temp
 * dirs), never in the developer's; tests of the default state pass their own `XDG_STATE_HOME`.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const scratchStateHome = join(tmpdir(), `stripe-redact-state-home-${randomUUID()}`);
  tempDirs.push(scratchStateHome);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', XDG_STATE_HOME: scratchStateHome };
  delete env.STRIPE_API_KEY;
  delete env.STRIPE_REDACT_HASH_KEY;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A running child with its output so far and a promise of its end. */
export interface CliProcess {
  child: ChildProcess;
  /** Output so far (grows while the child runs). */
  output(): { stdout: string; stderr: string };
  /** Resolves when the child exits (killed included); rejects only on a spawn error or the timeout. */
  result: Promise<CliResult>;
}

/**
 * Start `node bin/stripe-redact.js …args` without waiting for it. The report of a `run` is saved
 * for the comparison of variants when `STRIPE_REDACT_REPORT_DIR` is set (report-snapshot.ts).
 */
export function spawnCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const cwd = options.cwd ?? REPO_ROOT;
  const outDir = outDirOfRun(args, cwd);
  const report = outDir === undefined ? null : markReport(outDir);
  const scenario = report && nextScenario();
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd,
    env: childEnv(options.env),
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.stdin instanceof Readable) options.stdin.pipe(child.stdin as Writable);
  else child.stdin?.end(options.stdin);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Generous: machines here are shared, and a spawned run that is merely slow must not fail a test.
  const timeoutMs = options.timeoutMs ?? 90_000;
  const result = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stripe-redact ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      try {
        if (scenario) saveReportSnapshot(report, scenario, { exitCode: code });
      } catch (error) {
        reject(error);
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, output: () => ({ stdout, stderr }), result };
}

/** Run the CLI to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).result;
}

/** A one-line description of a run for assertion messages. */
export function describeRun(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stderr ---\n${result.stderr}\n--- stdout ---\n${result.stdout.slice(-4000)}`;
}

const tempDirs: string[] = [];

/** A fresh directory under the OS temp dir; `removeTempDirs()` deletes every one made. */
export async function tempDir(prefix = 'stripe-redact-cli-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  const dirs = tempDirs.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Write an input CSV (exact bytes given) into `dir` and return its path. */
export async function writeInput(dir: string, content: string, name = 'requests.csv'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, 'utf8');
  return path;
}

/** One row of `results.csv`, by column name. */
export type ResultRow = Record<string, string>;

export interface Results {
  /** The header row, as written. */
  columns: string[];
  /** Every data row as raw cells. */
  records: string[][];
  /** Every data row by column name (a later duplicate name wins). */
  rows: ResultRow[];
}

/** Parse `<outDir>/results.csv` (always `,`-delimited, with a header). */
export function readResults(outDir: string): Results {
  const text = readFileSync(join(outDir, 'results.csv'), 'utf8');
  const all = parse(text, { bom: true, relax_column_count: false }) as string[][];
  const [columns = [], ...records] = all;
  const rows = records.map((record) => Object.fromEntries(columns.map((column, i) => [column, record[i] ?? ''])));
  return { columns, records, rows };
}

export interface Summary {
  runId: string;
  mode: string;
  rows: number;
  statuses: Record<string, number>;
  jobs: { driven: number; byStatus: Record<string, number> };
  apiCalls: { total: number; byOperation: Record<string, number> };
  [key: string]: unknown;
}

export function readSummary(outDir: string): Summary {
  return JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')) as Summary;
}

/** A space-separated id list or a one-item-per-line cell of the report as a list (empty cell → empty list). */
export function cellList(cell: string | undefined): string[] {
  return cell ? cell.split(/[ \n]/) : [];
}

/** Every job a report row names: its earlier jobs, oldest first, then the one that carries it. */
export function jobsOfRow(row: Record<string, string> | undefined): string[] {
  return [...cellList(row?.earlier_job_ids), ...cellList(row?.job_id)];
}

/** An emulator in the test process that the CLI reaches through `--api-base`. */
export interface CliEmulator extends TestEmulator {
  /** Every request it answered, in order (from the emulator's `logger`). */
  requests: RequestLogEntry[];
  /**
   * `--api-base <url> --poll-interval-ms 20 --out <outDir> --state <statePath>` (and `--new-state`
   * while that file does not exist): what most runs pass. Without `statePath`, a state of its own in `<outDir>/state.db` (the folder is made), so
   * tests of one emulator account never share one.
   */
  runArgs(outDir: string, statePath?: string): string[];
}

/** Start an emulator with fast jobs and a request log; rate limits are high so tests never trip them. */
export async function startCliEmulator(options: Partial<EmulatorOptions> = {}): Promise<CliEmulator> {
  const requests: RequestLogEntry[] = [];
  const emulator = await startTestEmulator({ validationMs: 30, redactionMs: 30, ...options, logger: (entry) => requests.push(entry) });
  return Object.assign(emulator, {
    requests,
    runArgs: (outDir: string, statePath?: string) => [
      '--api-base',
      emulator.url,
      '--poll-interval-ms',
      '20',
      '--out',
      outDir,
      ...stateArgs(statePath ?? ownState(outDir)),
    ],
  });
}

/** `--state FILE`, with `--new-state` while FILE does not exist yet (a first run must ask for a new state). */
export function stateArgs(statePath: string): string[] {
  return ['--state', statePath, ...(statePath === ':memory:' || existsSync(statePath) ? [] : ['--new-state'])];
}

/** `<outDir>/state.db`, its folder made: an explicit `--state` must name an existing directory. */
function ownState(outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  return join(outDir, 'state.db');
}

/** The env every run against a `CliEmulator` gets. */
export const TEST_KEY_ENV = { STRIPE_API_KEY: CLI_TEST_KEY } as const;

/** `count` plain customers `cus_<prefix>_<i>` with email `<prefix>.<i>@example.com`. */
export function plainCustomers(prefix: string, count: number): SeedCustomer[] {
  return Array.from({ length: count }, (_, i) => ({ id: `cus_${prefix}_${i}`, email: `${prefix}.${i}@example.com`, name: `Person ${i}` }));
}

type RedactionJob = Stripe.Privacy.RedactionJob;

/** Every redaction job of the emulator, `objects` expanded, oldest first. */
export async function listJobs(stripe: Stripe): Promise<RedactionJob[]> {
  const jobs: RedactionJob[] = [];
  for await (const job of stripe.privacy.redactionJobs.list({ limit: 100, expand: ['data.objects'] })) jobs.push(job);
  return jobs.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
}

/** Every identifier a job names, across its `objects` keys. */
export function jobIdentifiers(job: RedactionJob): string[] {
  const objects = (job.objects ?? {}) as Record<string, string[] | null | undefined>;
  return Object.values(objects).flatMap((ids) => ids ?? []);
}

/**
 * Whether the emulator holds the customer redacted by a job, reading `redacted` (not `processing` or
 * `validated`). Read from its store: over the API a redacted customer answers the same
 * `{deleted: true}` stub as a deleted one.
 */
export function isCustomerRedacted(emulator: Pick<RunningEmulator, 'store'>, id: string): boolean {
  const customer = emulator.store.collection<StoredObject & { redaction?: { status?: string } | null }>('customers').get(id);
  if (!customer) throw new Error(`the emulator holds no customer ${id}`);
  return customer.redaction?.status === 'redacted';
}

export interface PollOptions {
  /** @default 30000 (ms): machines here are shared */
  timeoutMs?: number;
  /** @default 20 (ms) */
  intervalMs?: number;
}

/** Call `probe` until it returns something other than `undefined`/`false`; reject with `what` on timeout. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, options: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
