import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/sqlite-state-store.js';
import { settleByPresence } from '../../src/pipeline/settle-by-presence.js';
import { recordingGateway, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ seed: { customers: [{ id: 'cus_here', email: 'here@example.com' }, { id: 'cus_gone', email: 'gone@example.com', deleted: true }] } });
});
afterAll(() => emulator.close());

describe('settleByPresence', () => {
  it('settles an unknown object as not_found, and leaves one that is there alone, and — without a way to send jobs (plan) — a deleted customer too', async () => {
    const store = openStateStore({ path: ':memory:' });
    const { gateway, sent } = recordingGateway(emulator);
    for (const id of ['cus_here', 'cus_gone', 'cus_nowhere']) {
      store.noteIdentifier(store.idKey(id), 'customer', 'run_a');
      store.recordResolution(store.idKey(id), [{ id, type: 'customer' }]);
    }
    const ctx = { gateway, store };
    expect(await settleByPresence('cus_here', 'customer', ctx)).toBe(false);
    // Deleted is not redacted: a plan run leaves it for the redact run to put in a job.
    expect(await settleByPresence('cus_gone', 'customer', ctx)).toBe(false);
    expect(await settleByPresence('cus_nowhere', 'customer', ctx)).toBe(true);
    expect(sent).toEqual(['customer.retrieve', 'customer.retrieve', 'customer.retrieve']);

    const outcome = (id: string) => store.identifierOutcome(store.idKey(id))?.objects[0];
    expect(outcome('cus_here')).toMatchObject({ status: 'queued', reasons: [] });
    expect(outcome('cus_gone')).toMatchObject({ status: 'queued', jobId: null, reasons: [] });
    expect(outcome('cus_nowhere')).toMatchObject({ status: 'not_found', jobId: null, reasons: [{ code: 'no_such_object' }] });
    store.close();
  });
});
