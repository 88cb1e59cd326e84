/**
 * Proof from Stripe (issue 14): the per-kind verdict on a read, the date a held object becomes
 * eligible, the report's words, and a row's status from its objects' — `redacted` only when every
 * object of it is.
 */
import { describe, expect, it } from 'vitest';
import { classifyIdentifier } from '../../src/domain/identifier.js';
import { decideRowOutcome, type ObjectOutcome } from '../../src/domain/row-outcome.js';
import { describeVerification, eligibleOn, verdictAfterJob, STATED_STATUSES, type StripeRecord } from '../../src/domain/verification.js';

const DAY = 86_400;
/** 2026-12-01T00:00:00Z */
const DEC_1 = Date.UTC(2026, 11, 1) / 1000;
const READ_AT = '2026-12-06T10:00:00.000Z';

const record = (stated: StripeRecord['stated'], extra: Partial<StripeRecord> = {}): StripeRecord => ({
  stated,
  created: DEC_1,
  readAt: READ_AT,
  verifiedAt: null,
  ...extra,
});

describe('verdictAfterJob', () => {
  it('takes a customer for redacted only when it reads deleted (or its own status says redacted)', () => {
    expect(verdictAfterJob('customer', { stated: 'deleted', created: null })).toEqual({ kind: 'redacted', proof: 'deleted' });
    expect(verdictAfterJob('customer', { stated: 'redacted', created: DEC_1 })).toEqual({ kind: 'redacted', proof: 'redaction_status' });
    // A customer's status covers its related objects: while one is held, so is it.
    expect(verdictAfterJob('customer', { stated: 'validated', created: DEC_1 })).toEqual({ kind: 'pending', why: 'validated' });
    expect(verdictAfterJob('customer', { stated: 'processing', created: DEC_1 })).toEqual({ kind: 'pending', why: 'processing' });
    expect(verdictAfterJob('customer', { stated: 'none', created: DEC_1 })).toEqual({ kind: 'pending', why: 'not_shown' });
    // Without the field, a customer still has deleted to prove it: until then it is not shown redacted.
    expect(verdictAfterJob('customer', { stated: 'no_field', created: DEC_1 })).toEqual({ kind: 'pending', why: 'not_shown' });
  });

  it('takes other kinds by their own redaction.status, and a kind without the field by its job', () => {
    for (const type of ['charge', 'payment_intent', 'setup_intent', 'checkout_session'] as const) {
      expect(verdictAfterJob(type, { stated: 'redacted', created: DEC_1 })).toEqual({ kind: 'redacted', proof: 'redaction_status' });
      expect(verdictAfterJob(type, { stated: 'validated', created: DEC_1 })).toEqual({ kind: 'pending', why: 'validated' });
      expect(verdictAfterJob(type, { stated: 'processing', created: DEC_1 })).toEqual({ kind: 'pending', why: 'processing' });
      expect(verdictAfterJob(type, { stated: 'none', created: DEC_1 })).toEqual({ kind: 'pending', why: 'not_shown' });
    }
    expect(verdictAfterJob('invoice', { stated: 'no_field', created: DEC_1 })).toEqual({ kind: 'redacted', proof: 'job_only' });
    expect(verdictAfterJob('invoice', { stated: 'missing', created: null })).toEqual({ kind: 'redacted', proof: 'gone' });
    expect(verdictAfterJob('charge', { stated: 'unknown', raw: 'queued', created: DEC_1 })).toEqual({ kind: 'pending', why: 'unknown' });
  });

  it('gives every stated status a verdict', () => {
    for (const stated of STATED_STATUSES) expect(verdictAfterJob('charge', { stated, created: null }).kind).toMatch(/^(redacted|pending)$/);
  });
});

describe('eligibleOn', () => {
  it('is 90 days after a charge or PaymentIntent was created, and unknown where the object does not tell', () => {
    expect(eligibleOn('charge', DEC_1)).toBe('2027-03-01');
    expect(eligibleOn('payment_intent', DEC_1 + DAY)).toBe('2027-03-02');
    expect(eligibleOn('charge', null)).toBeNull();
    expect(eligibleOn('customer', DEC_1)).toBeNull();
  });
});

describe('describeVerification', () => {
  it('names the object Stripe still holds and why, with the date a young charge becomes eligible', () => {
    expect(describeVerification('ch_young', 'charge', record('validated'))).toBe(
      `ch_young: Stripe holds it until it is eligible for redaction (redaction.status validated: charges younger than 90 days wait); eligible from 2027-03-01 (read ${READ_AT}); the next run reads it again`,
    );
    expect(describeVerification('cus_held', 'customer', record('validated'))).toMatch(/^cus_held: Stripe holds it until its related objects are eligible/);
    expect(describeVerification('cus_held', 'customer', record('validated'))).not.toMatch(/eligible from/);
    expect(describeVerification('pi_busy', 'payment_intent', record('processing'))).toBe(
      `pi_busy: Stripe is still redacting it (redaction.status processing, read ${READ_AT}); the next run reads it again`,
    );
    expect(describeVerification('cus_unread', 'customer', null)).toMatch(/^cus_unread: its job succeeded; Stripe has not been read yet/);
  });

  it('says Stripe offers no per-object proof for a kind without a redaction field, and nothing for a proven one', () => {
    expect(describeVerification('in_1', 'invoice', record('no_field', { verifiedAt: READ_AT }))).toMatch(/^in_1: Stripe offers no per-object proof of redaction/);
    expect(describeVerification('cus_1', 'customer', record('deleted', { verifiedAt: READ_AT }))).toBeUndefined();
    expect(describeVerification('ch_1', 'charge', record('redacted', { verifiedAt: READ_AT }))).toBeUndefined();
  });
});

describe('a row from its objects', () => {
  const T0 = '2026-12-06T09:00:00.000Z';
  const object = (id: string, status: ObjectOutcome['status'], stripe: StripeRecord | null, extra: Partial<ObjectOutcome> = {}): ObjectOutcome => ({
    id, status, jobId: 'prj_1', jobIds: ['prj_1'], errorCodes: [], reasons: [], blockers: [], fixes: [], updatedAt: T0, stripe, ...extra,
  });
  const email = classifyIdentifier('p@example.com');

  it('is redacted only when every object is, with verified_at the latest of their proofs', () => {
    const later = '2026-12-06T11:00:00.000Z';
    const row = decideRowOutcome(email, 'redact', {
      resolved: true, reasons: [], updatedAt: T0,
      objects: [object('cus_a', 'redacted', record('deleted', { verifiedAt: READ_AT })), object('cus_b', 'redacted', record('deleted', { verifiedAt: later }))],
    }, T0);
    expect(row).toMatchObject({ status: 'redacted', verifiedAt: later, messages: [] });
  });

  it('is redaction_pending while any object reads otherwise, saying which and why, with no verified_at', () => {
    const row = decideRowOutcome(email, 'redact', {
      resolved: true, reasons: [], updatedAt: T0,
      objects: [object('cus_a', 'redacted', record('deleted', { verifiedAt: READ_AT })), object('cus_b', 'redaction_pending', record('validated'))],
    }, T0);
    expect(row.status).toBe('redaction_pending');
    expect(row.verifiedAt).toBeNull();
    expect(row.messages).toEqual([expect.stringMatching(/^cus_b: Stripe holds it until its related objects are eligible/)]);
  });

  it('lets unfinished work outrank Stripe\'s schedule, and Stripe\'s schedule outrank what is settled', () => {
    const objects = (a: ObjectOutcome['status'], b: ObjectOutcome['status']) =>
      decideRowOutcome(email, 'redact', { resolved: true, reasons: [], updatedAt: T0, objects: [object('cus_a', a, null), object('cus_b', b, null)] }, T0).status;
    expect(objects('redaction_pending', 'in_job')).toBe('pending');
    expect(objects('redaction_pending', 'needs_action')).toBe('needs_action');
    expect(objects('redaction_pending', 'already_redacted')).toBe('redaction_pending');
    expect(objects('redaction_pending', 'not_found')).toBe('redaction_pending');
  });

  it('names for a customer deleted before the last job of its objects, the others earlier', () => {
    const customerId = classifyIdentifier('cus_gone');
    const row = decideRowOutcome(customerId, 'redact', {
      resolved: true, reasons: [], updatedAt: T0,
      objects: [
        object('cus_gone', 'already_redacted', record('deleted'), { jobId: null, jobIds: ['prj_refused'], reasons: [{ code: 'deleted_before', related: 11 }] }),
        object('ch_1', 'redacted', record('redacted', { verifiedAt: READ_AT }), { jobId: 'prj_a', jobIds: ['prj_a'] }),
        object('pi_1', 'redacted', record('redacted', { verifiedAt: READ_AT }), { jobId: 'prj_b', jobIds: ['prj_b'] }),
      ],
    }, T0);
    expect(row).toMatchObject({ status: 'redacted', objectIds: ['cus_gone', 'ch_1', 'pi_1'], jobIds: ['prj_b'], earlierJobIds: ['prj_refused', 'prj_a'], verifiedAt: READ_AT });
  });
});
