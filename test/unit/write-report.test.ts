/**
 * The report pass over a real state without a run (write-report.ts): how often it asks the state
 * for an identifier's outcome when rows repeat identifiers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectRequestFile } from '../../src/input/request-reader.js';
import { writeReport } from '../../src/pipeline/write-report.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { StateReader } from '../../src/state/state-store.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Writes `lines` as requests.csv and reports them in a plan run, counting the state's outcome reads per key. */
async function reportCountingReads(lines: string[]): Promise<{ reads: string[]; keyOf: (id: string) => string; rows: number }> {
  dir = mkdtempSync(join(tmpdir(), 'write-report-'));
  const input = join(dir, 'requests.csv');
  writeFileSync(input, `${['id', ...lines].join('\n')}\n`);
  const info = await inspectRequestFile(input, {});
  const store = openStateStore({ path: ':memory:' });
  try {
    const runId = store.startRun('plan', input);
    const reads: string[] = [];
    const counting: StateReader = Object.create(store, {
      identifierOutcome: { value: (key: string) => (reads.push(key), store.identifierOutcome(key)) },
    }) as StateReader;
    const totals = await writeReport(info, { outDir: dir, mode: 'plan', runId, livemode: false, deadline: { amount: 1, unit: 'm' }, onRequest: () => undefined }, counting);
    return { reads, keyOf: (id) => store.idKey(id), rows: totals.rows };
  } finally {
    store.close();
  }
}

describe('writeReport, the outcomes of repeated identifiers', () => {
  it('asks the state once for an identifier its rows repeat, also when the register wants the row too', async () => {
    const { reads, keyOf, rows } = await reportCountingReads(['cus_a', 'cus_b', 'cus_a', 'cus_a', 'cus_b']);
    expect(rows).toBe(5);
    expect(reads).toEqual([keyOf('cus_a'), keyOf('cus_b')]);
  });

  it('keeps the latest 5,000 identifiers at hand: the 5,001st pushes out the oldest, which is then asked again', async () => {
    const ids = Array.from({ length: 5001 }, (_, i) => `cus_${String(i).padStart(5, '0')}`);
    const { reads, keyOf } = await reportCountingReads([...ids, ids[1]!, ids[0]!]);
    // ids[1] is still at hand (the 5,000 latest), ids[0] was pushed out by ids[5000].
    expect(reads).toHaveLength(5002);
    expect(reads.at(-1)).toBe(keyOf(ids[0]!));
    expect(reads.slice(0, 5001)).toEqual(ids.map(keyOf));
  });
});
