import type { ProgressUpdate } from '../io/progress.js';
import type { RunProgress } from '../pipeline/run-pipeline.js';

/**
 * What the bar shows for a run, step by step: the first pass over the input (rows), reading and
 * looking up (rows, of all the file's rows), the last lookups once every row is read
 * (identifiers), driving the jobs once every lookup is answered (jobs), writing the report.
 * Each step counts what is still growing in it, so that its rate and ETA mean something.
 */
export function describeRunProgress(p: RunProgress): ProgressUpdate {
  const jobs = p.jobsStarted > 0 ? `jobs ${p.jobsDone}/${p.jobsStarted}` : undefined;
  const withDetail = (update: ProgressUpdate, ...details: (string | undefined)[]): ProgressUpdate => {
    const detail = details.filter((d) => d !== undefined).join(' · ');
    return detail ? { ...update, detail } : update;
  };
  switch (p.phase) {
    case 'check':
      return { label: 'checking the input', done: p.rows, unit: 'rows' };
    case 'read':
    case 'drive':
      if (p.rows < p.totalRows) {
        const lookups = p.lookups > 0 ? `looked up ${p.lookupsDone}/${p.lookups}` : undefined;
        return withDetail({ label: 'reading', done: p.rows, total: p.totalRows, unit: 'rows' }, lookups, jobs);
      }
      if (p.lookupsDone < p.lookups) return withDetail({ label: 'looking up', done: p.lookupsDone, total: p.lookups, unit: 'identifiers' }, jobs);
      if (p.jobsStarted > 0) return { label: 'driving jobs', done: p.jobsDone, total: p.jobsStarted, unit: 'jobs' };
      return { label: 'looking up', done: p.lookupsDone, total: p.lookups, unit: 'identifiers' };
    case 'report':
      return { label: 'writing the report', detail: `${p.totalRows} rows` };
  }
}
