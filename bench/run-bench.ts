/**
 * `npm run bench`: the real CLI against the in-process emulator at Stripe's test-mode limits, on a
 * synthetic workload of a few thousand rows. Prints API calls by kind, wall time against the lower
 * bound the rate budget allows, the busiest 1-second window as the server saw it, 429s, peak RSS,
 * and checks the result CSV row by row. Writes everything to bench/out/last.json.
 *
 *   npm run bench -- [--rows N] [--seed N] [--keep] [--variants default|helpful] [--stream-check [--rows N]]
 *   npm run bench -- --cumulative [--rows N] [--new N]   the cumulative night (bench/cumulative-night.ts):
 *                  N rows (default 1,000,000) of which all but --new (default 3,000) were settled on earlier nights
 */
import { spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { HELPFUL_VARIANTS, startEmulator } from '../src/emulator/index.js';
import type { Customer } from '../src/emulator/resources/customer-object.js';
import { RequestRecorder } from './request-recorder.js';
import { generateWorkload, streamCheckLines, type ExpectedRow, type WorkloadFacts } from './workload.js';
import { BENCH_HASH_KEY, expectedStatus, freshSeed, historyState, writeFreshInput, writeNightInput, type CumulativeShape } from './cumulative-night.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = join(ROOT, 'bench', 'out');

/**
 * The emulator: Stripe's test-mode limits, a realistic latency, jobs that take half a second per
 * phase; the default (least helpful) variants of docs/stripe.md#emulator-variants unless `--variants helpful`.
 */
/**
 * Objects settle as their job succeeds and no charge is held (`settleMs: 0`, `youngDays: 0`): the
 * bench measures what the client spends, and one verification read per root object is its floor;
 * Stripe's own schedule (processing, young-charge holds) would add re-reads that are Stripe's time.
 */
const EMULATOR = { rateLimit: 25, searchRateLimit: 20, latencyMs: 40, validationMs: 500, redactionMs: 500, settleMs: 0, youngDays: 0 } as const;
/** The CLI's defaults for a test-mode key (docs/architecture.md#budget-not-just-limits). */
const BUDGET = { rps: 20, searchRps: 15 } as const;
const POLL_INTERVAL_MS = 250;
/** A run that takes longer than this is a hang: the child is killed and the bench fails. */
const CHILD_TIMEOUT_MS = 15 * 60_000;

interface Args {
  rows: number;
  seed: number;
  keep: boolean;
  streamCheck: boolean;
  /** `--cumulative`: the cumulative night; `fresh` of `rows` are new tonight. */
  cumulative: boolean;
  fresh: number;
  /** Which emulator variants (docs/stripe.md#emulator-variants) serve the run. @default 'default' */
  variants: 'default' | 'helpful';
}

function parseArgs(argv: string[]): Args {
  const args: Args = { rows: 3000, seed: 42, keep: false, streamCheck: false, cumulative: false, fresh: 3000, variants: 'default' };
  let rowsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`Expected ${arg} to be followed by a positive integer, got \`${String(argv[i])}\``);
      return n;
    };
    if (arg === '--rows') {
      args.rows = value();
      rowsGiven = true;
    } else if (arg === '--seed') args.seed = value();
    else if (arg === '--keep') args.keep = true;
    else if (arg === '--stream-check') args.streamCheck = true;
    else if (arg === '--cumulative') args.cumulative = true;
    else if (arg === '--new') args.fresh = value();
    else if (arg === '--variants') {
      const choice = argv[++i];
      if (choice !== 'default' && choice !== 'helpful') throw new Error(`Expected --variants to be followed by default or helpful, got \`${String(choice)}\``);
      args.variants = choice;
    } else throw new Error(`Unknown argument \`${String(arg)}\` (expected --rows N, --seed N, --keep, --stream-check, --cumulative, --new N, --variants default|helpful)`);
  }
  if ((args.streamCheck || args.cumulative) && !rowsGiven) args.rows = 1_000_000;
  if (args.cumulative && args.fresh >= args.rows) throw new Error(`Expected --new (${args.fresh}) to be below --rows (${args.rows})`);
  return args;
}

interface ChildResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  peakRssMiB: number;
  rssSource: string;
  /** Lines the CLI wrote to stderr (not a TTY): what a cron job would mail. */
  stderrLines: number;
}

/** Runs the CLI as a user would, timing it and watching its memory through /proc. */
async function runCli(csvPath: string, outDir: string, apiBase: string, logDir: string, statePath?: string): Promise<ChildResult> {
  // A fresh state each bench: the default one (per account) would carry the last bench's redactions over.
  const state = statePath === undefined ? ['--state', join(logDir, 'state.db'), '--new-state'] : ['--state', statePath];
  const args = ['bin/stripe-redact.js', 'run', csvPath, '--api-base', apiBase, '--validation-behavior', 'fix', '--out', outDir, ...state, '--poll-interval-ms', String(POLL_INTERVAL_MS)];
  const stdout = createWriteStream(join(logDir, 'cli.stdout'));
  const stderr = createWriteStream(join(logDir, 'cli.stderr'));
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, STRIPE_API_KEY: 'sk_test_bench', STRIPE_REDACT_HASH_KEY: BENCH_HASH_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(stdout);
  child.stderr.pipe(stderr);

  // VmHWM is the kernel's own high-water mark of the resident set: polling it misses nothing,
  // as long as one read lands before the process is gone.
  let peakKiB = 0;
  const readPeak = (): void => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
      peakKiB = Math.max(peakKiB, Number(hwm?.[1] ?? 0), Number(rss?.[1] ?? 0));
    } catch {
      // Gone, or not yet there.
    }
  };
  const poll = setInterval(readPeak, 100);
  const timeout = setTimeout(() => {
    process.stderr.write(`bench: the CLI ran for more than ${CHILD_TIMEOUT_MS / 60_000} minutes; killing pid ${child.pid}\n`);
    child.kill('SIGKILL');
  }, CHILD_TIMEOUT_MS);

  // Listen before waiting: the log files may close before the child's exit is reported.
  const logsClosed = Promise.all([new Promise<void>((r) => stdout.once('close', () => r())), new Promise<void>((r) => stderr.once('close', () => r()))]);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve([code, sig]));
  });
  const wallMs = performance.now() - started;
  clearInterval(poll);
  clearTimeout(timeout);
  await logsClosed;
  const stderrLines = countLines(readFileSync(join(logDir, 'cli.stderr'), 'utf8'));
  return { exitCode, signal, wallMs, peakRssMiB: peakKiB / 1024, rssSource: '/proc/<pid>/status VmHWM, polled every 100 ms', stderrLines };
}

function countLines(text: string): number {
  return text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
}

/**
 * The fewest API calls the workload needs, whatever the tool does (packing at its best: every job
 * full, the customers with blockers together in as few jobs as possible):
 *
 *   searches      = ⌈distinct emails ÷ 10⌉              customer search, 10 emails a query
 *   confirmations = distinct emails search misses         `--lookup auto` (the default) confirms each miss with one list call
 *   guest lookups = distinct emails search misses         each confirmed miss: one Checkout Sessions list call (customer_details[email])
 *   jobs J        = ⌈(customers + guest sessions) ÷ 10⌉  one create + one run each: 2·J
 *   polls         = 2 · ⌈J ÷ 100⌉                         one list page (100 jobs) after validation, one after redaction
 *   fix           = 2 · ⌈customers with blockers ÷ 10⌉   update(fix) + validate per job with blockers (its errors come with the poll)
 *   unknown ids   = 2 · unknown ids                       the create Stripe refuses + one retrieve proving the id missing
 *
 * Lower bound on wall time = max(calls ÷ 20 req/s, searches ÷ 15 search/s) + validationMs + redactionMs
 * (the last job must still be validated and redacted after its create).
 */
function minimumCalls(facts: WorkloadFacts): { total: number; parts: Record<string, number>; formula: string } {
  const jobs = Math.ceil((facts.customersToRedact + facts.sessionsToRedact) / 10);
  const parts = {
    searches: Math.ceil(facts.distinctEmails / 10),
    listConfirmations: facts.missingEmails,
    guestSessionLists: facts.missingEmails,
    createAndRun: 2 * jobs,
    polls: 2 * Math.ceil(jobs / 100),
    fix: 2 * Math.ceil(facts.customersWithBlockers / 10),
    unknownIds: 2 * facts.unknownIds,
    verification: facts.customersToRedact + facts.sessionsToRedact,
  };
  return {
    total: Object.values(parts).reduce((a, b) => a + b, 0),
    parts,
    formula:
      'ceil(distinctEmails/10) searches + missingEmails list confirmations (--lookup auto) + missingEmails guest Checkout Session lists ' +
      '+ 2 x ceil((customers + guestSessions)/10) (create + run per full job) ' +
      '+ 2 x ceil(jobs/100) list polls + 2 x ceil(customersWithBlockers/10) (update + validate; errors come with the poll) + 2 x unknownIds (refused create + retrieve) ' +
      '+ one verification read per root object redacted (customers + guestSessions: Stripe\'s word that it is redacted)',
  };
}

/** Related objects a failed validation can name, read by id to pin the error on a customer. */
const RELATED_RETRIEVES = ['payment_intents', 'invoices', 'subscriptions', 'charges', 'setup_intents', 'checkout_sessions'].map((r) => `${r}.retrieve`);

/**
 * Where the calls above the minimum went, by cause. The minimum packs every customer with a blocker
 * together, which no client can do: blockers show only in a validation, and each job that has one
 * pays an update and a validation of its own. So the floor for the packing the run had is the
 * minimum with the fix switches it needed and the lookups that pin an error on one of ten customers
 * (Stripe's validation errors carry no `root`), plus the cancels that free the others of a job naming
 * an id Stripe accepted but does not hold.
 */
function callsAboveMinimum(byKind: Record<string, number>, minimum: ReturnType<typeof minimumCalls>, calls: number) {
  const count = (kind: string) => byKind[kind] ?? 0;
  const relatedObjectLookups = RELATED_RETRIEVES.reduce((sum, kind) => sum + count(kind), 0);
  const fixSwitches = 2 * count('redaction_jobs.update') - (minimum.parts.fix ?? 0);
  const canceledJobs = count('redaction_jobs.cancel');
  const floorForThisPacking = minimum.total + relatedObjectLookups + fixSwitches + canceledJobs;
  return {
    total: calls - minimum.total,
    relatedObjectLookups,
    fixSwitchesBeyondMinimum: fixSwitches,
    jobsWithBlockers: count('redaction_jobs.update'),
    canceledJobs,
    extraPolls: count('redaction_jobs.list') - (minimum.parts.polls ?? 0),
    floorForThisPacking,
    overFloor: calls - floorForThisPacking,
  };
}

interface RowCheck {
  resultRows: number;
  statusCounts: Record<string, number>;
  mismatches: { row: number; kind: string; expected: string; got: string }[];
  mismatchCount: number;
}

/** Compares results.csv with the workload's expectations, row by row. */
function checkResults(csvText: string, expected: readonly ExpectedRow[]): RowCheck {
  const records = parse(csvText, { columns: true, skip_empty_lines: false, bom: true }) as Record<string, string>[];
  const statusCounts: Record<string, number> = {};
  const mismatches: RowCheck['mismatches'] = [];
  let mismatchCount = 0;
  for (const [i, record] of records.entries()) {
    const status = record.status ?? '';
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    const want = expected[i];
    if (!want) continue;
    const gotIds = (record.object_ids ?? '').split(' ').filter(Boolean).sort().join(' ');
    const wantIds = [...want.customerIds, ...(want.sessionIds ?? [])].sort().join(' ');
    const problems: string[] = [];
    if (record.row !== String(i + 1)) problems.push(`row=${String(record.row)}`);
    if (status !== want.status) problems.push(`status=${status}`);
    if (want.status === 'redacted' && gotIds !== wantIds) problems.push(`object_ids=${gotIds}`);
    if (want.status === 'redacted' && (record.job_id ?? '') === '') problems.push('no job_id');
    if (problems.length > 0) {
      mismatchCount += 1;
      if (mismatches.length < 20) {
        mismatches.push({ row: i + 1, kind: want.kind, expected: `${want.status} ${wantIds}`, got: `${problems.join(', ')} messages=${record.messages ?? ''}` });
      }
    }
  }
  return { resultRows: records.length, statusCounts, mismatches, mismatchCount };
}

/** What every mode reports; the rest of a record is mode-specific. */
interface BenchResult {
  mode: 'workload' | 'stream-check' | 'cumulative';
  rows: number;
  exitCode: number | null;
  expectedExitCode: number;
  results: { resultRows: number; statusCounts: Record<string, number> } | null;
  [field: string]: unknown;
}

/** The server's view, one request a line (ms since the first arrival), for looking into a window. */
async function writeRequestLog(recorder: RequestRecorder, name: string): Promise<void> {
  const first = Math.min(...recorder.requests.map((r) => r.arrivedMs));
  const lines = ['arrived_ms,kind,status,code'];
  for (const r of [...recorder.requests].sort((a, b) => a.arrivedMs - b.arrivedMs)) lines.push(`${(r.arrivedMs - first).toFixed(1)},${r.kind},${r.status},${r.code ?? ''}`);
  await mkdir(OUT_DIR, { recursive: true });
  await writeFile(join(OUT_DIR, name), `${lines.join('\n')}\n`);
}

const fmt = (n: number, digits = 1): string => n.toFixed(digits);

async function benchWorkload(args: Args, work: string): Promise<BenchResult> {
  const t0 = performance.now();
  const workload = generateWorkload({ rows: args.rows, seed: args.seed });
  const csvPath = join(work, 'requests.csv');
  await writeFile(csvPath, workload.csv);
  await writeFile(join(work, 'seed.json'), JSON.stringify(workload.seed));
  const generateMs = performance.now() - t0;

  const recorder = new RequestRecorder();
  const t1 = performance.now();
  const emulator = await startEmulator({ ...EMULATOR, ...(args.variants === 'helpful' ? HELPFUL_VARIANTS : {}), seed: workload.seed, logger: recorder.logger });
  const seedMs = performance.now() - t1;
  process.stderr.write(`bench: ${workload.facts.rows} rows, ${workload.facts.seededCustomers} customers seeded in ${fmt(seedMs / 1000)} s; emulator at ${emulator.url}; running the CLI…\n`);

  const outDir = join(work, 'out');
  let child: ChildResult;
  let redactedInStripe = 0;
  try {
    child = await runCli(csvPath, outDir, emulator.url, work);
    // What Stripe (the emulator) holds now: every customer a row asked to redact should be redacted.
    const customers = emulator.store.collection<Customer>('customers');
    const wanted = new Set(workload.rows.filter((r) => r.status === 'redacted').flatMap((r) => r.customerIds));
    for (const id of wanted) if (customers.get(id)?.redaction?.status === 'redacted') redactedInStripe += 1;
  } finally {
    await emulator.close();
  }

  let resultsText = '';
  let summary: Record<string, unknown> | undefined;
  try {
    resultsText = await readFile(join(outDir, 'results.csv'), 'utf8');
    summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    process.stderr.write(`bench: could not read the CLI's report: ${(error as Error).message}\n`);
  }
  const check = resultsText ? checkResults(resultsText, workload.rows) : undefined;
  await writeRequestLog(recorder, 'last-requests.csv');

  const calls = recorder.requests.length;
  const byKind = recorder.byKind();
  const minimum = minimumCalls(workload.facts);
  const searches = byKind['customers.search'] ?? 0;
  const jobTimeMs = EMULATOR.validationMs + EMULATOR.redactionMs;
  const lowerBoundMs = Math.max((minimum.total / BUDGET.rps) * 1000, (Math.ceil(workload.facts.distinctEmails / 10) / BUDGET.searchRps) * 1000) + jobTimeMs;
  // The same bound for the calls the CLI actually made: how well it used the budget it spent.
  const boundForActualMs = Math.max((calls / BUDGET.rps) * 1000, (searches / BUDGET.searchRps) * 1000) + jobTimeMs;
  const isSearch = (r: { kind: string }) => r.kind === 'customers.search';
  const peak = recorder.peakInWindow();
  const peakSearch = recorder.peakInWindow(isSearch);
  const tooMany = recorder.requests.filter((r) => r.status === 429).length;
  const overBudget = recorder.windowsOver(BUDGET.rps).length;
  const overSearchBudget = recorder.windowsOver(BUDGET.searchRps, isSearch).length;
  const cliApiCalls = summary?.apiCalls as { total?: number; peakPerSecond?: number; rateLimited?: number } | undefined;

  const aboveMinimum = callsAboveMinimum(byKind, minimum, calls);
  // Verification reads go to the same endpoints as lookups: the CLI's own labels (verify.*) tell them apart.
  const cliByOperation = (summary?.apiCalls as { byOperation?: Record<string, number> } | undefined)?.byOperation ?? {};
  const verifyByOperation = Object.fromEntries(Object.entries(cliByOperation).filter(([operation]) => operation.startsWith('verify.')));
  const verificationReads = Object.values(verifyByOperation).reduce((a, b) => a + b, 0);
  const rootObjects = workload.facts.customersToRedact + workload.facts.sessionsToRedact;
  const expectedRedactedCustomers = new Set(workload.rows.filter((r) => r.status === 'redacted').flatMap((r) => r.customerIds)).size;
  return {
    mode: 'workload',
    rows: workload.facts.rows,
    workload: workload.facts,
    emulator: { ...EMULATOR, variants: args.variants, seedMs: Math.round(seedMs) },
    budget: BUDGET,
    pollIntervalMs: POLL_INTERVAL_MS,
    generateMs: Math.round(generateMs),
    apiCalls: { total: calls, byKind, byStatus: recorder.byStatus(), perRow: calls / workload.facts.rows },
    minimumCalls: minimum,
    aboveMinimum,
    verification: { reads: verificationReads, byOperation: verifyByOperation, rootObjects, perRootObject: rootObjects > 0 ? verificationReads / rootObjects : 0 },
    wallMs: Math.round(child.wallMs),
    lowerBoundMs: Math.round(lowerBoundMs),
    wallOverLowerBound: child.wallMs / lowerBoundMs,
    lowerBoundForActualCallsMs: Math.round(boundForActualMs),
    wallOverActualCallsBound: child.wallMs / boundForActualMs,
    peakWindow: { all: peak, search: peakSearch, budget: BUDGET.rps, searchBudget: BUDGET.searchRps, emulatorLimit: EMULATOR.rateLimit, emulatorSearchLimit: EMULATOR.searchRateLimit },
    windowsOverBudget: { all: overBudget, search: overSearchBudget },
    burstShare: recorder.burstShare(),
    http429: tooMany,
    peakRssMiB: child.peakRssMiB,
    rssSource: child.rssSource,
    stderrLines: child.stderrLines,
    logFileLines: countLines(await readFile(join(outDir, 'stripe-redact.log'), 'utf8').catch(() => '')),
    exitCode: child.exitCode,
    exitSignal: child.signal,
    expectedExitCode: 3,
    results: check ?? null,
    redactedInStripe: { expected: expectedRedactedCustomers, actual: redactedInStripe },
    cliSummary: cliApiCalls ? { apiCalls: cliApiCalls.total, peakPerSecond: cliApiCalls.peakPerSecond, rateLimited: cliApiCalls.rateLimited, jobs: summary?.jobs } : null,
  };
}

async function benchStream(args: Args, work: string): Promise<BenchResult> {
  // A few real customers, named on every other row; the rows between are invalid.
  const emails = Array.from({ length: 10 }, (_, i) => `stream.${i}@example.com`);
  const csvPath = join(work, 'requests.csv');
  const t0 = performance.now();
  const file = createWriteStream(csvPath);
  for (const line of streamCheckLines(args.rows, emails)) if (!file.write(line)) await new Promise<void>((r) => file.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const generateMs = performance.now() - t0;

  const recorder = new RequestRecorder();
  const emulator = await startEmulator({
    ...EMULATOR,
    seed: { customers: emails.map((email, i) => ({ id: `cus_stream${i}`, email })) },
    logger: recorder.logger,
  });
  process.stderr.write(`bench: --stream-check, ${args.rows} rows written in ${fmt(generateMs / 1000)} s; running the CLI…\n`);
  const outDir = join(work, 'out');
  let child: ChildResult;
  try {
    child = await runCli(csvPath, outDir, emulator.url, work);
  } finally {
    await emulator.close();
  }
  let resultRows = 0;
  const statusCounts: Record<string, number> = {};
  try {
    // Count lines without holding the file: a streamed parse.
    const { parse: parseStream } = await import('csv-parse');
    const { createReadStream } = await import('node:fs');
    for await (const record of createReadStream(join(outDir, 'results.csv')).pipe(parseStream({ columns: true })) as AsyncIterable<Record<string, string>>) {
      resultRows += 1;
      const status = record.status ?? '';
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    }
  } catch (error) {
    process.stderr.write(`bench: could not read the CLI's report: ${(error as Error).message}\n`);
  }
  return {
    mode: 'stream-check',
    rows: args.rows,
    apiCalls: { total: recorder.requests.length, byKind: recorder.byKind(), byStatus: recorder.byStatus() },
    wallMs: Math.round(child.wallMs),
    peakRssMiB: child.peakRssMiB,
    rssSource: child.rssSource,
    exitCode: child.exitCode,
    exitSignal: child.signal,
    expectedExitCode: 3,
    results: { resultRows, statusCounts },
  };
}

/** One run of the CLI against a fresh emulator seeded with `seed`: what the server saw, and the child's measures. */
async function measuredRun(csvPath: string, dir: string, seed: { customers: { id: string; email: string }[] }, statePath?: string) {
  await mkdir(dir, { recursive: true });
  const recorder = new RequestRecorder();
  const emulator = await startEmulator({ ...EMULATOR, seed, logger: recorder.logger });
  let child: ChildResult;
  try {
    child = await runCli(csvPath, join(dir, 'out'), emulator.url, dir, statePath);
  } finally {
    await emulator.close();
  }
  return { child, calls: recorder.requests.length, byKind: recorder.byKind(), http429: recorder.requests.filter((r) => r.status === 429).length, outDir: join(dir, 'out') };
}

/** results.csv read as a stream, each row's status against what it should be. */
async function checkCumulativeResults(outDir: string, shape: CumulativeShape) {
  const { parse: parseStream } = await import('csv-parse');
  const { createReadStream } = await import('node:fs');
  let resultRows = 0;
  let mismatchCount = 0;
  const mismatches: string[] = [];
  const statusCounts: Record<string, number> = {};
  for await (const record of createReadStream(join(outDir, 'results.csv')).pipe(parseStream({ columns: true })) as AsyncIterable<Record<string, string>>) {
    resultRows += 1;
    const status = record.status ?? '';
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    const want = expectedStatus(Number(record.row), shape);
    if (status !== want || Number(record.row) !== resultRows) {
      mismatchCount += 1;
      if (mismatches.length < 10) mismatches.push(`row ${record.row}: expected ${want}, got ${status} (${(record.messages ?? '').split('\n')[0]})`);
    }
  }
  return { resultRows, statusCounts, mismatchCount, mismatches };
}

/**
 * The cumulative night: the new rows alone first (their API time, on an empty state), then the
 * whole night on the earlier nights' state. The settled rows' calls are the night's calls above the
 * new rows' own; the wall-time goal is 60 s plus the new rows' run.
 */
async function benchCumulative(args: Args, work: string): Promise<BenchResult> {
  const shape: CumulativeShape = { settled: args.rows - args.fresh, fresh: args.fresh };
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const history = await historyState(shape, join(OUT_DIR, 'cache'), log);
  log(`history state of ${shape.settled} settled rows: ${history.buildMs > 0 ? `built in ${fmt(history.buildMs / 1000)} s` : 'reused'}, ${fmt(history.bytes / 2 ** 20)} MiB`);
  const seed = freshSeed(shape);

  const freshCsv = join(work, 'fresh.csv');
  await writeFreshInput(freshCsv, shape);
  log(`the ${shape.fresh} new rows alone (their API time)…`);
  const fresh = await measuredRun(freshCsv, join(work, 'fresh'), seed);

  const nightCsv = join(work, 'night.csv');
  const t0 = performance.now();
  await writeNightInput(nightCsv, shape);
  const generateMs = performance.now() - t0;
  const statePath = join(work, 'night-state.db');
  copyFileSync(history.path, statePath);
  const before = statSync(statePath).size;
  log(`the night: ${args.rows} rows (${shape.settled} settled, ${shape.fresh} new)…`);
  const night = await measuredRun(nightCsv, join(work, 'night'), seed, statePath);
  const after = statSync(statePath).size + (existsSync(`${statePath}-wal`) ? statSync(`${statePath}-wal`).size : 0);
  const check = await checkCumulativeResults(night.outDir, shape).catch((error: Error) => {
    log(`could not read the night's report: ${error.message}`);
    return null;
  });
  // The next night, the same input: every row now settled. Its growth is the steady state's (the
  // first night also fills what the history lacks, such as the erasures a watch needs).
  log('the next night: the same input, every row settled…');
  const next = await measuredRun(nightCsv, join(work, 'next'), seed, statePath);
  const afterNext = statSync(statePath).size + (existsSync(`${statePath}-wal`) ? statSync(`${statePath}-wal`).size : 0);
  const extraByKind = Object.fromEntries(
    [...new Set([...Object.keys(night.byKind), ...Object.keys(fresh.byKind)])]
      .map((kind) => [kind, (night.byKind[kind] ?? 0) - (fresh.byKind[kind] ?? 0)] as const)
      .filter(([, n]) => n !== 0),
  );
  const wallGoalMs = 60_000 + fresh.child.wallMs;
  return {
    mode: 'cumulative',
    rows: args.rows,
    shape,
    emulator: EMULATOR,
    budget: BUDGET,
    generateMs: Math.round(generateMs),
    history: { buildMs: Math.round(history.buildMs), bytes: history.bytes, bytesPerSettledRow: history.bytes / shape.settled, mibPerMillionRows: (history.bytes / shape.settled) * 1e6 / 2 ** 20 },
    fresh: { calls: fresh.calls, byKind: fresh.byKind, wallMs: Math.round(fresh.child.wallMs), peakRssMiB: fresh.child.peakRssMiB, exitCode: fresh.child.exitCode },
    night: { calls: night.calls, byKind: night.byKind, wallMs: Math.round(night.child.wallMs), peakRssMiB: night.child.peakRssMiB, http429: night.http429 },
    goals: {
      callsForSettledRows: { measured: night.calls - fresh.calls, goal: 0, byKind: extraByKind },
      wallMs: { measured: Math.round(night.child.wallMs), goal: Math.round(wallGoalMs), met: night.child.wallMs <= wallGoalMs },
      peakRssMiB: { measured: night.child.peakRssMiB, goal: 256, met: night.child.peakRssMiB <= 256 },
      stateGrowth: {
        bytesBefore: before,
        bytesAfter: after,
        nightBytes: after - before,
        mibPerMillionRowsPerNight: ((after - before) / args.rows) * 1e6 / 2 ** 20,
        nextNightBytes: afterNext - after,
        nextNightMibPerMillionRows: ((afterNext - after) / args.rows) * 1e6 / 2 ** 20,
      },
    },
    nextNight: { calls: next.calls, byKind: next.byKind, wallMs: Math.round(next.child.wallMs), peakRssMiB: next.child.peakRssMiB, exitCode: next.child.exitCode },
    rssSource: night.child.rssSource,
    exitCode: night.child.exitCode,
    exitSignal: night.child.signal,
    expectedExitCode: 0,
    results: check,
  };
}

function printCumulative(r: Record<string, any>): void {
  const g = r.goals;
  process.stdout.write(
    [
      '',
      `stripe-redact bench --cumulative — ${r.rows} rows: ${r.shape.settled} settled on earlier nights, ${r.shape.fresh} new`,
      `  history state        ${fmt(r.history.bytes / 2 ** 20)} MiB for ${r.shape.settled} settled rows (${fmt(r.history.bytesPerSettledRow, 0)} bytes a row → ${fmt(r.history.mibPerMillionRows, 0)} MiB per million)`,
      `  the new rows alone   ${r.fresh.calls} calls, ${fmt(r.fresh.wallMs / 1000)} s (their API time)`,
      `  the night            ${r.night.calls} calls, ${fmt(r.night.wallMs / 1000)} s, peak RSS ${fmt(r.night.peakRssMiB)} MiB, ${r.night.http429} 429s`,
      `  calls, settled rows  ${g.callsForSettledRows.measured} (goal 0)${Object.keys(g.callsForSettledRows.byKind).length > 0 ? ` ${JSON.stringify(g.callsForSettledRows.byKind)}` : ''}`,
      `  wall time            ${fmt(g.wallMs.measured / 1000)} s (goal ≤ 60 s + ${fmt(r.fresh.wallMs / 1000)} s = ${fmt(g.wallMs.goal / 1000)} s) ${g.wallMs.met ? '✓' : '✗'}`,
      `  peak RSS             ${fmt(g.peakRssMiB.measured)} MiB (goal ≤ 256 MiB) ${g.peakRssMiB.met ? '✓' : '✗'}`,
      `  state growth         ${fmt(g.stateGrowth.nightBytes / 2 ** 20)} MiB this night (${fmt(g.stateGrowth.mibPerMillionRowsPerNight)} MiB per million rows); the next night ${fmt(g.stateGrowth.nextNightBytes / 2 ** 20)} MiB (${fmt(g.stateGrowth.nextNightMibPerMillionRows)} MiB per million rows)`,
      `  the next night       every row settled: ${r.nextNight.calls} calls ${JSON.stringify(r.nextNight.byKind)}, ${fmt(r.nextNight.wallMs / 1000)} s, peak RSS ${fmt(r.nextNight.peakRssMiB)} MiB, exit ${r.nextNight.exitCode}`,
      `  exit code            ${r.exitCode}${r.exitSignal ? ` (signal ${r.exitSignal})` : ''} (expected ${r.expectedExitCode})`,
      r.results
        ? `  results.csv          ${r.results.resultRows} rows ${r.results.resultRows === r.rows ? '✓' : '✗ MISMATCH'}; ${Object.entries(r.results.statusCounts).map(([k, n]) => `${k} ${n}`).join(', ')}; rows not as expected ${r.results.mismatchCount}`
        : '  results.csv          MISSING',
      ...((r.results?.mismatches ?? []) as string[]).map((m) => `    ${m}`),
      '',
    ].join('\n'),
  );
}

function printWorkload(r: Record<string, any>): void {
  const w = r.workload as WorkloadFacts;
  const lines = [
    '',
    `stripe-redact bench — ${r.rows} rows (${Object.entries(w.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    `  customers to redact ${w.customersToRedact} (${w.customersWithBlockers} with a fixable blocker), distinct emails ${w.distinctEmails} (${w.missingEmails} no customer carries, ${w.guestEmails} of them guests with ${w.sessionsToRedact} Checkout Sessions), unknown ids ${w.unknownIds}; ${w.seededCustomers} customers seeded`,
    `  emulator: ${r.emulator.rateLimit} req/s, ${r.emulator.searchRateLimit} search/s, latency ${r.emulator.latencyMs} ms, validation ${r.emulator.validationMs} ms, redaction ${r.emulator.redactionMs} ms, ${r.emulator.variants} variants (docs/stripe.md#emulator-variants); CLI budget ${r.budget.rps} req/s, ${r.budget.searchRps} search/s, poll ${r.pollIntervalMs} ms`,
    '',
    '  API calls (server log):',
    ...Object.entries(r.apiCalls.byKind as Record<string, number>).map(([k, n]) => `    ${k.padEnd(34)} ${String(n).padStart(6)}`),
    `    ${'total'.padEnd(34)} ${String(r.apiCalls.total).padStart(6)}   (${fmt(r.apiCalls.perRow, 3)} per row; minimum ${r.minimumCalls.total}: ${Object.entries(r.minimumCalls.parts).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    `  above the minimum   ${r.aboveMinimum.total}: ${r.aboveMinimum.relatedObjectLookups} related-object lookups (no \`root\` on errors), ${r.aboveMinimum.fixSwitchesBeyondMinimum} for fix switches (update + validate in ${r.aboveMinimum.jobsWithBlockers} jobs with a blocker, not ⌈blocked ÷ 10⌉), ${r.aboveMinimum.canceledJobs} cancels, ${r.aboveMinimum.extraPolls} polls`,
    `  floor, this packing  ${r.aboveMinimum.floorForThisPacking} (minimum + lookups + fix switches + cancels) → ${r.aboveMinimum.overFloor} calls over it`,
    `  verification reads   ${r.verification.reads} (${Object.entries(r.verification.byOperation).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}) for ${r.verification.rootObjects} root objects redacted → ${fmt(r.verification.perRootObject, 2)} per object (goal ≤ 1 until verified, 0 after)`,
    `  answers: ${Object.entries(r.apiCalls.byStatus).map(([k, n]) => `${k} ×${n}`).join(', ')}`,
    '',
    `  wall time            ${fmt(r.wallMs / 1000)} s`,
    `  lower bound          ${fmt(r.lowerBoundMs / 1000)} s  (minimum calls ÷ ${r.budget.rps}/s + ${r.emulator.validationMs + r.emulator.redactionMs} ms for one job)  → wall ÷ bound = ${fmt(r.wallOverLowerBound, 2)}`,
    `  bound, actual calls  ${fmt(r.lowerBoundForActualCallsMs / 1000)} s  (calls made ÷ ${r.budget.rps}/s + one job)  → wall ÷ bound = ${fmt(r.wallOverActualCallsBound, 2)}`,
    `  busiest 1 s window   ${r.peakWindow.all} requests (budget ${r.budget.rps}, emulator limit ${r.emulator.rateLimit}); searches ${r.peakWindow.search} (budget ${r.budget.searchRps}, limit ${r.emulator.searchRateLimit})`,
    `  windows over budget  ${r.windowsOverBudget.all} (all), ${r.windowsOverBudget.search} (search)`,
    `  arrivals < 2 ms apart ${fmt(r.burstShare * 100, 0)}% of requests (bursts rather than paced starts)`,
    `  429s sent by server  ${r.http429}`,
    `  peak RSS (CLI)       ${fmt(r.peakRssMiB)} MiB`,
    `  stderr (cron mail)   ${r.stderrLines} lines (goal ≤ 10); the log file ${r.logFileLines} lines`,
    `  exit code            ${r.exitCode}${r.exitSignal ? ` (signal ${r.exitSignal})` : ''} (expected ${r.expectedExitCode}: the workload has invalid rows)`,
  ];
  if (r.results) {
    lines.push(
      `  results.csv          ${r.results.resultRows} rows for ${r.rows} input rows ${r.results.resultRows === r.rows ? '✓' : '✗ MISMATCH'}`,
      `  statuses             ${Object.entries(r.results.statusCounts).map(([k, n]) => `${k} ${n}`).join(', ')}`,
      `  rows not as expected ${r.results.mismatchCount}`,
      ...(r.results.mismatches as { row: number; kind: string; expected: string; got: string }[]).map((m) => `    row ${m.row} (${m.kind}): expected ${m.expected}; got ${m.got}`),
    );
  } else lines.push('  results.csv          MISSING');
  lines.push(`  customers redacted in the emulator: ${r.redactedInStripe.actual} of ${r.redactedInStripe.expected}`);
  if (r.cliSummary) lines.push(`  CLI's own summary: ${r.cliSummary.apiCalls} calls, peak ${r.cliSummary.peakPerSecond}/s, ${r.cliSummary.rateLimited} rate-limited, jobs ${JSON.stringify(r.cliSummary.jobs)}`);
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

function printStream(r: Record<string, any>): void {
  process.stdout.write(
    [
      '',
      `stripe-redact bench --stream-check — ${r.rows} rows`,
      `  API calls            ${r.apiCalls.total} ${JSON.stringify(r.apiCalls.byKind)}`,
      `  wall time            ${fmt(r.wallMs / 1000)} s`,
      `  peak RSS (CLI)       ${fmt(r.peakRssMiB)} MiB`,
      `  exit code            ${r.exitCode}${r.exitSignal ? ` (signal ${r.exitSignal})` : ''} (expected ${r.expectedExitCode})`,
      `  results.csv          ${r.results.resultRows} rows ${r.results.resultRows === r.rows ? '✓' : '✗ MISMATCH'}; ${Object.entries(r.results.statusCounts).map(([k, n]) => `${k} ${n}`).join(', ')}`,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const work = await mkdtemp(join(tmpdir(), 'stripe-redact-bench-'));
  try {
    const result = args.cumulative ? await benchCumulative(args, work) : args.streamCheck ? await benchStream(args, work) : await benchWorkload(args, work);
    const record = {
      ...result,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` },
      at: new Date().toISOString(),
    };
    await mkdir(OUT_DIR, { recursive: true });
    const name = args.cumulative ? 'last-cumulative.json' : args.streamCheck ? 'last-stream.json' : 'last.json';
    await writeFile(join(OUT_DIR, name), `${JSON.stringify(record, null, 2)}\n`);
    if (args.cumulative) printCumulative(record);
    else if (args.streamCheck) printStream(record);
    else printWorkload(record);
    process.stdout.write(`written: ${join(OUT_DIR, name)}${args.keep ? `; work dir kept: ${work}` : ''}\n`);
    const ok = record.exitCode === record.expectedExitCode && record.results?.resultRows === record.rows;
    return ok ? 0 : 1;
  } finally {
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
