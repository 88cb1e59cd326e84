import { describe, expect, it } from 'vitest';
import type { Blocker } from '../../src/domain/blocker.js';
import { classifyIdentifier } from '../../src/domain/identifier.js';
import type { ObjectStatus } from '../../src/domain/object-status.js';
import type { Reason } from '../../src/domain/reason.js';
import { decideRowOutcome, type ObjectOutcome } from '../../src/domain/row-outcome.js';

const T0 = '2026-11-28T00:00:00.000Z';
const T1 = '2026-11-28T01:00:00.000Z';
const object = (id: string, status: ObjectStatus, extra: Partial<ObjectOutcome> = {}): ObjectOutcome => ({
  id, status, jobId: null, jobIds: [], errorCodes: [], reasons: [], blockers: [], fixes: [], updatedAt: T0, ...extra,
});
const email = classifyIdentifier('person@example.com');
const customer = classifyIdentifier('cus_one');
const text = (words: string): Reason => ({ code: 'text', text: words });
const blocker: Blocker = { code: 'invalid_state', message: 'Charge disputed.', erroringObject: { id: 'ch_1', objectType: 'charge' }, underFix: 'untried' };

describe('decideRowOutcome, in detail', () => {
  it('says why a row is pending before its lookup, after what the state noted, at the time the state noted it', () => {
    expect(decideRowOutcome(email, 'redact', { resolved: false, objects: [], reasons: [text('search failed')], updatedAt: T1 }, T0)).toEqual({
      status: 'pending',
      objectIds: [],
      jobIds: [],
      earlierJobIds: [],
      blockingCodes: [],
      fixes: [],
      messages: ['search failed', 'not looked up yet; the next run continues'],
      commands: [],
      updatedAt: T1,
      verifiedAt: null,
    });
    expect(decideRowOutcome(email, 'redact', undefined, T0)).toMatchObject({ messages: ['not looked up yet; the next run continues'], updatedAt: T0 });
  });

  it('says why a row whose objects are still under way is pending, naming the job when one carries them', () => {
    const inJob = decideRowOutcome(customer, 'redact', { resolved: true, objects: [object('cus_one', 'in_job', { jobId: 'prj_1', jobIds: ['prj_1'] })], reasons: [], updatedAt: T1 }, T0);
    expect(inJob).toMatchObject({ status: 'pending', messages: ['job prj_1 was still in progress when the run ended; the next run follows it'] });
    const queued = decideRowOutcome(customer, 'redact', { resolved: true, objects: [object('cus_one', 'queued')], reasons: [], updatedAt: T1 }, T0);
    expect(queued).toMatchObject({ status: 'pending', messages: ['not yet in a job when the run ended; the next run continues it'] });
    // A pending row that already says why gets nothing more.
    const said = decideRowOutcome(customer, 'redact', { resolved: true, objects: [object('cus_one', 'deferred', { reasons: [{ code: 'waits_for_own_job' }] })], reasons: [], updatedAt: T1 }, T0);
    expect(said.messages).toEqual(['held by a job of this state, which carries it too: it goes on when that job ends']);
  });

  it("words an email without customers in the lookup's own words, or a plain sentence when it left none", () => {
    expect(decideRowOutcome(email, 'redact', { resolved: true, objects: [], reasons: [{ code: 'no_customer', lookup: 'list' }], updatedAt: T1 }, T0)).toEqual({
      status: 'not_found', objectIds: [], jobIds: [], earlierJobIds: [], blockingCodes: [], fixes: [], messages: ['no Stripe customer has this email (exact list filter)'], commands: [], updatedAt: T1, verifiedAt: null,
    });
    expect(decideRowOutcome(email, 'redact', { resolved: true, objects: [], reasons: [], updatedAt: T1 }, T0).messages).toEqual(['no Stripe customer has this email']);
  });

  it('does not name the object in messages when the row stands for one, and keeps the identifier messages first', () => {
    const outcome = decideRowOutcome(customer, 'redact', {
      resolved: true, reasons: [text('looked up by id')], updatedAt: T0,
      objects: [object('cus_one', 'needs_action', { reasons: [{ code: 'waits_for_own_job' }], blockers: [blocker] })],
    }, T0);
    expect(outcome.messages).toEqual(['looked up by id', 'held by a job of this state, which carries it too: it goes on when that job ends', expect.stringMatching(/^Charge disputed\. \(charge ch_1\) — settle what holds the charge ch_1 .*Stripe's fix may clear it instead/)]);
  });

  it('explains blockers only for a needs_action object, though it reports their codes while the object is unsettled', () => {
    const outcome = decideRowOutcome(customer, 'redact', {
      resolved: true, reasons: [], updatedAt: T0,
      objects: [object('cus_one', 'failed', { blockers: [blocker], errorCodes: ['lock_timeout'], reasons: [{ code: 'job_error', job: 'prj_1', message: 'retries ran out', stripeCode: 'lock_timeout' }] })],
    }, T0);
    expect(outcome).toMatchObject({ status: 'failed', blockingCodes: ['invalid_state', 'lock_timeout'], messages: ['prj_1: retries ran out'] });
  });

  it('dates the row by its latest change, never earlier than the identifier', () => {
    const at = (objectTime: string) =>
      decideRowOutcome(customer, 'redact', { resolved: true, reasons: [], updatedAt: T1, objects: [object('cus_one', 'redacted', { updatedAt: objectTime })] }, T0).updatedAt;
    expect(at(T0)).toBe(T1);
    expect(at('2026-11-28T02:00:00.000Z')).toBe('2026-11-28T02:00:00.000Z');
  });

  it.each([
    ['already_redacted', 'redact', 'already_redacted'],
    ['not_found', 'redact', 'not_found'],
    ['ready', 'plan', 'planned'],
    ['queued', 'validate', 'pending'],
    ['needs_action', 'validate', 'needs_action'],
  ] as const)('maps an object %s in a %s run to %s', (status, mode, expected) => {
    const outcome = decideRowOutcome(customer, mode, { resolved: true, reasons: [], updatedAt: T0, objects: [object('cus_one', status)] }, T0);
    expect(outcome.status).toBe(expected);
  });
});
