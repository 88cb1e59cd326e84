import { describe, expect, it } from 'vitest';
import { classifyIdentifier } from '../../src/domain/identifier.js';
import { decideRowOutcome, type ObjectOutcome } from '../../src/domain/row-outcome.js';
import type { ObjectStatus } from '../../src/domain/object-status.js';

const T0 = '2026-11-28T00:00:00.000Z';
const object = (id: string, status: ObjectStatus, extra: Partial<ObjectOutcome> = {}): ObjectOutcome => ({
  id,
  status,
  jobIds: [],
  errorCodes: [],
  messages: [],
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
    expect(decideRowOutcome(email, 'redact', { resolved: true, objects: [], messages: [], updatedAt: T0 }, T0).status).toBe('not_found');
    expect(decideRowOutcome(email, 'redact', { resolved: false, objects: [], messages: [], updatedAt: T0 }, T0).status).toBe('pending');
    expect(decideRowOutcome(email, 'redact', undefined, T0).status).toBe('pending');
  });

  it('takes the status of the least finished customer behind an email, naming each in messages', () => {
    const outcome = decideRowOutcome(
      email,
      'redact',
      {
        resolved: true,
        messages: [],
        updatedAt: T0,
        objects: [
          object('cus_a', 'redacted', { jobIds: ['prj_1'] }),
          object('cus_b', 'needs_action', { jobIds: ['prj_2'], errorCodes: ['invalid_state'], messages: ['blocked'], updatedAt: '2026-11-29T00:00:00.000Z' }),
        ],
      },
      T0,
    );
    expect(outcome).toMatchObject({
      status: 'needs_action',
      customerIds: ['cus_a', 'cus_b'],
      jobIds: ['prj_1', 'prj_2'],
      errorCodes: ['invalid_state'],
      messages: ['cus_b: blocked'],
      updatedAt: '2026-11-29T00:00:00.000Z',
    });
  });

  it('prefers redacted over already_redacted when both happened', () => {
    const outcome = decideRowOutcome(email, 'redact', { resolved: true, messages: [], updatedAt: T0, objects: [object('cus_a', 'already_redacted'), object('cus_b', 'redacted')] }, T0);
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
    const outcome = decideRowOutcome(classifyIdentifier('cus_x1'), mode, { resolved: true, messages: [], updatedAt: T0, objects: [object('cus_x1', status)] }, T0);
    expect(outcome.status).toBe(expected);
  });
});
