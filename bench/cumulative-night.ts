/**
 * The cumulative night (issue 19 §2): a nightly export that holds every request ever received.
 * After a year, 997,000 of its 1,000,000 rows were settled on earlier nights and 3,000 are new.
 *
 * The earlier nights are not replayed through the emulator (a million rows at Stripe's test-mode
 * limits take most of a day): their state is written through the state store's own port — the same
 * calls a run makes once Stripe answered (identifier noted, resolution, job inserted, created,
 * succeeded, objects read redacted and verified) — so the file is what those nights would have left.
 * Whether it is, the night itself checks: a settled row that costs a call, or comes out other than
 * it settled, is counted.
 */
import { copyFileSync, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { wordReason } from '../src/domain/reason.js';
import { openStateStore } from '../src/state/sqlite-state-store.js';
import type { RequestFacts } from '../src/state/state-requests.js';
import { suppressionDigest } from '../src/state/suppression-digest.js';

/** The account the bench's emulator answers with (its default `--account-id`). */
export const BENCH_ACCOUNT = 'acct_emulator0000000';
/** The hash key every bench run uses (`STRIPE_REDACT_HASH_KEY`): the history's email keys must match the night's. */
export const BENCH_HASH_KEY = 'bench-hash-key';

/** Of the settled rows, one in this many found no customer on its night (`not_found`); the rest were redacted. */
const NOT_FOUND_EVERY = 10;
/** Rows a history run covers: one run per earlier night of this size. */
const ROWS_PER_NIGHT = 100_000;
/** Identifiers written per transaction. */
const CHUNK = 10_000;

export interface CumulativeShape {
  /** Rows settled on earlier nights. */
  settled: number;
  /** Rows new tonight. */
  fresh: number;
}

export const settledEmail = (i: number) => `settled.${i}@example.com`;
export const freshEmail = (i: number) => `new.${i}@example.com`;
/** Of the new rows, one in this many names an email no customer carries. */
export const FRESH_MISSING_EVERY = 10;
export const freshCustomerId = (i: number) => `cus_new${i}`;
const settledCustomerId = (i: number) => `cus_settled${i}`;

/**
 * What a `not_found` row's register line says (its `basis`), as the night's report words it for an
 * absence stored without a reason (domain/row-outcome.ts): the same words, or every line is rewritten.
 */
const NOT_FOUND_BASIS = wordReason({ code: 'no_customer' });

/**
 * The state earlier nights left: `shape.settled` emails, each settled — redacted and verified in a
 * job of ten, or confirmed absent — with the register line and, for an erasure, the erasure note
 * (its suppression digest) those nights' reports wrote; and last night's run, which read them all
 * again (a cumulative export) and found them settled. Built once per size and kept in `cacheDir`
 * (it takes minutes); returns its path and how long it took to build (0 when reused).
 */
export async function historyState(shape: CumulativeShape, cacheDir: string, onProgress: (line: string) => void): Promise<{ path: string; buildMs: number; bytes: number }> {
  await mkdir(cacheDir, { recursive: true });
  // v3: last night's run over the whole export, as a cumulative night reads it (it notes the settled keys).
  const path = join(cacheDir, `cumulative-history-v3-${shape.settled}.db`);
  if (existsSync(path)) return { path, buildMs: 0, bytes: statSync(path).size };
  const started = performance.now();
  const base = await baseHistory(shape, cacheDir, onProgress);
  const building = `${path}.building`;
  for (const leftover of [building, `${building}-wal`, `${building}-shm`]) rmSync(leftover, { force: true });
  copyFileSync(base.path, building);
  const store = openStateStore({ path: building, hashKey: BENCH_HASH_KEY });
  try {
    // What last night's run noted of every row it read: all settled, so only that they are.
    const runId = store.startRun('redact', 'requests.csv');
    for (let chunk = 0; chunk < shape.settled; chunk += CHUNK) {
      store.transaction(() => {
        for (let i = chunk; i < Math.min(shape.settled, chunk + CHUNK); i += 1) store.noteIdentifier(store.emailKey(settledEmail(i)), 'email', runId, { guests: true, row: i + 1 });
      });
    }
    store.endRun(runId, { history: true, rows: shape.settled });
    onProgress(`history: last night's run noted ${shape.settled} settled rows (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    store.close();
  }
  renameSync(building, path);
  return { path, buildMs: performance.now() - started, bytes: statSync(path).size };
}

/** The nights before last night: each identifier noted, looked up, redacted or found absent, reported. */
async function baseHistory(shape: CumulativeShape, cacheDir: string, onProgress: (line: string) => void): Promise<{ path: string; buildMs: number; bytes: number }> {
  // v2: with the register and the erasures (a history without them made the measured night write them all).
  const path = join(cacheDir, `cumulative-history-v2-${shape.settled}.db`);
  if (existsSync(path)) return { path, buildMs: 0, bytes: statSync(path).size };
  const building = `${path}.building`;
  // A build that was stopped halfway starts over.
  for (const leftover of [building, `${building}-wal`, `${building}-shm`]) rmSync(leftover, { force: true });
  const started = performance.now();
  const store = openStateStore({ path: building, hashKey: BENCH_HASH_KEY });
  try {
    store.bindAccount({ accountId: BENCH_ACCOUNT, livemode: false });
    const nowSeconds = Math.floor(Date.now() / 1000);
    const suppressionKey = store.suppressionKey() as Buffer;
    let jobNumber = 0;
    for (let night = 0; night * ROWS_PER_NIGHT < shape.settled; night += 1) {
      const first = night * ROWS_PER_NIGHT;
      const last = Math.min(shape.settled, first + ROWS_PER_NIGHT);
      const runId = store.startRun('redact', 'requests.csv');
      for (let chunk = first; chunk < last; chunk += CHUNK) {
        store.transaction(() => {
          const end = Math.min(last, chunk + CHUNK);
          let pending: string[] = [];
          const flushJob = () => {
            if (pending.length === 0) return;
            const job = store.insertJob(pending, 'error', runId);
            jobNumber += 1;
            store.recordJobCreated(job, `rdj_history${jobNumber}`, 'validating', nowSeconds);
            store.recordJobStatus(job, 'succeeded');
            store.setObjectStatus(pending, { status: 'redaction_pending', jobLocalId: job.localId, errorCodes: [], blockers: [], reasons: [] });
            for (const id of pending) store.recordReading(id, { stated: 'deleted', created: null }, { verified: true });
            pending = [];
          };
          const lines: RequestFacts[] = [];
          const today = store.now().slice(0, 10);
          const line = (key: string, outcome: 'erased' | 'no_data', jobIds: string[]): RequestFacts => ({
            ref: `key:${key}`,
            requestKey: store.requestKeyOf(key),
            identifierKey: key,
            requestId: null,
            received: null,
            manner: null,
            dueBy: null,
            extendedOn: null,
            outcome,
            basis: outcome === 'no_data' ? NOT_FOUND_BASIS : null,
            settledDay: today,
            jobIds,
          });
          for (let i = chunk; i < end; i += 1) {
            const key = store.emailKey(settledEmail(i));
            store.noteIdentifier(key, 'email', runId, { guests: true });
            if (i % NOT_FOUND_EVERY === NOT_FOUND_EVERY - 1) {
              store.recordResolution(key, [], [], { absenceConfirmed: true, guestsChecked: true });
              lines.push(line(key, 'no_data', []));
              continue;
            }
            const id = settledCustomerId(i);
            store.recordResolution(key, [{ id, type: 'customer' }]);
            pending.push(id);
            // Its job is the one the pack of ten goes into next.
            lines.push(line(key, 'erased', [`rdj_history${jobNumber + 1}`]));
            store.noteErasure(key, { requestId: null, suppressionDigest: suppressionDigest(suppressionKey, settledEmail(i)), settledAt: new Date(nowSeconds * 1000).toISOString() });
            if (pending.length === 10) flushJob();
          }
          flushJob();
          store.recordRequests(lines, runId);
        });
      }
      store.endRun(runId, { history: true, rows: last - first });
      onProgress(`history: ${last} of ${shape.settled} settled rows written (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    store.close();
  }
  // Only a finished build takes the name the next bench reuses.
  renameSync(building, path);
  return { path, buildMs: performance.now() - started, bytes: statSync(path).size };
}

/** Tonight's input: every settled row, in the order they came, then the new ones. Streamed to `path`. */
export async function writeNightInput(path: string, shape: CumulativeShape): Promise<void> {
  const file = createWriteStream(path);
  const write = async (line: string) => {
    if (!file.write(line)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
  };
  await write('email\n');
  for (let i = 0; i < shape.settled; i += 1) await write(`${settledEmail(i)}\n`);
  for (let i = 0; i < shape.fresh; i += 1) await write(`${freshEmail(i)}\n`);
  await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** The new rows alone: the baseline whose API time the night may add to its 60 s. */
export async function writeFreshInput(path: string, shape: CumulativeShape): Promise<void> {
  await writeNightInput(path, { settled: 0, fresh: shape.fresh });
}

/** The emulator's customers: only the new rows' (a settled row that costs a lookup finds nothing, and shows). */
export function freshSeed(shape: CumulativeShape): { customers: { id: string; email: string }[] } {
  const customers: { id: string; email: string }[] = [];
  for (let i = 0; i < shape.fresh; i += 1) if (i % FRESH_MISSING_EVERY !== FRESH_MISSING_EVERY - 1) customers.push({ id: freshCustomerId(i), email: freshEmail(i) });
  return { customers };
}

/** What each row should come out as: settled rows as they settled, new ones redacted or not found. */
export function expectedStatus(row: number, shape: CumulativeShape): string {
  const i = row - 1;
  if (i < shape.settled) return i % NOT_FOUND_EVERY === NOT_FOUND_EVERY - 1 ? 'not_found' : 'redacted';
  return (i - shape.settled) % FRESH_MISSING_EVERY === FRESH_MISSING_EVERY - 1 ? 'not_found' : 'redacted';
}
