/**
 * The report begins early (docs/architecture.md#the-report-begins-early), in-process: a row whose
 * request an earlier run settled is in results.csv's temporary file while the new row's job is still
 * in Stripe's validation, and both rows come out as they would have after the jobs. No clock is
 * raced: Stripe's validation lasts an hour on the emulator's clock, and the test moves that clock
 * only once it has seen the settled row written, so a report that waited for the jobs never ends.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace } from '../helpers/pipeline.js';

/** How long Stripe's validation holds a job, on the emulator's clock (its longest). */
const VALIDATION_SECONDS = 3600;

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/**
 * The run's gateway, where a poll that finds a job validating moves Stripe's clock past its
 * validation once `release()` says so; until then the job stays in validation.
 */
function holdInValidation(e: TestEmulator, release: () => boolean) {
  return (gateway: StripeGateway): StripeGateway => ({
    ...gateway,
    retrieveJob: async (id) => {
      const job = await gateway.retrieveJob(id);
      if (job.status === 'validating' && release()) e.clock.advance(VALIDATION_SECONDS);
      return job;
    },
  });
}

/** What results.csv's temporary file (result-writer.ts writeAtomically) holds so far; '' before it exists. */
function resultsSoFar(dir: string): string {
  const temporary = readdirSync(dir).find((name) => name.startsWith('.results.csv.') && name.endsWith('.tmp'));
  return temporary === undefined ? '' : readFileSync(join(dir, temporary), 'utf8');
}

describe('runPipeline: the report begins early', () => {
  it("writes a row settled by an earlier run while the new row's job is still in validation; both rows as before", async () => {
    emulator = await startTestEmulator({
      validationMs: VALIDATION_SECONDS * 1000,
      redactionMs: 5,
      seed: {
        customers: [
          { id: 'cus_earlier', email: 'earlier@example.com' },
          { id: 'cus_tonight', email: 'tonight@example.com' },
        ],
      },
    });
    const e = emulator;
    const workspace = pipelineWorkspace(e);
    // The earlier night: its job goes through validation at the first poll.
    const earlier = await workspace.run('ticket,email\nT1,earlier@example.com\n', { column: 'email' }, holdInValidation(e, () => true));
    expect(earlier.rows.map((r) => [r.ticket, r.status])).toEqual([['T1', 'redacted']]);

    // Tonight's cumulative export: the settled request first, then a new one.
    let writtenWhileHeld: string | undefined;
    const tonight = await workspace.run(
      'ticket,email\nT1,earlier@example.com\nT2,tonight@example.com\n',
      { column: 'email' },
      holdInValidation(e, () => {
        const soFar = resultsSoFar(workspace.dir);
        if (!soFar.includes('earlier@example.com')) return false;
        writtenWhileHeld ??= soFar;
        return true;
      }),
    );
    // T2's job left validation only once T1's row was written, and T2's row was not written yet.
    expect(writtenWhileHeld).toContain('T1,earlier@example.com,');
    expect(writtenWhileHeld).not.toContain('tonight@example.com');
    expect(tonight.rows.map((r) => [r.ticket, r.status])).toEqual([
      ['T1', 'redacted'],
      ['T2', 'redacted'],
    ]);
    // The settled row reads as it did the night it was settled, in tonight's run.
    expect(tonight.rows[0]).toEqual({ ...earlier.rows[0], run_id: tonight.summary.runId });
    expect(tonight.summary.jobs.driven).toBe(1);
  });
});
