/**
 * Drive one job in-process, as a run's scheduler would: the real state store (in memory), the
 * project's gateway against an emulator, the real watcher and run memory — and a context that
 * records what the driver asked of the run (jobs spawned, twins adopted, objects handed to
 * verification, log lines).
 */
import type { RedactionJobView, ValidationBehavior } from '../../src/domain/job.js';
import type { LogFields, Logger } from '../../src/io/logger.js';
import type { DriveContext } from '../../src/pipeline/drive-context.js';
import { JobWatcher } from '../../src/pipeline/job-watcher.js';
import { RunMemory } from '../../src/pipeline/run-memory.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import type { ObjectOutcome } from '../../src/domain/row-outcome.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { budgetedSend } from '../../src/pipeline/budgeted-send.js';
import { RateBudget } from '../../src/pipeline/rate-budget.js';
import { DEFAULT_RETRY_POLICY } from '../../src/pipeline/retry.js';
import { createStripeGateway } from '../../src/stripe/stripe-gateway.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

export interface DriveBench {
  store: StateStore;
  runId: string;
  gateway: StripeGateway;
  /** Operation labels of every request sent, in order. */
  sent: string[];
  watcher: JobWatcher;
  memory: RunMemory;
  logs: LogLine[];
  /** Object ids of each job the driver spawned, in order. */
  spawned: string[][];
  adopted: { twin: RedactionJobView; objectIds: string[] }[];
  verified: string[][];
  /** The context a driver gets; `overrides` replace its parts. */
  context(overrides?: Partial<DriveContext>): DriveContext;
  /** What the state holds of the object an id stands for. */
  object(id: string): ObjectOutcome | undefined;
  close(): void;
}

export interface DriveBenchOptions {
  mode?: 'validate' | 'redact';
  behavior?: ValidationBehavior;
  /** Ids noted and resolved to themselves in the state (as a lookup of ids makes them). */
  ids: string[];
  /** @default Infinity */
  maxWaitMs?: number;
  /**
   * Send through a rate budget and the production retry policy (its delays shrunk), as a run does,
   * so that a test sees what the retries make of an answer; else each request once, its first error
   * seen as it is. @default false
   */
  budgeted?: boolean;
}

export function driveBench(emulator: Pick<RunningEmulator, 'url'>, options: DriveBenchOptions): DriveBench {
  const store = openStateStore({ path: ':memory:' });
  const budget = options.budgeted ? new RateBudget({ maxRps: 200, maxSearchRps: 100 }) : undefined;
  const paced = budget && budgetedSend(budget, { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10, maxDelayMs: 20 });
  const sent: string[] = [];
  const gateway = createStripeGateway({
    apiKey: 'sk_test_drive',
    apiBase: emulator.url,
    send: (kind, label, request) => {
      sent.push(label);
      return paced ? paced(kind, label, request) : request();
    },
  });
  const runId = store.startRun(options.mode ?? 'redact', 'requests.csv');
  for (const id of options.ids) {
    store.noteIdentifier(store.idKey(id), 'customer', runId);
    store.recordResolution(store.idKey(id), [{ id, type: id.startsWith('cus_') ? 'customer' : 'payment_intent' }]);
  }
  const watcher = new JobWatcher(gateway, { pollIntervalMs: 5, ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}) });
  const memory = new RunMemory((id, type) => gateway.customerOf(id, type));
  const logs: LogLine[] = [];
  const log = (level: LogLine['level']) => (message: string, fields?: LogFields) => void logs.push({ level, message, fields });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), close: async () => undefined };
  const spawned: string[][] = [];
  const adopted: DriveBench['adopted'] = [];
  const verified: string[][] = [];
  return {
    store,
    runId,
    gateway,
    sent,
    watcher,
    memory,
    logs,
    spawned,
    adopted,
    verified,
    context: (overrides = {}) => ({
      gateway,
      store,
      watcher,
      logger,
      mode: options.mode ?? 'redact',
      behavior: options.behavior ?? 'error',
      spawn: (ids) => {
        spawned.push(ids);
        return store.insertJob(ids, 'error', runId).localId;
      },
      adopt: (twin, objectIds) => void adopted.push({ twin, objectIds }),
      memory,
      customerOf: (id, type) => gateway.customerOf(id, type),
      verify: (ids) => void verified.push([...ids]),
      ...overrides,
    }),
    object: (id) => store.identifierOutcome(store.idKey(id))?.objects.find((o) => o.id === id),
    close: () => {
      watcher.close();
      budget?.close();
      store.close();
    },
  };
}
