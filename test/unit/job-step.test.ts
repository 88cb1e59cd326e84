import { describe, expect, it } from 'vitest';
import { MAX_VALIDATIONS_PER_RUN, isRefusedBecauseMovedOn, nextJobStep, type JobFacts, type JobStep } from '../../src/domain/job-step.js';
import { JOB_STATUSES } from '../../src/domain/job.js';

const facts = (overrides: Partial<JobFacts>): JobFacts => ({
  status: 'ready',
  behavior: 'error',
  fresh: true,
  validations: 0,
  mode: 'redact',
  runBehavior: 'error',
  replacedBefore: false,
  ...overrides,
});

describe('nextJobStep: the job life as one decision', () => {
  it.each([
    // status, behaviour, fresh, validations, mode, run behaviour, replaced before → step
    ['created', 'error', true, 0, 'redact', 'error', false, { kind: 'wait' }],
    ['validating', 'fix', false, 0, 'redact', 'fix', false, { kind: 'wait' }],
    ['redacting', 'error', true, 0, 'redact', 'error', false, { kind: 'wait' }],
    ['canceling', 'error', true, 0, 'validate', 'error', false, { kind: 'wait' }],
    ['ready', 'error', true, 0, 'redact', 'error', false, { kind: 'run' }],
    ['ready', 'fix', true, 1, 'redact', 'fix', false, { kind: 'run' }],
    ['ready', 'error', false, 0, 'redact', 'fix', false, { kind: 'run' }],
    ['ready', 'fix', false, 0, 'redact', 'error', false, { kind: 'cancel_and_repack' }],
    ['ready', 'error', true, 0, 'validate', 'error', false, { kind: 'report_ready_and_cancel' }],
    ['ready', 'fix', true, 1, 'validate', 'fix', false, { kind: 'report_ready_and_cancel' }],
    ['failed', 'error', true, 0, 'redact', 'error', false, { kind: 'settle_failure' }],
    ['failed', 'fix', true, 1, 'redact', 'fix', false, { kind: 'settle_failure' }],
    ['failed', 'error', false, 0, 'redact', 'error', false, { kind: 'revalidate' }],
    ['failed', 'fix', false, 0, 'redact', 'fix', false, { kind: 'revalidate' }],
    ['failed', 'fix', false, 0, 'redact', 'error', false, { kind: 'revalidate', switchTo: 'error' }],
    ['failed', 'error', false, MAX_VALIDATIONS_PER_RUN - 1, 'redact', 'error', false, { kind: 'revalidate' }],
    ['failed', 'error', false, MAX_VALIDATIONS_PER_RUN, 'redact', 'error', false, { kind: 'give_up' }],
    ['failed', 'error', true, MAX_VALIDATIONS_PER_RUN, 'redact', 'error', false, { kind: 'settle_failure' }],
    ['succeeded', 'fix', false, 0, 'redact', 'error', false, { kind: 'settle_redacted' }],
    ['canceled', 'error', true, 0, 'redact', 'error', false, { kind: 'replace_canceled' }],
    ['canceled', 'error', true, 0, 'redact', 'error', true, { kind: 'leave_canceled' }],
  ] as const)('%s under %s (fresh %s, %s validations, %s run with %s, replaced before %s)', (status, behavior, fresh, validations, mode, runBehavior, replacedBefore, step) => {
    expect(nextJobStep({ status, behavior, fresh, validations, mode, runBehavior, replacedBefore })).toEqual(step satisfies JobStep);
  });

  it('has a step for every status Stripe names', () => {
    const steps = Object.fromEntries(JOB_STATUSES.map((status) => [status, nextJobStep(facts({ status })).kind]));
    expect(steps).toEqual({
      created: 'wait',
      validating: 'wait',
      ready: 'run',
      failed: 'settle_failure',
      redacting: 'wait',
      succeeded: 'settle_redacted',
      canceling: 'wait',
      canceled: 'replace_canceled',
    });
  });

  it('never runs a job in validate mode, nor a fix job in a run that may not fix', () => {
    for (const status of JOB_STATUSES) {
      for (const behavior of ['error', 'fix'] as const) {
        for (const fresh of [true, false]) {
          expect(nextJobStep(facts({ status, behavior, fresh, mode: 'validate', runBehavior: 'fix' })).kind).not.toBe('run');
          if (behavior === 'fix') expect(nextJobStep(facts({ status, behavior, fresh, runBehavior: 'error' })).kind).not.toBe('run');
        }
      }
    }
  });
});

describe('isRefusedBecauseMovedOn', () => {
  const statuses = JOB_STATUSES;
  // The status each action is allowed from (docs/stripe.md#redaction-jobs): refused anywhere else, the job moved on.
  const allowedFrom = { validate: ['failed'], run: ['ready'], cancel: ['ready', 'failed'], update: ['created', 'validating', 'ready', 'failed'] } as const;
  for (const action of ['validate', 'run', 'cancel', 'update'] as const) {
    it.each(statuses)(`${action} refused by a job %s: moved on unless allowed from there`, (status) => {
      expect(isRefusedBecauseMovedOn(action, status)).toBe(!(allowedFrom[action] as readonly string[]).includes(status));
    });
  }
});
