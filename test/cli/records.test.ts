/**
 * The records of issue 17 through the spawned CLI — register, metrics, ledger, certificate, expire —
 * over one story: three runs on two nights (the emulator's clock moved a day between them) — a plan preview, a redact run that meets a blocker,
 * a `not_found`, an invalid row and an extension, then a second night's run with `fix` that redacts
 * the blocked row and a new request. The register and the year's metrics are checked against what a
 * test computes on its own from the three runs' results.csv files; the ledger verifies, and each way
 * of tampering with it is caught, naming the place.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { JSDOM } from 'jsdom';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY_ENV, describeRun, jobsOfRow, readResults, removeTempDirs, runCli, startCliEmulator, tempDir, writeInput, type CliEmulator, type ResultRow } from '../helpers/cli.js';

const DAY_SECONDS = 86_400;
const LEDGER_KEY = 'ledger-key-for-tests';

let emulator: CliEmulator;
let dir: string;
let state: string;
const outs: string[] = [];
const results: ResultRow[][] = [];

const NIGHT_1 = [
  'request_id,email,received_at,channel,extension_sent',
  'DSR-1,ada@example.com,2026-11-02,web form,',
  'DSR-2,grace@example.com,2026-11-03,email,',
  'DSR-3,nobody@example.com,2026-11-04,phone,',
  'DSR-4,not an email,2026-11-05,web form,',
  'DSR-5,alan@example.com,2026-10-01,email,2026-10-20',
];
const NIGHT_2 = [...NIGHT_1, 'DSR-6,cus_rec_hedy,2026-12-01,web form,'];

beforeAll(async () => {
  emulator = await startCliEmulator({
    seed: {
      customers: [
        { id: 'cus_rec_ada', email: 'ada@example.com' },
        { id: 'cus_rec_grace', email: 'grace@example.com', payment_intents: [{ id: 'pi_rec_grace_open', amount: 1500, currency: 'usd' }] },
        { id: 'cus_rec_alan', email: 'alan@example.com' },
        { id: 'cus_rec_hedy', email: 'hedy@example.com' },
      ],
    },
  });
  dir = await tempDir();
  state = join(dir, 'state.db');
  const env = { ...TEST_KEY_ENV, STRIPE_REDACT_LEDGER_KEY: LEDGER_KEY };
  const night1 = await writeInput(dir, NIGHT_1.join('\n'), 'night1.csv');
  const night2 = await writeInput(dir, NIGHT_2.join('\n'), 'night2.csv');
  const runs: [string, string[]][] = [
    [night1, ['--mode', 'plan']],
    [night1, []],
    [night2, ['--validation-behavior', 'fix']],
  ];
  for (const [index, [input, extra]] of runs.entries()) {
    if (index === 2) await fetch(`${emulator.url}/_emulator/clock/advance?seconds=${DAY_SECONDS}`, { method: 'POST' });
    const out = join(dir, `run${index + 1}`);
    const run = await runCli(['run', input, ...emulator.runArgs(out, state), '--extension-column', 'extension_sent', ...extra], { env });
    expect([0, 3], describeRun(run)).toContain(run.code);
    outs.push(out);
    results.push(readResults(out).rows);
  }
}, 120_000);
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

/** Whole days from `a` to `b`. */
const days = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
const SETTLED = new Set(['redacted', 'already_redacted', 'not_found']);
const outcomeOf = (status: string) =>
  status === 'redacted' || status === 'already_redacted' ? 'erased' : status === 'not_found' ? 'no_data' : status === 'invalid' || status === 'failed' ? 'not_erased' : 'pending';

/** The register as the three reports tell it, computed without the tool's register code. */
function expectedRegister(): Record<string, string | number | null>[] {
  const ids = [...new Set(results.flat().map((r) => r.request_id as string))];
  return ids.map((id) => {
    const rows = results.map((rs, run) => ({ run, row: rs.find((r) => r.request_id === id) })).filter((x) => x.row !== undefined) as { run: number; row: ResultRow }[];
    const last = rows.at(-1)?.row as ResultRow;
    const firstSettled = rows.find((x) => SETTLED.has(x.row.status as string))?.row;
    const settledOn = SETTLED.has(last.status as string) && firstSettled ? (firstSettled.updated_at as string).slice(0, 10) : null;
    const jobs: string[] = [];
    for (const { row } of rows) for (const job of jobsOfRow(row)) if (!jobs.includes(job)) jobs.push(job);
    return {
      request_id: id,
      received: last.received_at as string,
      nature: 'deletion',
      manner: last.channel as string,
      due_by: last.due_by as string,
      extended_on: last.extension_sent || null,
      settled_on: settledOn,
      outcome: outcomeOf(last.status as string),
      days_to_settle: settledOn === null ? null : days(last.received_at as string, settledOn),
      // The runs that read it until it settled: a run that reads a settled request again only reports it.
      runs: rows.filter((_, i) => i === 0 || !SETTLED.has(rows[i - 1]?.row.status as string)).map((x) => x.row.run_id).join(' '),
      jobs: jobs.join(' '),
    };
  });
}

describe('the register over two nights', () => {
  it('the story went as told', () => {
    expect(results[1]?.map((r) => [r.request_id, r.status])).toEqual([
      ['DSR-1', 'redacted'],
      ['DSR-2', 'needs_action'],
      ['DSR-3', 'not_found'],
      ['DSR-4', 'invalid'],
      ['DSR-5', 'redacted'],
    ]);
    expect(results[2]?.map((r) => [r.request_id, r.status])).toEqual([
      ['DSR-1', 'redacted'],
      ['DSR-2', 'redacted'],
      ['DSR-3', 'not_found'],
      ['DSR-4', 'invalid'],
      ['DSR-5', 'redacted'],
      ['DSR-6', 'redacted'],
    ]);
    expect(results[2]?.[4]?.messages).toMatch(/due date extended by 2m \(extension notified 2026-10-20\)/);
  });

  it('lists every request once, PII-free, as the results.csv files tell it', async () => {
    const run = await runCli(['register', '--state', state, '--format', 'json']);
    expect(run.code, describeRun(run)).toBe(0);
    const { requests } = JSON.parse(run.stdout) as { requests: Record<string, string | number | null>[] };
    const expected = expectedRegister();
    expect(requests.map(({ request_key: _key, basis: _basis, ...rest }) => rest)).toEqual(
      [...expected].sort((a, b) => String(a.received).localeCompare(String(b.received))),
    );
    // A keyed digest per request; the basis says why not, for those not erased.
    expect(new Set(requests.map((r) => r.request_key)).size).toBe(6);
    for (const r of requests) expect(r.request_key).toMatch(/^(email|id|invalid):[0-9a-f]{64}$/);
    expect(requests.find((r) => r.request_id === 'DSR-6')?.request_key).toMatch(/^id:/);
    expect(requests.find((r) => r.request_id === 'DSR-4')?.request_key).toMatch(/^invalid:/);
    expect(requests.find((r) => r.request_id === 'DSR-4')?.basis).toBe('the row holds no usable identifier');
    // show gives the same dates as results.csv and the register.
    const show = await runCli(['show', 'alan@example.com', '--state', state]);
    const alan = requests.find((r) => r.request_id === 'DSR-5');
    expect(show.stdout).toContain(`Request DSR-5: received 2026-10-01, due by ${alan?.due_by}, extension notified 2026-10-20, settled ${alan?.settled_on}; register outcome erased`);
    expect(alan?.due_by).toBe(results[2]?.[4]?.due_by);
    expect(requests.find((r) => r.request_id === 'DSR-1')?.basis).toBeNull();
    expect(run.stdout).not.toMatch(/@|cus_rec|not an email/);

    const csv = await runCli(['register', '--state', state, '--from', '2026-11-01', '--to', '2026-11-30']);
    expect(csv.code, describeRun(csv)).toBe(0);
    const records = parse(csv.stdout) as string[][];
    expect(records[0]).toEqual(['request_key', 'request_id', 'received', 'nature', 'manner', 'due_by', 'extended_on', 'settled_on', 'outcome', 'basis', 'days_to_settle', 'runs', 'jobs']);
    expect(records.slice(1).map((r) => r[1])).toEqual(['DSR-1', 'DSR-2', 'DSR-3', 'DSR-4']);
    expect(csv.stdout).not.toMatch(/@/);

    const out = join(dir, 'register.csv');
    expect((await runCli(['register', '--state', state, '--out', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toHaveLength(7);
  });

  it("gives the year's figures as the results.csv files tell them", async () => {
    const expected = expectedRegister();
    const settled = expected.map((e) => e.days_to_settle).filter((d): d is number => typeof d === 'number').sort((a, b) => a - b);
    const mid = Math.floor(settled.length / 2);
    const median = settled.length % 2 ? settled[mid] : ((settled[mid - 1] as number) + (settled[mid] as number)) / 2;
    const mean = Math.round((settled.reduce((a, b) => a + b, 0) / settled.length) * 100) / 100;
    const count = (o: string) => expected.filter((e) => e.outcome === o).length;
    const run = await runCli(['metrics', '--year', '2026', '--state', state, '--json']);
    expect(run.code, describeRun(run)).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      year: 2026,
      received: 6,
      erasedInWhole: count('erased'),
      erasedInPart: 0,
      notErased: count('not_erased'),
      noData: count('no_data'),
      pending: count('pending'),
      medianDaysToSettle: median,
      meanDaysToSettle: mean,
    });
    expect(count('erased')).toBe(4);
    const text = await runCli(['metrics', '--year', '2026', '--state', state]);
    expect(text.stdout).toMatch(/received\s+6/);
    expect((await runCli(['metrics', '--year', '2025', '--state', state, '--json'])).stdout).toMatch(/"received": 0/);
  });

  it('refuses bad options with exit 2', async () => {
    expect((await runCli(['metrics', '--state', state])).code).toBe(2);
    const year = await runCli(['metrics', '--year', 'last', '--state', state]);
    expect(year.code).toBe(2);
    expect(year.stderr).toMatch(/--year must be a year/);
    const from = await runCli(['register', '--state', state, '--from', '1 Nov']);
    expect(from.code).toBe(2);
    expect(from.stderr).toMatch(/--from must be a day YYYY-MM-DD/);
    expect((await runCli(['register', '--state', state, '--format', 'xml'])).code).toBe(2);
    expect((await runCli(['register', '--state', join(dir, 'missing.db')])).code).toBe(2);
  });
});

describe('the ledger', () => {
  it('holds, and names the run that wrote each file', async () => {
    const run = await runCli(['ledger', 'verify', '--state', state, join(outs[1] as string, 'results.csv'), join(outs[2] as string, 'summary.json')], {
      env: { STRIPE_REDACT_LEDGER_KEY: LEDGER_KEY },
    });
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/holds: 3 entries, each chained to the one before, every HMAC checked/);
    const runIds = results.map((rs) => rs[0]?.run_id);
    expect(run.stdout).toContain(`results.csv: written by run ${runIds[1]} (ledger entry 2, as its results.csv)`);
    expect(run.stdout).toContain(`summary.json: written by run ${runIds[2]} (ledger entry 3, as its summary.json)`);
    const unkeyed = await runCli(['ledger', 'verify', '--state', state]);
    expect(unkeyed.code).toBe(0);
    expect(unkeyed.stdout).toMatch(/3 HMAC\(s\) not checked/);
    const wrongKey = await runCli(['ledger', 'verify', '--state', state], { env: { STRIPE_REDACT_LEDGER_KEY: 'not the key' } });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toMatch(/entry 1 \(run .*\): its HMAC does not match/);
  });

  it('exports JSON lines with no email and no key', async () => {
    const run = await runCli(['ledger', 'export', '--state', state]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; entry: { statuses: Record<string, number>; runId: string } });
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(lines[2]?.entry.statuses.redacted).toBe(4);
    expect(run.stdout).not.toMatch(/@|sk_test|ledger-key/);
  });

  it('catches one changed cell of a results.csv', async () => {
    const changed = join(dir, 'changed.csv');
    const text = readFileSync(join(outs[2] as string, 'results.csv'), 'utf8');
    writeFileSync(changed, text.replace('not_found', 'redacted'));
    const run = await runCli(['ledger', 'verify', '--state', state, changed]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/changed\.csv: no run of this ledger wrote it/);
    const runIds = results.map((rs) => rs[0]?.run_id as string);
    expect(run.stdout).toContain(`it names run ${runIds[2]}, ledger entry 3, which wrote a different file: it was changed since`);
  });

  it('catches a deleted entry and an edited count, naming the place', async () => {
    const copy = (name: string) => {
      const path = join(dir, name);
      copyFileSync(state, path);
      return path;
    };
    const runIds = results.map((rs) => rs[0]?.run_id as string);

    const lastGone = copy('last-gone.db');
    withDb(lastGone, (db) => db.prepare('DELETE FROM ledger WHERE seq = 3').run());
    const last = await runCli(['ledger', 'verify', '--state', lastGone]);
    expect(last.code).toBe(1);
    expect(last.stdout).toContain(`run ${runIds[2]}: its entry (hash`);
    expect(last.stdout).toContain('is missing from the ledger');

    const middleGone = copy('middle-gone.db');
    withDb(middleGone, (db) => db.prepare('DELETE FROM ledger WHERE seq = 2').run());
    const middle = await runCli(['ledger', 'verify', '--state', middleGone]);
    expect(middle.code).toBe(1);
    expect(middle.stdout).toContain('entry 2 is missing: the ledger goes from entry 1 to entry 3');

    const edited = copy('edited.db');
    withDb(edited, (db) => db.prepare(`UPDATE ledger SET entry = replace(entry, '"redacted":4', '"redacted":5') WHERE seq = 3`).run());
    const count = await runCli(['ledger', 'verify', '--state', edited]);
    expect(count.code).toBe(1);
    expect(count.stdout).toContain(`entry 3 (run ${runIds[2]}): its content does not match its hash`);

    // Rewriting the hash too moves the break to the run's own record of it.
    const rehashed = copy('rehashed.db');
    withDb(rehashed, (db) => {
      const row = db.prepare('SELECT entry FROM ledger WHERE seq = 2').get() as { entry: string };
      const entry = row.entry.replace('"not_found":1', '"not_found":0');
      db.prepare('UPDATE ledger SET entry = ?, hash = ? WHERE seq = 2').run(entry, createHash('sha256').update(entry).digest('hex'));
    });
    const chain = await runCli(['ledger', 'verify', '--state', rehashed]);
    expect(chain.code).toBe(1);
    expect(chain.stdout).toContain(`entry 2 (run ${runIds[1]}): the state's record of run ${runIds[1]} holds hash`);
    expect(chain.stdout).toContain(`entry 3 (run ${runIds[2]}): its previous hash is not the hash of entry 2`);
  });

  it('refuses bad command lines with exit 2', async () => {
    expect((await runCli(['ledger'])).code).toBe(2);
    expect((await runCli(['ledger', 'mend', '--state', state])).code).toBe(2);
    const missing = await runCli(['ledger', 'verify', '--state', state, join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.csv: no such file/);
  });
});

const HOSTILE = ['<img src=x onerror=alert(1)>@example.com', '"><script>alert(1)</script>', "'><a href=http://evil.example/>x</a>"];

describe('the certificate of erasure', () => {
  it('is one self-contained page naming the request, its objects, jobs, fix and runs with their ledger hashes', async () => {
    const out = join(dir, 'cert.html');
    const run = await runCli(['show', 'Grace@Example.com', '--certificate', '--state', state, '--out', out]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const html = readFileSync(out, 'utf8');
    const { document } = new JSDOM(html).window;
    expect(document.querySelectorAll('script, img, a, iframe, object, embed, link')).toHaveLength(0);
    const text = document.body.textContent ?? '';
    expect(text).toContain('Grace@Example.com');
    expect(text).toContain('DSR-2');
    expect(text).toContain('cus_rec_grace');
    expect(text).toMatch(/canceled PaymentIntent pi_rec_grace_open|PaymentIntent pi_rec_grace_open/);
    expect(text).toMatch(/webhook deliveries, exports/);
    // The runs that read it, each with its ledger entry's hash, as `ledger export` has them.
    const ledger = (await runCli(['ledger', 'export', '--state', state])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { hash: string });
    for (const entry of ledger) expect(text).toContain(entry.hash);
    // The same dates as the register and results.csv.
    const due = results[2]?.find((r) => r.request_id === 'DSR-2')?.due_by as string;
    expect(document.querySelector('#request ~ table tbody tr')?.textContent).toContain(due);

    const json = await runCli(['show', 'grace@example.com', '--certificate', '--format', 'json', '--state', state]);
    expect(json.code).toBe(0);
    const certificate = JSON.parse(json.stdout) as { requests: { requestId: string; outcome: string; dueBy: string }[]; runs: { ledgerHash: string | null }[]; livemode: boolean };
    expect(certificate.requests).toEqual([expect.objectContaining({ requestId: 'DSR-2', outcome: 'erased', dueBy: due })]);
    expect(certificate.runs.every((r) => r.ledgerHash !== null)).toBe(true);
    expect(certificate.livemode).toBe(false);
  });

  it('keeps hostile request ids as text', async () => {
    const hostileDir = await tempDir();
    const csv = ['request_id,email', ...HOSTILE.map((h) => `"${h.replace(/"/g, '""')}",hedy@example.com`)].join('\n');
    const input = await writeInput(hostileDir, `${csv}\n`);
    const out = join(hostileDir, 'out');
    const hostileState = join(hostileDir, 'state.db');
    const run = await runCli(['run', input, ...emulator.runArgs(out, hostileState)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    const cert = await runCli(['show', 'hedy@example.com', '--certificate', '--state', hostileState]);
    expect(cert.code, describeRun(cert)).toBe(0);
    const { document } = new JSDOM(cert.stdout).window;
    expect(document.querySelectorAll('script, img, a, iframe, object, embed, link')).toHaveLength(0);
    const ids = [...document.querySelectorAll('#request ~ table tbody tr td:first-child')].map((td) => td.textContent);
    for (const hostile of HOSTILE) expect(ids).toContain(hostile);
  });

  it('exits 1 for a request the state has no record of, 2 for a bad command line', async () => {
    const none = await runCli(['show', 'nobody.else@example.com', '--certificate', '--state', state]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no record of nobody\.else@example\.com .*no certificate is issued/);
    expect(none.stdout).toBe('');
    expect((await runCli(['show', 'not an email', '--certificate', '--state', state])).code).toBe(2);
    expect((await runCli(['show', 'grace@example.com', '--format', 'json', '--state', state])).code).toBe(2);
    expect((await runCli(['show', 'grace@example.com', '--certificate', '--json', '--state', state])).code).toBe(2);
    expect((await runCli(['show', 'grace@example.com', '--certificate', '--format', 'pdf', '--state', state])).code).toBe(2);
  });
});

describe('expire', () => {
  const EMAILS = ['ada@example.com', 'grace@example.com', 'nobody@example.com', 'alan@example.com', 'not an email'];

  /** A copy of the story: the state and the three runs' directories under one reports folder. */
  async function copyOfStory(): Promise<{ root: string; reports: string; state: string; runDirs: string[] }> {
    const root = await tempDir();
    const reports = join(root, 'reports');
    const runDirs = outs.map((out, i) => {
      const to = join(reports, `night-run${i + 1}`);
      cpSync(out, to, { recursive: true });
      return to;
    });
    const copy = join(root, 'state.db');
    copyFileSync(state, copy);
    return { root, reports, state: copy, runDirs };
  }

  it('--dry-run lists what it would change and changes nothing; a recent cut-off expires nothing', async () => {
    const story = await copyOfStory();
    const before = runDirsBytes(story.runDirs);
    const stateBefore = readFileSync(story.state);
    const dry = await runCli(['expire', '--older-than', '0d', '--state', story.state, '--reports', story.reports, '--dry-run']);
    expect(dry.code, describeRun(dry)).toBe(0);
    expect(dry.stdout).toMatch(/Dry run: nothing changed/);
    expect(dry.stdout).toMatch(/requests settled on or before it: 5 would expire/);
    expect(dry.stdout).toMatch(/night-run1 \(run .*\): would expire/);
    expect(runDirsBytes(story.runDirs)).toEqual(before);
    expect(readFileSync(story.state).equals(stateBefore)).toBe(true);

    const recent = await runCli(['expire', '--older-than', '24m', '--state', story.state, '--reports', story.reports]);
    expect(recent.code, describeRun(recent)).toBe(0);
    expect(recent.stdout).toMatch(/requests settled on or before it: 0 expired/);
    expect(recent.stdout).toMatch(/night-run3 \(run .*\): kept: the run is not older than the cut-off/);
    expect(runDirsBytes(story.runDirs)).toEqual(before);
  });

  it('leaves no email in the state or the rewritten reports, the register lists the requests by key, and the ledger still verifies', async () => {
    const story = await copyOfStory();
    const registerBefore = JSON.parse((await runCli(['register', '--state', story.state, '--format', 'json'])).stdout) as { requests: unknown[] };
    const run = await runCli(['expire', '--older-than', '0d', '--state', story.state, '--reports', story.reports]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/requests settled on or before it: 5 expired/);

    // Byte for byte: no email (nor the unusable cell) in the state or in any file of the runs.
    // Every file of every run (results.csv, report.html, summary.json, the log, and any other a run writes).
    const files = [story.state, `${story.state}-wal`, ...story.runDirs.flatMap((d) => readdirSync(d).map((f) => join(d, f)))].filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(12);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const email of EMAILS) expect(bytes.includes(Buffer.from(email)), `${email} in ${file}`).toBe(false);
    }
    // The other files naming requests keep their keys and ids, not the Stripe ids of the people.
    const downstream = readFileSync(join(story.runDirs[2] as string, 'downstream.csv'), 'utf8');
    expect(downstream).toContain('[expired]');
    expect(downstream).not.toMatch(/cus_rec/);
    expect(downstream).toMatch(/DSR-2/);
    // The request ids and the tool's own columns stay.
    const expired = readResults(story.runDirs[2] as string).rows;
    expect(expired.map((r) => [r.request_id, r.email, r.channel, r.status])).toEqual(results[2]?.map((r) => [r.request_id, '[expired]', '[expired]', r.status]));

    const registerAfter = JSON.parse((await runCli(['register', '--state', story.state, '--format', 'json'])).stdout) as { requests: unknown[] };
    expect(registerAfter.requests).toEqual(registerBefore.requests);
    const show = await runCli(['show', 'ada@example.com', '--state', story.state]);
    expect(show.stdout).toMatch(/No record of ada@example\.com/);

    const verify = await runCli(['ledger', 'verify', '--state', story.state, ...story.runDirs.map((d) => join(d, 'results.csv')), join(story.runDirs[0] as string, 'summary.json')]);
    expect(verify.code, describeRun(verify)).toBe(0);
    expect(verify.stdout.match(/as its results\.csv \(expired\)/g)).toHaveLength(3);

    // report.html, built again from the expired rows, still parses and counts the same.
    const { document } = new JSDOM(readFileSync(join(story.runDirs[2] as string, 'report.html'), 'utf8')).window;
    expect(document.querySelectorAll('script')).toHaveLength(0);
    expect(document.body.textContent).toContain('[expired]');

    // Again: nothing left to do.
    const again = await runCli(['expire', '--older-than', '0d', '--state', story.state, '--reports', story.reports]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/night-run1 \(run .*\): already expired/);
  });

  it('leaves a results.csv changed since its run wrote it, and exits 1; refuses bad command lines with 2', async () => {
    const story = await copyOfStory();
    const results1 = join(story.runDirs[0] as string, 'results.csv');
    writeFileSync(results1, readFileSync(results1, 'utf8').replace('planned', 'redacted'));
    const run = await runCli(['expire', '--older-than', '0d', '--state', story.state, '--reports', story.reports]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/night-run1 \(run .*\): NOT expired: its results\.csv is not the one run .* wrote/);
    expect(readFileSync(results1, 'utf8')).toContain('ada@example.com');

    // Another state's runs are left to that state.
    const other = await tempDir();
    const otherRun = join(story.reports, 'other-state-run');
    const otherIn = await writeInput(other, 'email\nada@example.com\n');
    const otherCode = (await runCli(['run', otherIn, ...emulator.runArgs(otherRun, join(other, 'state.db'))], { env: TEST_KEY_ENV })).code;
    expect(otherCode).toBe(0);
    const mixed = await runCli(['expire', '--older-than', '0d', '--state', story.state, '--reports', story.reports, '--dry-run']);
    expect(mixed.stdout).toMatch(/other-state-run \(run .*\): left as it is: not a run of this state/);

    expect((await runCli(['expire', '--state', story.state])).code).toBe(2);
    const period = await runCli(['expire', '--older-than', 'two years', '--state', story.state]);
    expect(period.code).toBe(2);
    expect(period.stderr).toMatch(/--older-than: expected a count and a unit/);
    expect((await runCli(['expire', '--older-than', '24m', '--state', story.state, '--reports', join(story.root, 'nope')])).code).toBe(2);
    expect((await runCli(['expire', '--older-than', '24m', '--state', join(story.root, 'missing.db')])).code).toBe(2);
  });
});

function runDirsBytes(dirs: string[]): string[] {
  return dirs.flatMap((d) => ['results.csv', 'report.html'].map((f) => readFileSync(join(d, f), 'utf8')));
}

function withDb(path: string, fn: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    fn(db);
  } finally {
    db.close();
  }
}
