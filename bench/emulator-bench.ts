/**
 * `npm run bench:emulator`: how the emulator's speed depends on the account's size. For each seed size
 * (default 1,000 and 100,000 customers) it seeds an in-process emulator (no rate limit, no latency),
 * then measures over HTTP with keep-alive connections:
 *
 * - cost: retrieves, then 10-email customer searches, one at a time: the emulator's CPU time per
 *   request and the client's time per request; the ratio search ÷ retrieve of each;
 * - throughput: requests per second of a mixed workload — retrieve 40%, list by email 20%, search of
 *   10 emails 20%, job create 10%, job list 10% — with 16 requests in flight, in blocks of 500
 *   between which (outside the measure) the jobs made are canceled, so that live jobs stay as few as
 *   a real client keeps; and requests per
 *   CPU-second of the emulator (the client runs in a child process), which load from elsewhere on a
 *   shared machine disturbs far less than wall time.
 *
 * Goals (issue #10): search ÷ retrieve ≤ 3 at 100,000 customers; throughput at 100,000 within 20% of
 * that at 1,000. Sizes alternate over `--rounds` rounds; each measure is the median of its rounds. Prints a
 * table and writes bench/out/emulator.json.
 *
 *   npm run bench:emulator -- [--sizes 1000,100000] [--requests N] [--cost-samples N] [--concurrency N] [--rounds N]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startEmulator, type RunningEmulator, type SeedDocument } from '../src/emulator/index.js';
import type { StoredObject } from '../src/emulator/store.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const API_KEY = 'sk_test_bench';

type Kind = 'retrieve' | 'list' | 'search' | 'job_create' | 'job_list';

/** The mixed workload's shares, per 10 requests. */
const MIX: readonly Kind[] = ['retrieve', 'retrieve', 'retrieve', 'retrieve', 'list', 'list', 'search', 'search', 'job_create', 'job_list'];

interface Args {
  sizes: number[];
  requests: number;
  costSamples: number;
  concurrency: number;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: [1000, 100_000], requests: 6000, costSamples: 1500, concurrency: 16, rounds: 3 };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const next = argv[++i] ?? '';
    const positive = (text: string): number => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) throw new Error(`Expected ${arg} to be followed by a positive integer, got \`${text}\``);
      return n;
    };
    if (arg === '--sizes') args.sizes = next.split(',').map(positive);
    else if (arg === '--requests') args.requests = positive(next);
    else if (arg === '--cost-samples') args.costSamples = positive(next);
    else if (arg === '--concurrency') args.concurrency = positive(next);
    else if (arg === '--rounds') args.rounds = positive(next);
    else throw new Error(`Unknown argument \`${String(arg)}\` (expected --sizes A,B, --requests N, --cost-samples N, --concurrency N, --rounds N)`);
  }
  return args;
}

/** A deterministic PRNG (mulberry32), so two runs send the same requests. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function customerId(i: number): string {
  return `cus_bench_${i}`;
}

function email(i: number): string {
  return `person.${i}@example.com`;
}

function seedOf(size: number): SeedDocument {
  return { customers: Array.from({ length: size }, (_, i) => ({ id: customerId(i), email: email(i), name: `Person ${i}` })) };
}

/** What the client worker sends: requests, and how many it keeps in flight. */
interface ClientBatch {
  port: number;
  concurrency: number;
  requests: { method: 'GET' | 'POST'; path: string; form?: string }[];
}

/**
 * The HTTP client runs in a child process, so this process's CPU time is the emulator's alone —
 * a measure that load from elsewhere on a shared machine barely moves, unlike wall time.
 * Keep-alive connections; a non-2xx answer fails the bench. Sends back each request's client-side
 * time, in ms.
 */
const CLIENT_SOURCE = `
const { Agent, request } = require('node:http');
process.on('message', async (batch) => {
  const agent = new Agent({ keepAlive: true, maxSockets: batch.concurrency });
  const times = new Array(batch.requests.length);
  const send = (r) => new Promise((resolve, reject) => {
    const started = performance.now();
    const headers = { Authorization: 'Bearer ${API_KEY}' };
    if (r.form !== undefined) { headers['Content-Type'] = 'application/x-www-form-urlencoded'; headers['Content-Length'] = Buffer.byteLength(r.form); }
    const req = request({ host: '127.0.0.1', port: batch.port, method: r.method, path: r.path, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => res.statusCode >= 300
        ? reject(new Error(r.method + ' ' + r.path.split('?')[0] + ' -> ' + res.statusCode + ': ' + Buffer.concat(chunks).toString('utf8').slice(0, 300)))
        : resolve(performance.now() - started));
    });
    req.on('error', reject);
    req.end(r.form);
  });
  try {
    let next = 0;
    await Promise.all(Array.from({ length: batch.concurrency }, async () => {
      while (next < batch.requests.length) { const i = next++; times[i] = await send(batch.requests[i]); }
    }));
    process.send({ times });
  } catch (error) {
    process.send({ error: String(error && error.message || error) });
  } finally {
    agent.destroy();
  }
});
`;

type Client = ChildProcess;

function startClient(): Client {
  return spawn(process.execPath, ['-e', CLIENT_SOURCE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Runs one batch in the client process; resolves to each request's client time, in order. */
function runBatch(client: Client, batch: ClientBatch): Promise<number[]> {
  return new Promise((resolve, reject) => {
    client.once('message', (reply: { times?: number[]; error?: string }) => (reply.error === undefined ? resolve(reply.times!) : reject(new Error(reply.error))));
    client.send(batch);
  });
}

/** Requests per block of the cost measure. */
const COST_BLOCK = 100;

/** Waits until no redaction job is in a timed status: validations left over from a phase must not be charged to the next. */
async function jobsSettled(emulator: RunningEmulator): Promise<void> {
  const timed = new Set(['created', 'validating', 'redacting', 'canceling']);
  const jobs = emulator.store.collection<StoredObject & { status: string }>('redaction_jobs');
  while (jobs.all().some((job) => timed.has(job.status))) await delay(10);
}

/** Requests per block of the mixed workload: 50 of them create jobs. */
const MIXED_BLOCK = 500;

/** Cancels every job still `ready` or `failed` through the API and waits until they are `canceled`. */
async function cancelLiveJobs(emulator: RunningEmulator): Promise<void> {
  const jobs = emulator.store.collection<StoredObject & { status: string }>('redaction_jobs');
  for (const job of jobs.all()) {
    if (job.status === 'ready' || job.status === 'failed') await emulator.dispatch('POST', `/v1/privacy/redaction_jobs/${job.id}/cancel`);
  }
  await jobsSettled(emulator);
}

/** CPU time (user + system) of this process since `before`, in ms. */
function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** The request of one kind, drawn at random over the seeded customers. */
function requestOf(kind: Kind, size: number, rand: () => number): { method: 'GET' | 'POST'; path: string; form?: string } {
  const pick = (): number => Math.floor(rand() * size);
  switch (kind) {
    case 'retrieve':
      return { method: 'GET', path: `/v1/customers/${customerId(pick())}` };
    case 'list':
      return { method: 'GET', path: `/v1/customers?email=${encodeURIComponent(email(pick()))}` };
    case 'search': {
      // Ten emails as stripe-redact sends them; two of them nobody has.
      const clauses = Array.from({ length: 10 }, (_, k) => `email:'${k < 8 ? email(pick()) : `nobody.${pick()}@example.com`}'`);
      return { method: 'GET', path: `/v1/customers/search?limit=100&query=${encodeURIComponent(clauses.join(' OR '))}` };
    }
    case 'job_create':
      return { method: 'POST', path: '/v1/privacy/redaction_jobs', form: `objects[customers][0]=${customerId(pick())}` };
    case 'job_list':
      return { method: 'GET', path: '/v1/privacy/redaction_jobs?limit=10' };
  }
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

interface SizeResult {
  customers: number;
  seedMs: number;
  heapMiB: number;
  /** The emulator's CPU time per request, in ms. */
  retrieveCpuMs: number;
  searchCpuMs: number;
  retrieveClientMs: number;
  searchClientMs: number;
  cpuRatio: number;
  clientRatio: number;
  mixedRequests: number;
  mixedRps: number;
  /** Requests per CPU-second of the emulator: its capacity, steadier than wall time on a shared machine. */
  mixedPerCpuSecond: number;
}

async function measureSize(size: number, args: Args): Promise<SizeResult> {
  const seed = seedOf(size);
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const seedStarted = performance.now();
  const emulator: RunningEmulator = await startEmulator({
    seed,
    rateLimit: 1_000_000,
    searchRateLimit: 1_000_000,
    validationMs: 20,
    redactionMs: 20,
    logger: (entry) => {
      if (entry.status >= 300) process.stderr.write(`bench: ${entry.method} ${entry.path} ${entry.status} ${entry.code ?? ''}\n`);
    },
  });
  const seedMs = performance.now() - seedStarted;
  (globalThis as { gc?: () => void }).gc?.();
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const client = startClient();
  const rand = random(size);
  const batch = (kinds: readonly Kind[], concurrency: number): Promise<number[]> =>
    runBatch(client, { port: emulator.port, concurrency, requests: kinds.map((kind) => requestOf(kind, size, rand)) });
  try {
    // Warm-up: let the JIT see every handler.
    await batch(Array.from({ length: 3000 }, (_, i) => MIX[i % MIX.length]!), 4);

    await jobsSettled(emulator);
    await cancelLiveJobs(emulator);

    // Cost: one request at a time, in alternating blocks of retrieves and searches so that both see
    // the same conditions; the emulator's CPU time per request of each.
    const cpuMs = { retrieve: 0, search: 0 };
    const clientRetrieve: number[] = [];
    const clientSearch: number[] = [];
    for (let done = 0; done < args.costSamples; done += COST_BLOCK) {
      const size = Math.min(COST_BLOCK, args.costSamples - done);
      for (const [kind, times] of [['retrieve', clientRetrieve], ['search', clientSearch]] as const) {
        const before = process.cpuUsage();
        times.push(...(await batch(Array.from({ length: size }, (): Kind => kind), 1)));
        cpuMs[kind] += cpuMsSince(before);
      }
    }
    const retrieveCpuMs = cpuMs.retrieve / args.costSamples;
    const searchCpuMs = cpuMs.search / args.costSamples;

    // Throughput: the mixed workload with `concurrency` requests in flight, in blocks; between two
    // blocks, outside the measure, the jobs made are canceled, so that at most one block's jobs are
    // live at once, as with a real client (stripe-redact keeps at most 50 jobs going).
    let elapsedMs = 0;
    let cpuMsUsed = 0;
    for (let done = 0; done < args.requests; done += MIXED_BLOCK) {
      const kinds = Array.from({ length: Math.min(MIXED_BLOCK, args.requests - done) }, (_, i) => MIX[(done + i) % MIX.length]!);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await batch(kinds, args.concurrency);
      // The jobs created are validated on timers: their work belongs to the workload too.
      await jobsSettled(emulator);
      elapsedMs += performance.now() - started;
      cpuMsUsed += cpuMsSince(cpuBefore);
      await cancelLiveJobs(emulator);
    }
    const elapsedS = elapsedMs / 1000;
    const cpuS = cpuMsUsed / 1000;
    return {
      customers: size,
      seedMs,
      heapMiB,
      retrieveCpuMs,
      searchCpuMs,
      retrieveClientMs: mean(clientRetrieve),
      searchClientMs: mean(clientSearch),
      cpuRatio: searchCpuMs / retrieveCpuMs,
      clientRatio: mean(clientSearch) / mean(clientRetrieve),
      mixedRequests: args.requests,
      mixedRps: args.requests / elapsedS,
      mixedPerCpuSecond: args.requests / cpuS,
    };
  } finally {
    client.kill();
    await emulator.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each numeric measure's median over the rounds of one size. */
function medianOf(rounds: SizeResult[]): SizeResult {
  const first = rounds[0]!;
  const out = { ...first };
  for (const key of Object.keys(first) as (keyof SizeResult)[]) {
    if (typeof first[key] === 'number') (out as Record<string, unknown>)[key] = median(rounds.map((r) => r[key] as number));
  }
  return out;
}

function fmt(n: number, digits = 2): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Sizes alternate round by round, so a burst of load from elsewhere on the machine hits both;
  // each measure reports its median over the rounds.
  const rounds = new Map<number, SizeResult[]>(args.sizes.map((size) => [size, []]));
  for (let round = 1; round <= args.rounds; round += 1) {
    for (const size of args.sizes) {
      process.stderr.write(`bench:emulator: round ${round}/${args.rounds}, ${size.toLocaleString('en-US')} customers…\n`);
      const result = await measureSize(size, args);
      process.stderr.write(`  ${fmt(result.mixedRps, 0)} req/s, ${fmt(result.mixedPerCpuSecond, 0)} per CPU-second, search ÷ retrieve ${fmt(result.cpuRatio)} CPU, ${fmt(result.clientRatio)} client\n`);
      rounds.get(size)!.push(result);
    }
  }
  const results = args.sizes.map((size) => medianOf(rounds.get(size)!));
  const rows: [string, (r: SizeResult) => string][] = [
    ['seed load', (r) => `${fmt(r.seedMs / 1000)} s`],
    ['heap the seeded emulator holds', (r) => `${fmt(r.heapMiB, 0)} MiB`],
    ['retrieve, emulator CPU', (r) => `${fmt(r.retrieveCpuMs, 3)} ms`],
    ['search of 10 emails, emulator CPU', (r) => `${fmt(r.searchCpuMs, 3)} ms`],
    ['search ÷ retrieve, emulator CPU', (r) => fmt(r.cpuRatio)],
    ['retrieve, client time', (r) => `${fmt(r.retrieveClientMs, 3)} ms`],
    ['search of 10 emails, client time', (r) => `${fmt(r.searchClientMs, 3)} ms`],
    ['search ÷ retrieve, client time', (r) => fmt(r.clientRatio)],
    [`mixed workload, ${args.concurrency} in flight`, (r) => `${fmt(r.mixedRps, 0)} req/s`],
    ['mixed workload per emulator CPU-second', (r) => `${fmt(r.mixedPerCpuSecond, 0)} req`],
  ];
  const header = `| measure | ${results.map((r) => `${r.customers.toLocaleString('en-US')} customers`).join(' | ')} |`;
  const lines = [header, `|---|${results.map(() => '---:').join('|')}|`, ...rows.map(([name, f]) => `| ${name} | ${results.map(f).join(' | ')} |`)];
  const first = results[0];
  const last = results.at(-1);
  if (first && last && first !== last) {
    const drop = 1 - last.mixedRps / first.mixedRps;
    const cpuDrop = 1 - last.mixedPerCpuSecond / first.mixedPerCpuSecond;
    const signed = (d: number): string => `${d >= 0 ? '-' : '+'}${fmt(Math.abs(d) * 100, 1)}%`;
    lines.push('', `throughput at ${last.customers.toLocaleString('en-US')} vs ${first.customers.toLocaleString('en-US')}: ${signed(drop)} req/s, ${signed(cpuDrop)} per CPU-second (goal: within 20%)`);
    lines.push(`search ÷ retrieve at ${last.customers.toLocaleString('en-US')}: ${fmt(last.cpuRatio)} CPU, ${fmt(last.clientRatio)} client time (goal: ≤ 3)`);
  }
  lines.push('', `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  await mkdir(join(ROOT, 'bench', 'out'), { recursive: true });
  await writeFile(join(ROOT, 'bench', 'out', 'emulator.json'), `${JSON.stringify({ args, results, rounds: [...rounds.values()], at: new Date().toISOString() }, null, 2)}\n`);
}

await main();
