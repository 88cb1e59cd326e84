import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Empties STRIPE_REDACT_REPORT_DIR (when set) before a pass saves its report snapshots.
    globalSetup: ['test/helpers/report-dir-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The machine has two cores; CLI tests spawn processes of their own.
    maxWorkers: 2,
  },
});
