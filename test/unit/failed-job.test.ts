import { describe, expect, it } from 'vitest';
import type { Blocker } from '../../src/domain/blocker.js';
import { decideAfterFailedValidation, NEVER_FIXABLE_CODES, type FailedValidation } from '../../src/domain/failed-job.js';
import type { JobValidationError } from '../../src/domain/job.js';

/** A validation error on a related object of an identifier (a PaymentIntent of a customer). */
const onObject = (id: string, code = 'invalid_state'): JobValidationError => ({
  id: `prjve_${id}_${code}`,
  code,
  message: `${code} on ${id}.`,
  erroringObject: { id, objectType: 'payment_intent' },
});
const locked: JobValidationError = { id: 'prjve_lock', code: 'locked_by_other_job', message: 'This object is being processed by another active job.', erroringObject: null };
const tooMany: JobValidationError = { id: 'prjve_many', code: 'too_many_objects', message: 'Too many objects.', erroringObject: null };

/** The blocker a validation with `error` recorded for an error. */
const recorded = (error: JobValidationError): Blocker => ({
  code: error.code,
  message: error.message,
  erroringObject: error.erroringObject,
  underFix: 'untried',
});

const facts = (over: Partial<FailedValidation>): FailedValidation => ({
  objectIds: ['cus_a', 'cus_b', 'cus_c'],
  attempt: 'error',
  runBehavior: 'error',
  errorsByRoot: new Map(),
  deferred: new Set(),
  recordedBlockers: new Map(),
  ...over,
});

describe('decideAfterFailedValidation after a validation with error', () => {
  it('settles under a run that may not fix: listed ids blocked with untried blockers, the others clean, the job let go', () => {
    const decision = decideAfterFailedValidation(facts({ errorsByRoot: new Map([['cus_b', [onObject('pi_1')]]]) }));
    expect(decision).toEqual({
      kind: 'settle',
      blocked: new Map([['cus_b', { blockers: [{ ...recorded(onObject('pi_1')), underFix: 'untried' }], fixes: [] }]]),
      clean: new Map([['cus_a', { fixes: [] }], ['cus_c', { fixes: [] }]]),
      isolate: [],
      keepJob: false,
    });
  });

  it('keeps the job when every identifier is blocked, so the next run validates it again', () => {
    const decision = decideAfterFailedValidation(
      facts({ objectIds: ['cus_a', 'cus_b'], errorsByRoot: new Map([['cus_a', [onObject('pi_1')]], ['cus_b', [onObject('pi_2'), onObject('pi_3')]]]) }),
    );
    expect(decision).toMatchObject({ kind: 'settle', isolate: [], keepJob: true, clean: new Map() });
    if (decision.kind !== 'settle') throw new Error('expected settle');
    expect([...decision.blocked.keys()]).toEqual(['cus_a', 'cus_b']);
    expect(decision.blocked.get('cus_b')?.blockers.map((b) => b.erroringObject?.id)).toEqual(['pi_2', 'pi_3']);
  });

  it('switches to fix when the run allows it and one blocker is of a code fix may clear, with every listed id recorded', () => {
    const decision = decideAfterFailedValidation(
      facts({ runBehavior: 'fix', errorsByRoot: new Map([['cus_a', [locked]], ['cus_c', [onObject('pi_1'), tooMany]]]) }),
    );
    expect(decision).toEqual({
      kind: 'try_fix',
      blockers: new Map([
        ['cus_a', [recorded(locked)]],
        ['cus_c', [recorded(onObject('pi_1')), recorded(tooMany)]],
      ]),
    });
  });

  it.each([
    ['a lock by another job', locked],
    ['too many objects', tooMany],
  ])('does not try fix when every blocker is %s, a code fix never clears', (_name, error) => {
    expect(NEVER_FIXABLE_CODES.has(error.code)).toBe(true);
    const decision = decideAfterFailedValidation(facts({ runBehavior: 'fix', errorsByRoot: new Map([['cus_a', [error]], ['cus_b', [error]]]) }));
    expect(decision).toEqual({
      kind: 'settle',
      blocked: new Map([
        ['cus_a', { blockers: [recorded(error)], fixes: [] }],
        ['cus_b', { blockers: [recorded(error)], fixes: [] }],
      ]),
      clean: new Map([['cus_c', { fixes: [] }]]),
      isolate: [],
      keepJob: false,
    });
  });

  it('does not try fix while an identifier waits for another job of this state, and leaves that one out of the decision', () => {
    const decision = decideAfterFailedValidation(
      facts({
        runBehavior: 'fix',
        objectIds: ['cus_a', 'cus_b'],
        errorsByRoot: new Map([['cus_a', [onObject('pi_1')]], ['cus_b', [locked]]]),
        deferred: new Set(['cus_b']),
      }),
    );
    expect(decision).toEqual({
      kind: 'settle',
      blocked: new Map([['cus_a', { blockers: [recorded(onObject('pi_1'))], fixes: [] }]]),
      clean: new Map(),
      isolate: [],
      // The job holds a waiting identifier too: it is not kept for the blocked one alone.
      keepJob: false,
    });
  });

  it('leaves deferred identifiers out of the fix it tries, when none is listed for anything else', () => {
    const decision = decideAfterFailedValidation(
      facts({ runBehavior: 'fix', errorsByRoot: new Map([['cus_a', [locked]]]), deferred: new Set(['cus_a']) }),
    );
    expect(decision).toEqual({ kind: 'settle', blocked: new Map(), clean: new Map([['cus_b', { fixes: [] }], ['cus_c', { fixes: [] }]]), isolate: [], keepJob: false });
  });
});

describe('decideAfterFailedValidation after a validation with fix', () => {
  const pi1 = onObject('pi_1');
  const pi2 = onObject('pi_2');

  it('isolates each of several listed identifiers, and credits the clean ones with the fixable blockers they had', () => {
    const decision = decideAfterFailedValidation(
      facts({
        attempt: 'fix',
        runBehavior: 'fix',
        objectIds: ['cus_a', 'cus_b', 'cus_c', 'cus_d'],
        errorsByRoot: new Map([['cus_b', [pi2]], ['cus_c', [tooMany]]]),
        recordedBlockers: new Map([
          ['cus_a', [recorded(pi1), recorded(locked)]],
          ['cus_b', [recorded(pi2)]],
        ]),
      }),
    );
    expect(decision).toEqual({
      kind: 'settle',
      blocked: new Map(),
      clean: new Map([['cus_a', { fixes: [recorded(pi1)] }], ['cus_d', { fixes: [] }]]),
      isolate: ['cus_b', 'cus_c'],
      keepJob: false,
    });
  });

  it('blocks the one identifier still listed with what fix left, and credits it with the blockers fix cleared', () => {
    const decision = decideAfterFailedValidation(
      facts({
        attempt: 'fix',
        runBehavior: 'fix',
        objectIds: ['cus_a', 'cus_b'],
        errorsByRoot: new Map([['cus_a', [pi2]]]),
        recordedBlockers: new Map([
          // pi_1 was cleared; pi_2 is still listed; the lock is never fix's doing; another code on pi_2 was cleared.
          ['cus_a', [recorded(pi1), recorded(pi2), recorded(locked), recorded(onObject('pi_2', 'other_code'))]],
          ['cus_b', [recorded(onObject('pi_9'))]],
        ]),
      }),
    );
    expect(decision).toEqual({
      kind: 'settle',
      blocked: new Map([['cus_a', { blockers: [{ ...recorded(pi2), underFix: 'survived' }], fixes: [recorded(pi1), recorded(onObject('pi_2', 'other_code'))] }]]),
      clean: new Map([['cus_b', { fixes: [recorded(onObject('pi_9'))] }]]),
      isolate: [],
      keepJob: false,
    });
  });

  it('credits as fixed only what none of the blockers still listed matches, and nothing when nothing was recorded', () => {
    const pi3 = onObject('pi_3');
    const decision = decideAfterFailedValidation(
      facts({
        attempt: 'fix',
        runBehavior: 'fix',
        objectIds: ['cus_a', 'cus_b'],
        errorsByRoot: new Map([['cus_a', [pi1, pi2]]]),
        recordedBlockers: new Map([['cus_a', [recorded(pi1), recorded(pi3)]]]),
      }),
    );
    // pi_3 dropped under fix: this account lists only what fix cannot clear, so both still listed survived it.
    expect(decision).toMatchObject({ kind: 'settle', blocked: new Map([['cus_a', { blockers: [{ underFix: 'survived' }, { underFix: 'survived' }], fixes: [recorded(pi3)] }]]) });
    const unrecorded = decideAfterFailedValidation(facts({ attempt: 'fix', runBehavior: 'fix', objectIds: ['cus_a'], errorsByRoot: new Map([['cus_a', [pi1]]]) }));
    expect(unrecorded).toMatchObject({ kind: 'settle', blocked: new Map([['cus_a', { blockers: [{ ...recorded(pi1), underFix: 'survived' }], fixes: [] }]]) });
  });

  it('tells blockers without an object apart from one on an object of the same code', () => {
    const bare: JobValidationError = { id: 'prjve_bare', code: 'invalid_state', message: 'Blocked.', erroringObject: null };
    const decision = decideAfterFailedValidation(
      facts({
        attempt: 'fix',
        runBehavior: 'fix',
        objectIds: ['cus_a'],
        errorsByRoot: new Map([['cus_a', [bare]]]),
        recordedBlockers: new Map([['cus_a', [recorded(bare), recorded(pi1)]]]),
      }),
    );
    expect(decision).toEqual({
      kind: 'settle',
      blocked: new Map([['cus_a', { blockers: [{ ...recorded(bare), underFix: 'survived' }], fixes: [recorded(pi1)] }]]),
      clean: new Map(),
      isolate: [],
      keepJob: true,
    });
  });

  it('cannot tell which blockers survived when fix lists every one it listed under error: each is listed_under_fix', () => {
    // An account that lists fixable blockers too when one is beyond the fix (emulator --fix-listing keep).
    const dispute = onObject('ch_1');
    const decision = decideAfterFailedValidation(
      facts({ attempt: 'fix', runBehavior: 'fix', objectIds: ['cus_a'], errorsByRoot: new Map([['cus_a', [pi1, dispute]]]), recordedBlockers: new Map([['cus_a', [recorded(pi1), recorded(dispute)]]]) }),
    );
    expect(decision).toMatchObject({ kind: 'settle', blocked: new Map([['cus_a', { blockers: [{ underFix: 'listed_under_fix' }, { underFix: 'listed_under_fix' }], fixes: [] }]]) });
  });

  it('keeps a blocker beyond the fix when a later validation under fix lists it again beside others', () => {
    const dispute = onObject('ch_1');
    const second = onObject('ch_2');
    // The kept fix job validated again: it lists what it listed before, both shown beyond the fix then.
    const decision = decideAfterFailedValidation(
      facts({
        attempt: 'fix',
        runBehavior: 'fix',
        objectIds: ['cus_a'],
        errorsByRoot: new Map([['cus_a', [dispute, second, pi1]]]),
        recordedBlockers: new Map([['cus_a', [{ ...recorded(dispute), underFix: 'survived' }, { ...recorded(second), underFix: 'survived' }, { ...recorded(pi1), underFix: 'listed_under_fix' }]]]),
      }),
    );
    expect(decision).toMatchObject({ kind: 'settle', blocked: new Map([['cus_a', { blockers: [{ underFix: 'survived' }, { underFix: 'survived' }, { underFix: 'listed_under_fix' }] }]]) });
  });

  it('keeps what earlier validations under fix showed when a validation with error lists the same blocker again', () => {
    const dispute = onObject('ch_1');
    const decision = decideAfterFailedValidation(
      facts({
        attempt: 'error',
        runBehavior: 'error',
        objectIds: ['cus_a'],
        errorsByRoot: new Map([['cus_a', [pi1, dispute, pi2]]]),
        // The dispute survived a validation with fix; pi_1 was cleared by one; pi_2 was never under fix.
        recordedBlockers: new Map([['cus_a', [{ ...recorded(dispute), underFix: 'survived' }, recorded(pi2)]]]),
        recordedFixes: new Map([['cus_a', [recorded(pi1)]]]),
      }),
    );
    expect(decision).toMatchObject({
      kind: 'settle',
      blocked: new Map([['cus_a', { blockers: [{ erroringObject: pi1.erroringObject, underFix: 'cleared' }, { erroringObject: dispute.erroringObject, underFix: 'survived' }, { erroringObject: pi2.erroringObject, underFix: 'untried' }] }]]),
    });
  });

  it('keeps the job for the one blocked identifier only when nothing else was in it', () => {
    const base = { attempt: 'fix' as const, runBehavior: 'fix' as const, errorsByRoot: new Map([['cus_a', [pi1]]]) };
    expect(decideAfterFailedValidation(facts({ ...base, objectIds: ['cus_a'] }))).toMatchObject({ keepJob: true });
    expect(decideAfterFailedValidation(facts({ ...base, objectIds: ['cus_a', 'cus_b'] }))).toMatchObject({ keepJob: false });
    expect(
      decideAfterFailedValidation(
        facts({ ...base, objectIds: ['cus_a', 'cus_b'], errorsByRoot: new Map([['cus_a', [pi1]], ['cus_b', [locked]]]), deferred: new Set(['cus_b']) }),
      ),
    ).toMatchObject({ kind: 'settle', isolate: [], keepJob: false, clean: new Map() });
  });

  it('does not isolate a deferred identifier: one listed beside it is blocked in place', () => {
    const decision = decideAfterFailedValidation(
      facts({
        attempt: 'fix',
        runBehavior: 'fix',
        objectIds: ['cus_a', 'cus_b'],
        errorsByRoot: new Map([['cus_a', [pi1]], ['cus_b', [locked]]]),
        deferred: new Set(['cus_b']),
      }),
    );
    expect(decision).toMatchObject({ kind: 'settle', isolate: [] });
    if (decision.kind !== 'settle') throw new Error('expected settle');
    expect([...decision.blocked.keys()]).toEqual(['cus_a']);
  });

  it('settles a fix attempt whose only listed identifier waits for another job with nothing blocked', () => {
    const decision = decideAfterFailedValidation(
      facts({ attempt: 'fix', runBehavior: 'fix', objectIds: ['cus_a'], errorsByRoot: new Map([['cus_a', [locked]]]), deferred: new Set(['cus_a']) }),
    );
    expect(decision).toEqual({ kind: 'settle', blocked: new Map(), clean: new Map(), isolate: [], keepJob: false });
  });

  it('decides from the attempt, not the run: a fix attempt under a run now set to error still credits fixes', () => {
    const decision = decideAfterFailedValidation(
      facts({
        attempt: 'fix',
        runBehavior: 'error',
        objectIds: ['cus_a', 'cus_b'],
        errorsByRoot: new Map([['cus_a', [pi1]]]),
        recordedBlockers: new Map([['cus_b', [recorded(pi2)]]]),
      }),
    );
    expect(decision).toMatchObject({ kind: 'settle', clean: new Map([['cus_b', { fixes: [recorded(pi2)] }]]) });
  });
});
