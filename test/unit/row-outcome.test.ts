import { describe, expect, it } from 'vitest';
import { classifyIdentifier } from '../../src/domain/identifier.js';
import { decideRowOutcome, type ObjectOutcome } from '../../src/domain/row-outcome.js';
import type { ObjectStatus } from '../../src/domain/object-status.js';

const T0 = '2026-11-28T00:00:00.000Z';
const object = (id: string, status: ObjectStatus, extra: Partial<ObjectOutcome> = {}): ObjectOutcome => ({
  id,
  status,
  jobId: null,
  jobIds: [],
  errorCodes: [],
  reasons: [],
  blockers: [],
  fixes: [],
  updatedAt: T0,
  ...extra,
});
const email = classifyIdentifier('Person@Example.com');

describe('decideRowOutcome', () => {
  it('reports an invalid cell with its reason', () => {
    const outcome = decideRowOutcome(classifyIdentifier('sub_123'), 'redact', undefined, T0);
    expect(outcome.status).toBe('invalid');
    expect(outcome.messages[0]).toMatch(/sub_/);
  });

  it('calls an email that resolved to nothing not_found, and one never looked up pending', () => {
    expect(decideRowOutcome(email, 'redact', { resolved: true, objects: [], reasons: [], updatedAt: T0 }, T0).status).toBe('not_found');
    expect(decideRowOutcome(email, 'redact', { resolved: false, objects: [], reasons: [], updatedAt: T0 }, T0).status).toBe('pending');
    expect(decideRowOutcome(email, 'redact', undefined, T0).status).toBe('pending');
  });

  it('takes the status of the least finished customer behind an email, naming each in messages', () => {
    const outcome = decideRowOutcome(
      email,
      'redact',
      {
        resolved: true,
        reasons: [],
        updatedAt: T0,
        objects: [
          object('cus_a', 'redacted', { jobId: 'prj_1', jobIds: ['prj_0', 'prj_1'] }),
          object('cus_b', 'needs_action', {
            jobId: 'prj_2',
            jobIds: ['prj_0', 'prj_2'],
            blockers: [{ code: 'invalid_state', message: 'Charge disputed.', erroringObject: { id: 'ch_1', objectType: 'charge' }, underFix: 'untried' }],
            reasons: [{ code: 'text', text: 'found late' }],
            updatedAt: '2026-11-29T00:00:00.000Z',
          }),
        ],
      },
      T0,
    );
    expect(outcome).toMatchObject({
      status: 'needs_action',
      objectIds: ['cus_a', 'cus_b'],
      jobIds: ['prj_1', 'prj_2'],
      earlierJobIds: ['prj_0'],
      blockingCodes: ['invalid_state'],
      fixes: [],
      updatedAt: '2026-11-29T00:00:00.000Z',
    });
    expect(outcome.messages).toEqual(['cus_b: found late', expect.stringMatching(/^cus_b: Charge disputed\. \(charge ch_1\) — settle what holds the charge ch_1/)]);
    // The operator's flags apart from the words, once per row.
    expect(outcome.commands).toEqual(['--mode validate --validation-behavior fix']);
  });

  it('leaves out objects that do not exist, and blockers once settled; says what fix did or would do', () => {
    const fix = { code: 'invalid_state', message: 'Not finalized.', erroringObject: { id: 'pi_1', objectType: 'payment_intent' }, underFix: 'untried' } as const;
    const redacted = decideRowOutcome(email, 'redact', {
      resolved: true, reasons: [], updatedAt: T0,
      objects: [object('cus_a', 'redacted', { jobId: 'prj_1', jobIds: ['prj_1'], fixes: [fix], blockers: [fix], errorCodes: ['x'] }), object('cus_gone', 'not_found')],
    }, T0);
    expect(redacted).toMatchObject({ status: 'redacted', objectIds: ['cus_a'], blockingCodes: [], fixes: ['canceled PaymentIntent pi_1'], jobIds: ['prj_1'], earlierJobIds: [] });
    const ready = decideRowOutcome(email, 'validate', { resolved: true, reasons: [], updatedAt: T0, objects: [object('cus_a', 'ready', { fixes: [fix], jobIds: ['prj_1'] })] }, T0);
    expect(ready).toMatchObject({ status: 'ready', fixes: ['would cancel PaymentIntent pi_1'], jobIds: [], earlierJobIds: ['prj_1'] });
  });

  it('prefers redacted over already_redacted when both happened', () => {
    const outcome = decideRowOutcome(email, 'redact', { resolved: true, reasons: [], updatedAt: T0, objects: [object('cus_a', 'already_redacted'), object('cus_b', 'redacted')] }, T0);
    expect(outcome.status).toBe('redacted');
  });

  it.each([
    ['queued', 'plan', 'planned'],
    ['queued', 'redact', 'pending'],
    ['ready', 'validate', 'ready'],
    ['ready', 'redact', 'pending'],
    ['in_job', 'redact', 'pending'],
    ['deferred', 'validate', 'pending'],
    ['failed', 'redact', 'failed'],
  ] as const)('maps an object %s in a %s run to %s', (status, mode, expected) => {
    const outcome = decideRowOutcome(classifyIdentifier('cus_x1'), mode, { resolved: true, reasons: [], updatedAt: T0, objects: [object('cus_x1', status)] }, T0);
    expect(outcome.status).toBe(expected);
  });
});
