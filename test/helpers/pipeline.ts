/**
 * Run the real pipeline in-process against an emulator: the real SDK adapter, rate budget, state
 * store (a file in a temp dir, so consecutive runs share it) and report writer.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { createSilentLogger } from '../../src/io/logger.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { openBudget, openGateway, ResourceStack } from '../../src/cli/run-resources.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../src/pipeline/retry.js';
import { runPipeline, type RunOptions, type RunSummary } from '../../src/pipeline/run-pipeline.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { markReport, nextScenario, saveReportSnapshot } from './report-snapshot.js';

export interface PipelineWorkspace {
  dir: string;
  statePath: string;
  /**
   * Writes `requests.csv` and runs the pipeline over it; every run of a workspace shares its state.
   * `wrapGateway` lets a test watch or time what the pipeline asks (e.g. move the emulator's clock).
   */
  run(csv: string, options?: Partial<RunOptions>, wrapGateway?: (gateway: StripeGateway) => StripeGateway): Promise<PipelineResult>;
}

export interface PipelineResult {
  summary: RunSummary;
  /** results.csv as records keyed by column. */
  rows: Record<string, string>[];
}

/** `retry`: the pipeline's retry policy (default: the production one, shrunk to tens of ms). */
export function pipelineWorkspace(
  emulator: Pick<RunningEmulator, 'url'>,
  retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 20, maxDelayMs: 100 },
): PipelineWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'stripe-redact-pipeline-'));
  const statePath = join(dir, 'state.db');
  return {
    dir,
    statePath,
    async run(csv, options = {}, wrapGateway = (gateway) => gateway) {
      const inputPath = join(dir, 'requests.csv');
      writeFileSync(inputPath, csv);
      // The CLI's composition root: the same stack closes what the run opened, last first.
      const resources = new ResourceStack();
      const store = resources.use(openStateStore({ path: statePath }), (s) => s.close());
      const budget = openBudget(resources, { maxRps: 200, maxSearchRps: 100 });
      const gateway = wrapGateway(openGateway({ apiKey: 'sk_test_pipeline', apiBase: emulator.url, budget, retry }));
      const report = markReport(dir);
      const scenario = report && nextScenario();
      try {
        const summary = await runPipeline(
          {
            inputPath,
            outDir: dir,
            mode: 'redact',
            validationBehavior: 'error',
            lookup: 'auto',
            jobConcurrency: 20,
            pollIntervalMs: 10,
            livemode: false,
            ...options,
          },
          { gateway, budget, store, logger: createSilentLogger() },
        );
        // Compared across variants when STRIPE_REDACT_REPORT_DIR is set (report-snapshot.ts).
        if (scenario) saveReportSnapshot(report, scenario, { summary: { ...summary } });
        const rows = parse(readFileSync(join(dir, 'results.csv')), { columns: true }) as Record<string, string>[];
        return { summary, rows };
      } finally {
        await resources.close();
      }
    },
  };
}
