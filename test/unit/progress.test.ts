import { describe, expect, it } from 'vitest';
import { describeRunProgress } from '../../src/cli/run-progress.js';
import { createProgress, formatDuration, renderProgress } from '../../src/io/progress.js';
import type { RunProgress } from '../../src/pipeline/run-pipeline.js';

/** A stand-in terminal: records what is written. */
function terminal(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  const stream = { write: (text: string) => writes.push(text) > 0, isTTY, columns };
  return { writes, stream: stream as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

/** The text of the last line drawn. */
const lastLine = (writes: string[]) => writes.join('').split('\r\u001b[2K').at(-1) ?? '';

describe('renderProgress', () => {
  it('draws the step, a bar, percent, counts, rate, ETA and details', () => {
    expect(renderProgress({ label: 'rows', done: 42, total: 100 })).toBe('rows [##########--------------]  42% 42/100');
    expect(renderProgress({ label: 'looking up', done: 750, total: 3000, unit: 'rows', detail: 'jobs 12/30' }, { ratePerSecond: 42.4, etaSeconds: 53.1 })).toBe(
      'looking up [######------------------]  25% 750/3000 rows · 42 rows/s · ETA 54s · jobs 12/30',
    );
    expect(renderProgress({ label: 'checking the input', done: 7, unit: 'rows' }, { ratePerSecond: 3.25 })).toBe('checking the input 7 rows · 3.3 rows/s');
    expect(renderProgress({ label: 'writing the report', detail: '3000 rows' })).toBe('writing the report · 3000 rows');
  });

  it('leaves the ETA out once the step is done', () => {
    expect(renderProgress({ label: 'jobs', done: 5, total: 5 }, { ratePerSecond: 2, etaSeconds: 0 })).toBe('jobs [########################] 100% 5/5 · 2.0/s');
  });

  it('writes durations as people read them', () => {
    expect([formatDuration(0.2), formatDuration(59), formatDuration(185), formatDuration(7620)]).toEqual(['1s', '59s', '3m05s', '2h07m']);
  });
});

describe('createProgress', () => {
  it('writes nothing but passed-through lines when stderr is not a terminal', () => {
    const { writes, stream } = terminal(false);
    const progress = createProgress(stream, { enabled: true });
    progress.update({ done: 1, total: 2, label: 'rows' });
    progress.writeAbove('log line\n');
    progress.stop();
    expect(writes).toEqual(['log line\n']);
  });

  it('puts a log line above the bar and draws the bar again below it', () => {
    const { writes, stream } = terminal(true);
    const progress = createProgress(stream, { enabled: true, minRedrawIntervalMs: 0, tickMs: 0 });
    progress.update({ done: 1, total: 2, label: 'rows' });
    progress.writeAbove('log line\n');
    progress.stop();
    const screen = writes.join('');
    expect(screen).toContain('\r\u001b[2Klog line\n\r\u001b[2Krows [');
    expect(screen.endsWith('1/2\n')).toBe(true);
  });

  it('still draws when the terminal does not tell its width', () => {
    const { writes, stream } = terminal(true, 0);
    const progress = createProgress(stream, { enabled: true, minRedrawIntervalMs: 0, tickMs: 0 });
    progress.update({ done: 1, total: 2, label: 'rows' });
    expect(writes.join('')).toContain('rows [');
    progress.stop();
  });

  it('measures the rate over the recent past of the current step, and the ETA from it; a new step starts afresh', () => {
    let clock = 0;
    const { writes, stream } = terminal(true, 200);
    const progress = createProgress(stream, { enabled: true, minRedrawIntervalMs: 0, tickMs: 0, now: () => clock });
    progress.update({ label: 'reading', done: 0, total: 1000, unit: 'rows' });
    expect(lastLine(writes)).toBe('reading [------------------------]   0% 0/1000 rows');
    clock = 2000;
    progress.update({ label: 'reading', done: 100, total: 1000, unit: 'rows' });
    expect(lastLine(writes)).toBe('reading [##----------------------]  10% 100/1000 rows · 50 rows/s · ETA 18s');
    // Only the last 10 s count: a burst long ago does not flatter the ETA.
    clock = 30_000;
    progress.update({ label: 'reading', done: 400, total: 1000, unit: 'rows' });
    clock = 40_000;
    progress.update({ label: 'reading', done: 500, total: 1000, unit: 'rows' });
    expect(lastLine(writes)).toBe('reading [############------------]  50% 500/1000 rows · 10 rows/s · ETA 50s');
    progress.update({ label: 'driving jobs', done: 3, total: 30, unit: 'jobs' });
    expect(lastLine(writes)).toBe('driving jobs [##----------------------]  10% 3/30 jobs');
    progress.stop();
  });
});

describe('describeRunProgress: the whole run, step by step', () => {
  const at = (p: Partial<RunProgress>): RunProgress => ({ phase: 'read', rows: 0, totalRows: 3000, lookupsDone: 0, lookups: 0, jobsDone: 0, jobsStarted: 0, ...p });

  it('checks the input, reads and looks up rows, finishes the lookups, drives the jobs, writes the report', () => {
    expect(describeRunProgress(at({ phase: 'check', rows: 20_000, totalRows: 0 }))).toEqual({ label: 'checking the input', done: 20_000, unit: 'rows' });
    expect(describeRunProgress(at({ rows: 1200, lookupsDone: 150, lookups: 200, jobsDone: 3, jobsStarted: 9 }))).toEqual({
      label: 'reading',
      done: 1200,
      total: 3000,
      unit: 'rows',
      detail: 'looked up 150/200 · jobs 3/9',
    });
    expect(describeRunProgress(at({ phase: 'drive', rows: 3000, lookupsDone: 40, lookups: 162 }))).toEqual({ label: 'looking up', done: 40, total: 162, unit: 'identifiers' });
    expect(describeRunProgress(at({ phase: 'drive', rows: 3000, lookupsDone: 162, lookups: 162, jobsDone: 4, jobsStarted: 17 }))).toEqual({
      label: 'driving jobs',
      done: 4,
      total: 17,
      unit: 'jobs',
    });
    expect(describeRunProgress(at({ phase: 'report', rows: 3000 }))).toEqual({ label: 'writing the report', detail: '3000 rows' });
  });
});
