/**
 * The comparison of reports between emulator variants that `npm test` ends with: what the snapshot
 * of a report keeps and replaces, and what the compare step calls a difference.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareSnapshots, sameUpToDateShift } from '../helpers/compare-reports.js';
import { REPO_ROOT } from '../helpers/cli.js';
import {
  REPORT_DIR_ENV,
  markReport,
  normaliseReport,
  outDirOfRun,
  saveReportSnapshot,
  snapshotFileName,
  type ReportSnapshot,
  type ScenarioKey,
} from '../helpers/report-snapshot.js';

const scratch = mkdtempSync(join(tmpdir(), 'stripe-redact-variant-reports-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const HEADER = 'email,row,identifier_type,status,object_ids,job_id,earlier_job_ids,blocking_codes,fixes,messages,due_by,run_id,livemode,updated_at';
const scenario: ScenarioKey = { file: 'test/cli/x.test.ts', test: 'a run > does it', run: 1 };

function snapshot(rows: string[], overrides: Partial<ReportSnapshot> = {}, summary: Record<string, unknown> = { rows: rows.length, statuses: { redacted: rows.length } }): ReportSnapshot {
  return { ...normaliseReport([HEADER, ...rows].join('\n'), summary, scenario, { day: '2026-11-29', tempRoots: ['/tmp'] }), ...overrides };
}

describe('a report snapshot', () => {
  it('replaces job ids, numbers generated ids and run ids by first appearance, and replaces instants, temp dirs and ports', () => {
    const { records } = snapshot([
      'a@example.com,1,email,redacted,cus_fmt_a,prj_00000aXyZ12345,prj_00000bQwE67890,,canceled PaymentIntent pi_000004AbCdEfGh,,2026-12-03,run_20261129110500_a1b2c3,false,2026-11-29T11:05:01.123Z',
      'b@example.com,2,email,needs_action,cus_fmt_b,prj_00000bQwE67890,,locked_by_other_job,,"held by job prj_00000aXyZ12345 at http://127.0.0.1:41234, state /tmp/stripe-redact-cli-Xy12/out/state.db",,run_20261129110500_a1b2c3,false,2026-11-29T11:05:02Z',
    ]);
    expect(records[1]).toEqual(['a@example.com', '1', 'email', 'redacted', 'cus_fmt_a', '<job>', '<job>', '', 'canceled PaymentIntent <pi 1>', '', '2026-12-03', '<run 1>', 'false', '<time>']);
    expect(records[2]?.slice(5, 7)).toEqual(['<job>', '']);
    expect(records[2]?.[9]).toBe('held by job <job> at http://127.0.0.1:<port>, state <tmp>/out/state.db');
    expect(records[2]?.[11]).toBe('<run 1>');
  });

  it('keeps the counts of summary.json and nothing of its times, ids or API calls', () => {
    const summary = { runId: 'run_x', startedAt: 'now', rows: 2, statuses: { redacted: 2 }, deadlines: { overdue: 1 }, interrupted: false, apiCalls: { total: 9 } };
    expect(normaliseReport(HEADER, summary, scenario).summary).toEqual({ rows: 2, statuses: { redacted: 2 }, deadlines: { overdue: 1 }, interrupted: false });
  });

  it('is saved only when STRIPE_REDACT_REPORT_DIR is set and the run wrote results.csv, not for one an earlier run left', () => {
    const out = join(scratch, 'out');
    const saved = join(scratch, 'saved');
    mkdirSync(out, { recursive: true });
    const previous = process.env[REPORT_DIR_ENV];
    try {
      delete process.env[REPORT_DIR_ENV];
      expect(markReport(out)).toBeNull();
      process.env[REPORT_DIR_ENV] = saved;
      writeFileSync(join(out, 'results.csv'), `${HEADER}\n`);
      const stale = markReport(out);
      saveReportSnapshot(stale, scenario, { exitCode: 2 });
      expect(existsSync(join(saved, snapshotFileName(scenario)))).toBe(false);
      rmSync(join(out, 'results.csv'));
      writeFileSync(join(out, 'results.csv'), `${HEADER}\nz@example.com,1,email,not_found,,,,,,,,run_20261129110500_a1b2c3,false,\n`);
      saveReportSnapshot(stale, scenario, { exitCode: 0 });
      expect(existsSync(join(saved, snapshotFileName(scenario)))).toBe(true);
    } finally {
      if (previous === undefined) delete process.env[REPORT_DIR_ENV];
      else process.env[REPORT_DIR_ENV] = previous;
    }
  });

  it('finds the --out of a run, relative to the working directory, and none for other commands', () => {
    expect(outDirOfRun(['run', 'in.csv', '--out', '/x/out'], '/repo')).toBe('/x/out');
    expect(outDirOfRun(['run', 'in.csv', '--out=rel'], '/repo')).toBe('/repo/rel');
    expect(outDirOfRun(['run', 'in.csv'], '/repo')).toBe('/repo/output');
    expect(outDirOfRun(['history', '--out', '/x'], '/repo')).toBeUndefined();
  });
});

describe('comparing the snapshots of two passes', () => {
  const row = (status: string, job = 'prj_00000aXyZ12345', time = '2026-11-29T11:05:01Z') =>
    `a@example.com,1,email,${status},cus_a,${job},,,,,,run_20261129110500_a1b2c3,false,${time}`;

  it('finds nothing between reports that differ only in job ids, run ids and times', () => {
    const other = snapshot([row('redacted', 'prj_00000cZzZ99999', '2026-11-29T11:09:00Z').replace('run_20261129110500_a1b2c3', 'run_20261129110900_ffffff')]);
    expect(compareSnapshots([snapshot([row('redacted')])], [other])).toMatchObject({ compared: 1, differences: [] });
  });

  it('names the scenario and the first differing row and column', () => {
    const comparison = compareSnapshots([snapshot([row('redacted')])], [snapshot([row('needs_action')])]);
    expect(comparison.differences).toEqual([{ scenario, where: 'row 1 column status', first: 'redacted', second: 'needs_action' }]);
  });

  it('tells a row with a job from one without, whichever rows share a job', () => {
    const b = row('redacted').replace('a@example.com,1', 'b@example.com,2');
    const shared = snapshot([row('redacted'), b]);
    const apart = snapshot([row('redacted'), b.replace('prj_00000aXyZ12345', 'prj_00000dAbC11111')]);
    expect(compareSnapshots([shared], [apart]).differences).toEqual([]);
    const without = snapshot([row('redacted'), b.replace('prj_00000aXyZ12345', '')]);
    expect(compareSnapshots([shared], [without]).differences[0]).toMatchObject({ where: 'row 2 column job_id', first: '<job>', second: '' });
  });

  it('accepts a foreign-locked row with no job (a lock refused at create) beside one naming its failed job, and nothing else', () => {
    const locked = (status: string, job: string, codes = 'locked_by_other_job') =>
      snapshot([`a@example.com,1,email,${status},cus_a,${job},,${codes},,held,,run_20261129110500_a1b2c3,false,2026-11-29T11:05:01Z`]);
    expect(compareSnapshots([locked('needs_action', '')], [locked('needs_action', 'prj_00000aXyZ12345')]).differences).toEqual([]);
    expect(compareSnapshots([locked('needs_action', '', 'invalid_state')], [locked('needs_action', 'prj_00000aXyZ12345', 'invalid_state')]).differences[0]?.where).toBe(
      'row 1 column job_id',
    );
    expect(compareSnapshots([locked('pending', '')], [locked('pending', 'prj_00000aXyZ12345')]).differences[0]?.where).toBe('row 1 column job_id');
  });

  it('lists a difference in earlier_job_ids without failing, and still finds one after it', () => {
    const earlier = (jobs: string, status = 'redacted') => snapshot([row(status).replace('prj_00000aXyZ12345,,', `prj_00000aXyZ12345,${jobs},`)]);
    const comparison = compareSnapshots([earlier('prj_00000bQwE67890')], [earlier('')]);
    expect(comparison).toMatchObject({ differences: [], listed: [{ scenario, where: 'row 1 column earlier_job_ids', first: '<job>', second: '' }] });
    expect(compareSnapshots([earlier('prj_00000bQwE67890')], [earlier('', 'pending')]).differences[0]?.where).toBe('row 1 column status');
  });

  it('compares exit codes, row counts and summary counts', () => {
    expect(compareSnapshots([snapshot([row('redacted')], { exitCode: 0 })], [snapshot([row('redacted')], { exitCode: 3 })]).differences[0]?.where).toBe('exit code');
    expect(compareSnapshots([snapshot([row('redacted')])], [snapshot([])]).differences[0]?.where).toBe('results.csv row count');
    const counted = (overdue: number) => snapshot([row('redacted')], {}, { rows: 1, statuses: { redacted: 1 }, deadlines: { overdue } });
    expect(compareSnapshots([counted(0)], [counted(1)]).differences[0]).toMatchObject({ where: 'summary.json deadlines', first: '{"overdue":0}', second: '{"overdue":1}' });
  });

  it('lists scenarios of one pass only and excluded ones without failing on them', () => {
    const later = { ...snapshot([row('redacted')]), scenario: { ...scenario, run: 2 } };
    const comparison = compareSnapshots([snapshot([row('redacted')]), later], [snapshot([row('failed')])], [{ file: scenario.file, test: scenario.test, why: 'timing' }]);
    expect(comparison).toMatchObject({ compared: 0, differences: [], onlyInFirst: [later.scenario], onlyInSecond: [], excluded: [{ scenario, why: 'timing' }] });
    const laterFailed = { ...snapshot([row('failed')]), scenario: later.scenario };
    const onlyRun2 = compareSnapshots([snapshot([row('redacted')]), later], [snapshot([row('failed')]), laterFailed], [{ file: scenario.file, test: scenario.test, run: 2, why: 'timing' }]);
    expect(onlyRun2).toMatchObject({ compared: 1, differences: [{ scenario, where: 'row 1 column status' }], excluded: [{ scenario: later.scenario }] });
  });

  it('moves the dates a test derived from its clock when the passes ran on either side of midnight', () => {
    expect(sameUpToDateShift('T1,2026-11-29,29.11.2026,2026-01-31', 'T1,2026-11-30,30.11.2026,2026-01-31', 1)).toBe(true);
    expect(sameUpToDateShift('2026-12-31', '2027-01-01', 1)).toBe(true);
    expect(sameUpToDateShift('2026-11-29', '2026-12-01', 1)).toBe(false);
    const before = snapshot([row('redacted').replace(',,run_', ',2026-12-29,run_')]);
    const after = { ...snapshot([row('redacted').replace(',,run_', ',2026-12-30,run_')]), day: '2026-11-30' };
    expect(compareSnapshots([before], [after]).differences).toEqual([]);
    expect(compareSnapshots([before], [{ ...after, day: '2026-11-29' }]).differences[0]?.where).toBe('row 1 column due_by');
  });
});

describe('npm run compare-variants', () => {
  function passDir(name: string, snapshots: ReportSnapshot[]): string {
    const dir = join(scratch, name);
    mkdirSync(dir, { recursive: true });
    for (const s of snapshots) writeFileSync(join(dir, snapshotFileName(s.scenario)), JSON.stringify(s));
    return dir;
  }
  const compare = (first: string, second: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'test/compare-variant-reports.ts', first, second], { cwd: REPO_ROOT, encoding: 'utf8' });

  it('exits 1 naming the scenario and where its reports first differ, and 0 when they agree', () => {
    const row = 'a@example.com,1,email,redacted,cus_a,prj_00000aXyZ12345,,,,,,run_20261129110500_a1b2c3,false,2026-11-29T11:05:01Z';
    const first = passDir('default', [snapshot([row])]);
    const differs = compare(first, passDir('helpful', [snapshot([row.replace('redacted', 'pending')])]));
    expect(differs.status).toBe(1);
    expect(differs.stderr).toContain('DIFFERS: test/cli/x.test.ts › a run > does it (run 1)\n  row 1 column status:\n    default: "redacted"\n    helpful: "pending"');
    const agrees = compare(first, passDir('same', [snapshot([row])]));
    expect(agrees.status, agrees.stderr).toBe(0);
    expect(agrees.stdout).toMatch(/1 end-to-end reports compared between default and same variants: 0 differ/);
  });
});
