/**
 * Reasons are stored as codes and worded by the report: today's run of the sample words every row
 * as the run of an earlier version did, which stored the sentences themselves
 * (test/fixtures/state-v3/README.md). Job ids, the run id and times differ from run to run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { rollToWorkingDay } from '../../src/domain/due-date.js';
import { OLD_UNTRIED_ADVICE, withoutAdvice } from '../helpers/advice-wording.js';
import { describeRun, readResults, removeTempDirs, runCli, tempDir } from '../helpers/cli.js';

const FIXTURE = new URL('../fixtures/state-v3/', import.meta.url).pathname;
/** Columns that name this run's jobs, the run itself, or when a row last changed or was read from Stripe (result CSV v3). */
const VARYING = ['job_id', 'earlier_job_ids', 'run_id', 'updated_at', 'verified_at'];

afterAll(removeTempDirs);

describe('the report of a run', () => {
  it('words every row of the sample as the version that stored sentences did', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const result = await runCli(['run', join(FIXTURE, 'requests.csv'), '--emulator', '--state', join(dir, 'state.db'), '--new-state', '--out', out]);
    expect(result.code, describeRun(result)).toBe(3);
    // Lines later versions add to a row (a duplicate named, a new state's missing history) are not
    // wording of what the state stored; advice on blockers is today's (helpers/advice-wording.ts).
    const added = /^(duplicate of row \d+: |this state is new: |due date moved from )/;
    const stored = (column: string, value: string) => (column === 'messages' ? withoutAdvice(value.split('\n').filter((line) => !added.test(line)).join('\n')) : value);
    const steady = (rows: Record<string, string>[]) =>
      rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !VARYING.includes(column)).map(([column, value]) => [column, stored(column, value)])));
    const then = (parse(readFileSync(join(FIXTURE, 'results.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).map((row) =>
      // Deleted is not redacted (issue 14): the deleted customer went through a job, and its row says what was found.
      row.email === 'cus_sample_gone'
        ? { ...row, messages: 'the customer was deleted before this tool acted, and none of its PaymentIntents, charges, SetupIntents or Checkout Sessions still holds data' }
        : row,
    ).map((row): Record<string, string> => ({
      ...row,
      // The law's counting rules (domain/due-date.ts): a due date on a weekend now rolls to the next working day, saying so.
      due_by: row.due_by ? rollToWorkingDay(row.due_by, new Set()).date : '',
    }));
    const now = readResults(out).rows;
    expect(steady(now)).toEqual(steady(then));
    expect(now[6]?.messages).toContain('duplicate of row 1: the same request, reported as that row is');
    // Where the old advice offered fix (never tried in that run), today's says it may clear it and a validate run with fix will tell.
    for (const [index, old] of then.entries()) {
      const lines = (now[index]?.messages ?? '').split('\n');
      const advised = old.messages?.split('\n').filter((line) => line.endsWith(OLD_UNTRIED_ADVICE)).length ?? 0;
      expect(lines.filter((line) => / — .*Stripe's fix may clear it instead: a validate run with fix will tell/.test(line)), `row ${old.row}`).toHaveLength(advised);
      expect(lines.filter((line) => line === 'operator: run again with --mode validate --validation-behavior fix'), `row ${old.row}`).toHaveLength(advised > 0 ? 1 : 0);
    }
  });
});
