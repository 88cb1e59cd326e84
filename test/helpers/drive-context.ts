/**
 * The context a run hands a job's driver (src/pipeline/drive-context.ts), built for an in-process
 * test: the real gateway, budget and retry policy against an emulator, a state in memory, and the
 * run's memory. What the driver spawns is collected instead of queued.
 */
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { ValidationBehavior } from '../../src/domain/job.js';
import { createSilentLogger } from '../../src/io/logger.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { budgetedSend } from '../../src/pipeline/budgeted-send.js';
import type { DriveContext } from '../../src/pipeline/drive-context.js';
import { JobWatcher } from '../../src/pipeline/job-watcher.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { RunMemory } from '../../src/pipeline/run-memory.js';
import { DEFAULT_RETRY_POLICY } from '../../src/pipeline/retry.js';
import { createStripeGateway } from '../../src/stripe/stripe-gateway.js';

export interface TestDrive {
  ctx: DriveContext;
  store: StateStore;
  /** The run every identifier was noted in. */
  run: string;
  /** The object ids of each `spawn` the driver asked for, in order. */
  spawned: string[][];
  /** Closes the budget and the state. */
  close(): void;
}

/**
 * A driver's context over `emulator`, with `customers` noted as this run's identifiers (each
 * resolved to itself), so that their objects' statuses can be read from the state.
 */
export function testDrive(
  emulator: Pick<RunningEmulator, 'url'>,
  options: { customers?: readonly string[]; mode?: 'validate' | 'redact'; behavior?: ValidationBehavior } = {},
): TestDrive {
  const store = openStateStore({ path: ':memory:' });
  const run = store.startRun('redact', 'requests.csv');
  for (const id of options.customers ?? []) {
    store.noteIdentifier(store.idKey(id), 'customer', run);
    store.recordResolution(store.idKey(id), [{ id, type: 'customer' }]);
  }
  const budget = new RateBudget({ maxRps: 200, maxSearchRps: 100 });
  const gateway = createStripeGateway({ apiKey: 'sk_test_drive', apiBase: emulator.url, send: budgetedSend(budget, { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10, maxDelayMs: 20 }) });
  const spawned: string[][] = [];
  const ctx: DriveContext = {
    gateway,
    store,
    watcher: new JobWatcher(gateway, { pollIntervalMs: 10, maxWaitMs: 10_000 }),
    logger: createSilentLogger(),
    mode: options.mode ?? 'redact',
    behavior: options.behavior ?? 'error',
    spawn: (ids) => {
      spawned.push([...ids]);
      return undefined;
    },
    adopt: () => {},
    memory: new RunMemory((id, type) => gateway.customerOf(id, type)),
    customerOf: (id, type) => gateway.customerOf(id, type),
  };
  return {
    ctx,
    store,
    run,
    spawned,
    close: () => {
      budget.close();
      store.close();
    },
  };
}
