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
/** Columns that name this run's jobs, the run itself, or when a row last changed or was read from Stripe (result CSV v3). */
const VARYING = ['job_id', 'earlier_job_ids', 'run_id', 'updated_at', 'verified_at'];

afterAll(removeTempDirs);

describe('the report of a run', () => {
  it('words every row of the sample as the version that stored sentences did', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const result = await runCli(['run', join(FIXTURE, 'requests.csv'), '--emulator', '--state', join(dir, 'state.db'), '--out', out]);
    expect(result.code, describeRun(result)).toBe(3);
    const steady = (rows: Record<string, string>[]) => rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !VARYING.includes(column))));
    const then = (parse(readFileSync(join(FIXTURE, 'results.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).map((row) =>
      // Deleted is not redacted (issue 14): the deleted customer went through a job, and its row says what was found.
      row.email === 'cus_sample_gone'
        ? { ...row, messages: 'the customer was deleted before this tool acted, and none of its PaymentIntents, charges, SetupIntents or Checkout Sessions still holds data' }
        : row,
    );
    expect(steady(readResults(out).rows)).toEqual(steady(then));
  });
});
