/**
 * Reasons are stored as codes and worded by the report: today's run of the sample words every row
 * as the run of an earlier version did, which stored the sentences themselves
 * (test/fixtures/state-v3/README.md). Job ids, the run id and times differ from run to run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRun, readResults, removeTempDirs, runCli, tempDir } from '../helpers/cli.js';

const FIXTURE = new URL('../fixtures/state-v3/', import.meta.url).pathname;
/** Columns that name this run's jobs, the run itself, or when a row last changed. */
const VARYING = ['job_id', 'earlier_job_ids', 'run_id', 'updated_at'];

afterAll(removeTempDirs);

describe('the report of a run', () => {
  it('words every row of the sample as the version that stored sentences did', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const result = await runCli(['run', join(FIXTURE, 'requests.csv'), '--emulator', '--state', join(dir, 'state.db'), '--new-state', '--out', out]);
    expect(result.code, describeRun(result)).toBe(3);
    // Lines later versions add to a row (a duplicate named, a new state's missing history) are not wording of what the state stored.
    const added = /^(duplicate of row \d+: |this state is new: )/;
    const stored = (column: string, value: string) => (column === 'messages' ? value.split('\n').filter((line) => !added.test(line)).join('\n') : value);
    const steady = (rows: Record<string, string>[]) =>
      rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !VARYING.includes(column)).map(([column, value]) => [column, stored(column, value)])));
    const then = parse(readFileSync(join(FIXTURE, 'results.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const rows = readResults(out).rows;
    expect(steady(rows)).toEqual(steady(then));
    expect(rows[6]?.messages).toBe('duplicate of row 1: the same request, reported as that row is');
  });
});
