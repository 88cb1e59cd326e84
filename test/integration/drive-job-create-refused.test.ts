/**
 * A create Stripe refuses `resource_missing`, in-process: the slot it names is read, and what the
 * read finds decides — gone ones settled, the rest in a new job; none gone, the rows fail for the
 * next run. The fault fires on the create only, before anything is carried out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pipelineWorkspace } from '../helpers/pipeline.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const CREATE = { method: 'POST', path: '/v1/privacy/redaction_jobs' } as const;

describe('a create refused resource_missing', () => {
  it('naming a slot Stripe does hold: nothing is gone, the rows fail with the refusal and the next run tries again', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [{ id: 'cus_r1', email: 'r1@example.com' }] } });
    emulator.faults.use({ ...CREATE, status: 400, code: 'resource_missing', message: 'No such customer: cus_r1', times: 1 });
    const ws = pipelineWorkspace(emulator);
    const first = await ws.run('id\ncus_r1\n');
    expect(first.rows[0]).toMatchObject({ status: 'failed', blocking_codes: 'resource_missing' });
    expect(first.rows[0]?.messages).toContain('No such customer: cus_r1');
    const second = await ws.run('id\ncus_r1\n');
    expect(second.rows[0]?.status).toBe('redacted');
  });

  it('naming the slot of an id Stripe does not hold: it is not_found, the others go on in a new job', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, seed: { customers: [{ id: 'cus_r1', email: 'r1@example.com' }] } });
    emulator.faults.use({ ...CREATE, status: 400, code: 'resource_missing', message: 'No such customer', times: 1 });
    // Without a param every identifier is read: the missing one is settled, the other goes on.
    const { rows, summary } = await pipelineWorkspace(emulator).run('id\ncus_r1\ncus_nowhere\n');
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['cus_r1', 'redacted'],
      ['cus_nowhere', 'not_found'],
    ]);
    expect(summary.apiCalls.byOperation['redaction_jobs.create']).toBe(2);
  });
});
