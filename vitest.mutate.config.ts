import { defineConfig } from 'vitest/config';

/**
 * The tests `npm run mutate` runs against each mutant: every in-process test (unit and integration),
 * which kill most mutants of src/domain and src/pipeline in seconds. The CLI tests spawn processes
 * and would make a run over ~2,000 mutants take hours on two cores, so they stay out. Stryker's
 * per-test coverage runs only the tests that reach a mutant, so the emulator's own tests here cost
 * only the first (dry) run.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
