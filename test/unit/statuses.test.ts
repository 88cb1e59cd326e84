import { describe, expect, it } from 'vitest';
import { isJobStatus, isTerminalJobStatus, isTransientJobStatus, JOB_STATUSES } from '../../src/domain/job.js';
import { AWAITING_PROOF_OBJECT_STATUSES, DONE_OBJECT_STATUSES, isObjectDone, JOB_BOUND_OBJECT_STATUSES, OBJECT_STATUSES, UNCARRIED_OBJECT_STATUSES } from '../../src/domain/object-status.js';
import { isSettled, ROW_STATUSES } from '../../src/domain/row-status.js';

describe('redaction job statuses', () => {
  it("are Stripe's eight, each either transient (Stripe works), waiting for the client, or terminal", () => {
    expect(JOB_STATUSES).toEqual(['created', 'validating', 'ready', 'failed', 'redacting', 'succeeded', 'canceling', 'canceled']);
    expect(JOB_STATUSES.filter(isTransientJobStatus)).toEqual(['created', 'validating', 'redacting', 'canceling']);
    expect(JOB_STATUSES.filter(isTerminalJobStatus)).toEqual(['succeeded', 'canceled']);
  });

  it('recognises only those names', () => {
    for (const status of JOB_STATUSES) expect(isJobStatus(status)).toBe(true);
    for (const other of ['', 'Ready', 'pending', 'deleted']) expect(isJobStatus(other)).toBe(false);
  });
});

describe('object and row statuses', () => {
  it('call an object done only when it is redacted, already redacted or not found', () => {
    expect(OBJECT_STATUSES.filter(isObjectDone)).toEqual(['redacted', 'already_redacted', 'not_found']);
  });

  it('put every object status in exactly one of done, awaiting Stripe\'s proof, carried by no job, or tied to a job (what the state asks of each)', () => {
    const groups = [DONE_OBJECT_STATUSES, AWAITING_PROOF_OBJECT_STATUSES, UNCARRIED_OBJECT_STATUSES, JOB_BOUND_OBJECT_STATUSES].flat();
    expect([...groups].sort()).toEqual([...OBJECT_STATUSES].sort());
  });

  it('call a row settled (exit 0) when nothing is left to do for it', () => {
    expect(ROW_STATUSES.filter(isSettled)).toEqual(['redacted', 'already_redacted', 'skipped', 'not_found', 'ready', 'planned']);
  });
});
