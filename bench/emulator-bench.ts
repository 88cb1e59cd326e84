/**
 * `npm run bench:emulator`: how the emulator's speed depends on the account's size. For each seed size
 * (default 1,000 and 100,000 customers) it seeds an in-process emulator (no rate limit, no latency),
 * then measures over HTTP with keep-alive connections:
 *
 * - cost: retrieve and a 10-email customer search alternated one at a time, each timed by the server
 *   (arrival to answer, from its request log) and by the client; the ratio search ÷ retrieve;
 * - throughput: requests per second of a mixed workload — retrieve 40%, list by email 20%, search of
 *   10 emails 20%, job create 10%, job list 10% — with 16 requests in flight.
 *
 * Goals (issue #10): search ÷ retrieve ≤ 3 at 100,000 customers; throughput at 100,000 within 20% of
 * that at 1,000. Sizes alternate over `--rounds` rounds; each measure is the median of its rounds. Prints a
 * table and writes bench/out/emulator.json.
 *
 *   npm run bench:emulator -- [--sizes 1000,100000] [--requests N] [--cost-samples N] [--concurrency N] [--rounds N]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startEmulator, type RequestLogEntry, type RunningEmulator, type SeedDocument } from '../src/emulator/index.js';

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

/** One request over a keep-alive connection; resolves to the client-side time in ms. Non-2xx is an error. */
function send(agent: Agent, port: number, method: 'GET' | 'POST', path: string, form?: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          Authorization: `Bearer ${API_KEY}`,
          ...(form === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(form) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path.split('?')[0]} → ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
          else resolve(performance.now() - started);
        });
      },
    );
    req.on('error', reject);
    req.end(form);
  });
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

function kindOfLogged(entry: RequestLogEntry): Kind | undefined {
  if (entry.method === 'GET' && entry.path === '/v1/customers/search') return 'search';
  if (entry.method === 'GET' && entry.path.startsWith('/v1/customers/')) return 'retrieve';
  if (entry.method === 'GET' && entry.path === '/v1/customers') return 'list';
  if (entry.method === 'POST' && entry.path === '/v1/privacy/redaction_jobs') return 'job_create';
  if (entry.method === 'GET' && entry.path === '/v1/privacy/redaction_jobs') return 'job_list';
  return undefined;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

interface SizeResult {
  customers: number;
  seedMs: number;
  heapMiB: number;
  retrieveServerMs: number;
  searchServerMs: number;
  retrieveClientMs: number;
  searchClientMs: number;
  serverRatio: number;
  clientRatio: number;
  mixedRequests: number;
  mixedRps: number;
  /** Requests per CPU-second of this process (server and client): steadier than wall time on a shared machine. */
  mixedPerCpuSecond: number;
  serverMsByKind: Record<Kind, number>;
}

async function measureSize(size: number, args: Args): Promise<SizeResult> {
  const serverMs: Record<Kind, number[]> = { retrieve: [], list: [], search: [], job_create: [], job_list: [] };
  let recording = false;
  const seed = seedOf(size);
  const seedStarted = performance.now();
  const emulator: RunningEmulator = await startEmulator({
    seed,
    rateLimit: 1_000_000,
    searchRateLimit: 1_000_000,
    validationMs: 20,
    redactionMs: 20,
    logger: (entry) => {
      const kind = kindOfLogged(entry);
      if (recording && kind) serverMs[kind].push(entry.durationMs);
      if (entry.status >= 300) process.stderr.write(`bench: ${entry.method} ${entry.path} ${entry.status} ${entry.code ?? ''}\n`);
    },
  });
  const seedMs = performance.now() - seedStarted;
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  const agent = new Agent({ keepAlive: true, maxSockets: args.concurrency });
  const rand = random(size);
  const call = (kind: Kind): Promise<number> => {
    const r = requestOf(kind, size, rand);
    return send(agent, emulator.port, r.method, r.path, r.form);
  };
  try {
    // Warm-up: let the JIT see every handler.
    for (let i = 0; i < 1000; i += 1) await call(MIX[i % MIX.length]!);

    // Cost: one request at a time, retrieve and search alternated so both see the same machine load.
    const client: Record<'retrieve' | 'search', number[]> = { retrieve: [], search: [] };
    serverMs.retrieve = [];
    serverMs.search = [];
    recording = true;
    for (let i = 0; i < args.costSamples; i += 1) {
      client.retrieve.push(await call('retrieve'));
      client.search.push(await call('search'));
    }
    recording = false;
    const retrieveServerMs = mean(serverMs.retrieve);
    const searchServerMs = mean(serverMs.search);

    // Throughput: the mixed workload with `concurrency` requests in flight.
    for (const kind of Object.keys(serverMs) as Kind[]) serverMs[kind] = [];
    recording = true;
    let next = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: args.concurrency }, async () => {
        while (next < args.requests) {
          const kind = MIX[next % MIX.length]!;
          next += 1;
          await call(kind);
        }
      }),
    );
    const elapsedS = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    recording = false;
    const serverMsByKind = Object.fromEntries((Object.keys(serverMs) as Kind[]).map((k) => [k, mean(serverMs[k])])) as Record<Kind, number>;
    return {
      customers: size,
      seedMs,
      heapMiB,
      retrieveServerMs,
      searchServerMs,
      retrieveClientMs: mean(client.retrieve),
      searchClientMs: mean(client.search),
      serverRatio: searchServerMs / retrieveServerMs,
      clientRatio: mean(client.search) / mean(client.retrieve),
      mixedRequests: args.requests,
      mixedRps: args.requests / elapsedS,
      mixedPerCpuSecond: args.requests / cpuS,
      serverMsByKind,
    };
  } finally {
    agent.destroy();
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
  const out = { ...first, serverMsByKind: { ...first.serverMsByKind } };
  for (const key of Object.keys(first) as (keyof SizeResult)[]) {
    if (typeof first[key] === 'number') (out as Record<string, unknown>)[key] = median(rounds.map((r) => r[key] as number));
  }
  for (const kind of Object.keys(first.serverMsByKind) as Kind[]) out.serverMsByKind[kind] = median(rounds.map((r) => r.serverMsByKind[kind]));
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
      process.stderr.write(`  ${fmt(result.mixedRps, 0)} req/s, ${fmt(result.mixedPerCpuSecond, 0)} per CPU-second, search ÷ retrieve ${fmt(result.serverRatio)} server, ${fmt(result.clientRatio)} client\n`);
      rounds.get(size)!.push(result);
    }
  }
  const results = args.sizes.map((size) => medianOf(rounds.get(size)!));
  const rows: [string, (r: SizeResult) => string][] = [
    ['seed load', (r) => `${fmt(r.seedMs / 1000)} s`],
    ['heap after seeding', (r) => `${fmt(r.heapMiB, 0)} MiB`],
    ['retrieve, server time', (r) => `${fmt(r.retrieveServerMs, 3)} ms`],
    ['search of 10 emails, server time', (r) => `${fmt(r.searchServerMs, 3)} ms`],
    ['search ÷ retrieve, server time', (r) => fmt(r.serverRatio)],
    ['search ÷ retrieve, client time', (r) => fmt(r.clientRatio)],
    [`mixed workload, ${args.concurrency} in flight`, (r) => `${fmt(r.mixedRps, 0)} req/s`],
    ['mixed workload per CPU-second (server + client)', (r) => `${fmt(r.mixedPerCpuSecond, 0)} req`],
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
    lines.push(`search ÷ retrieve at ${last.customers.toLocaleString('en-US')}: ${fmt(last.serverRatio)} server, ${fmt(last.clientRatio)} client (goal: ≤ 3)`);
  }
  lines.push('', `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  await mkdir(join(ROOT, 'bench', 'out'), { recursive: true });
  await writeFile(join(ROOT, 'bench', 'out', 'emulator.json'), `${JSON.stringify({ args, results, rounds: [...rounds.values()], at: new Date().toISOString() }, null, 2)}\n`);
}

await main();
