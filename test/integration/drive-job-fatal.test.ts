/**
 * A fatal gateway error (a revoked key, a lost permission) stops the run at once: the driver of the
 * job it hit writes nothing more — in particular, the objects deferred on that job are not
 * released into new jobs of a dying run (issue 16's fatal-error gap).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/io/logger.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import type { DriveContext } from '../../src/pipeline/drive-context.js';
import { driveJob } from '../../src/pipeline/drive-job.js';
import { JobWatcher } from '../../src/pipeline/job-watcher.js';
import { RunMemory } from '../../src/pipeline/run-memory.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [{ id: 'cus_f1', email: 'f1@example.com' }, { id: 'cus_f2', email: 'f2@example.com' }] } });
});
afterAll(() => emulator.close());

describe('driveJob after a fatal error', () => {
  it('rethrows it and releases none of the objects waiting for the job: no new job is written', async () => {
    const store = openStateStore({ path: ':memory:' });
    const { gateway } = recordingGateway(emulator);
    const runId = store.startRun('redact', 'requests.csv');
    for (const id of ['cus_f1', 'cus_f2']) {
      store.noteIdentifier(store.idKey(id), 'customer', runId);
      store.recordResolution(store.idKey(id), [{ id, type: 'customer' }]);
    }
    const holder = store.insertJob(['cus_f1'], 'error', runId);
    const created = await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: ['cus_f1'] } });
    store.recordJobCreated(holder, created.id, 'validating', created.created);
    // cus_f2 waits for the holder, as a lock by this state's own job makes it.
    store.setObjectStatus(['cus_f2'], { status: 'deferred', jobLocalId: holder.localId, deferredOn: holder.localId });
    // The key is revoked while the holder is waited on.
    emulator.faults.use({ method: 'GET', path: /^\/v1\/privacy\/redaction_jobs/, status: 401 });

    const spawned: string[][] = [];
    const watcher = new JobWatcher(gateway, { pollIntervalMs: 5, maxWaitMs: 10_000 });
    const ctx: DriveContext = {
      gateway,
      store,
      watcher,
      logger: createSilentLogger(),
      mode: 'redact',
      behavior: 'error',
      spawn: (ids) => {
        spawned.push(ids);
        return store.insertJob(ids, 'error', runId).localId;
      },
      adopt: () => undefined,
      memory: new RunMemory((id, type) => gateway.customerOf(id, type)),
      customerOf: (id, type) => gateway.customerOf(id, type),
    };
    try {
      await expect(driveJob(holder, ctx)).rejects.toThrow(expect.objectContaining({ constructor: GatewayError, kind: 'auth' }));
    } finally {
      watcher.close();
      emulator.faults.reset();
    }
    expect(spawned).toEqual([]);
    expect(store.objectStatus('cus_f2')).toBe('deferred');
    expect(store.liveJobs().map((job) => job.objectIds)).toEqual([['cus_f1']]);
    store.close();
  });
});
