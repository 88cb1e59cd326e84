import { describe, expect, it } from 'vitest';
import { GatewayError, type GatewayErrorKind } from '../../src/errors.js';
import { isRefusal } from '../../src/pipeline/job-actions.js';
import { isLockRefusedAtCreate } from '../../src/pipeline/refused-create.js';

const error = (kind: GatewayErrorKind, status: number | undefined, stripeCode?: string) =>
  new GatewayError('Stripe said no.', { kind, retryable: kind === 'conflict' && stripeCode === 'idempotency_key_in_use', ...(status !== undefined ? { status } : {}), ...(stripeCode ? { stripeCode } : {}) });

describe('isRefusal: Stripe refused a call on a job, to be settled by reading the job', () => {
  it.each([
    [error('invalid_request', 400), true],
    [error('invalid_request', 400, 'status_transition_invalid'), true],
    [error('conflict', 409), true],
    [error('conflict', 409, 'status_transition_invalid'), true],
    [error('not_found', 404, 'resource_missing'), true],
    [error('conflict', 409, 'idempotency_key_in_use'), false],
    [error('idempotency', 400), false],
    [error('rate_limited', 429, 'rate_limit'), false],
    [error('api', 500), false],
    [error('connection', undefined), false],
    [error('permission', 403), false],
    // The kind alone is not enough: only a 400, 404 or 409 answer is a refusal.
    [error('invalid_request', 422), false],
    [error('not_found', undefined), false],
    [error('conflict', 500), false],
  ] as const)('%o → %s', (refusal, expected) => {
    expect(isRefusal(refusal)).toBe(expected);
  });

  it('is false for anything but a GatewayError, even one shaped like a refusal', () => {
    expect(isRefusal(new Error('boom'))).toBe(false);
    expect(isRefusal({ kind: 'invalid_request', status: 400, message: 'Stripe said no.' })).toBe(false);
  });
});

describe('isLockRefusedAtCreate: a create refused with nothing that names another cause', () => {
  it.each([
    [error('invalid_request', 400), true],
    [error('conflict', 409), true],
    [error('invalid_request', 400, 'locked_by_other_job'), true],
    [error('not_found', 400, 'resource_missing'), false],
    [error('invalid_request', 400, 'parameter_invalid'), false],
    [error('not_found', 404), false],
    [error('conflict', 409, 'idempotency_key_in_use'), false],
  ] as const)('%o → %s', (refusal, expected) => {
    expect(isLockRefusedAtCreate(refusal)).toBe(expected);
  });
});
