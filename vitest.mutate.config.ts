import { defineConfig } from 'vitest/config';

/**
 * The tests `npm run mutate` runs against each mutant: the unit tests and the in-process pipeline
 * tests, which kill most mutants of src/domain and src/pipeline in seconds. The CLI tests spawn
 * processes and would make a run over ~1,600 mutants take hours on two cores, so they stay out.
 */
export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/integration/run-pipeline.test.ts',
      'test/integration/run-pipeline-report.test.ts',
      'test/integration/run-pipeline-lookup.test.ts',
      'test/integration/run-pipeline-summary.test.ts',
      'test/integration/run-pipeline-jobs.test.ts',
      'test/integration/job-watcher.test.ts',
      'test/integration/job-watcher-waits.test.ts',
      'test/integration/job-watcher-pages.test.ts',
      'test/integration/settle-by-presence.test.ts',
      'test/integration/drive-job-fatal.test.ts',
      'test/integration/drive-job-create-refused.test.ts',
      'test/integration/refused-transitions.test.ts',
      'test/integration/run-pipeline-locks.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
