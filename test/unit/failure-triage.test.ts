import { describe, expect, it } from 'vitest';
import type { JobValidationError } from '../../src/domain/job.js';
import { ownersToLookUp, pinErrors, triageFailedValidation, type FailureFacts, type FailureTriage } from '../../src/domain/failure-triage.js';

const error = (code: string, object: string | null, objectType = 'payment_intent'): JobValidationError => ({
  id: `prjve_${code}_${object ?? 'none'}`,
  code,
  message: `${code} on ${object ?? 'nothing'}.`,
  erroringObject: object === null ? null : { id: object, objectType },
});
const onPi = (pi: string) => error('invalid_state', pi);
const onItself = (id: string) => error('invalid_state', id, 'customer');
const lockedOn = (id: string) => error('locked_by_other_job', id, 'customer');
const tooMany = error('too_many_objects', null);

describe('ownersToLookUp', () => {
  it('asks for each related object once, and for nothing the job names or a one-identifier job pins anyway', () => {
    const errors = [onPi('pi_1'), onItself('cus_a'), onPi('pi_1'), error('invalid_state', 'in_1', 'invoice'), tooMany, error('too_many_objects', 'pi_2'), error('invalid_state', null)];
    expect(ownersToLookUp(['cus_a', 'cus_b'], errors)).toEqual([
      { id: 'pi_1', objectType: 'payment_intent' },
      { id: 'in_1', objectType: 'invoice' },
    ]);
    expect(ownersToLookUp(['cus_a'], errors)).toEqual([]);
  });
});

describe('pinErrors', () => {
  it('pins on the erroring identifier, on the customer owning a related object, and leaves the rest unattributed', () => {
    const errors = [onItself('cus_b'), onPi('pi_1'), onPi('pi_foreign'), onPi('pi_orphan'), tooMany, error('invalid_state', null)];
    const owners = new Map<string, string | null>([['pi_1', 'cus_a'], ['pi_foreign', 'cus_elsewhere'], ['pi_orphan', null]]);
    const { byRoot, unattributed } = pinErrors(['cus_a', 'cus_b'], errors, owners);
    expect(byRoot).toEqual(new Map([['cus_b', [errors[0]]], ['cus_a', [errors[1]]]]));
    expect(unattributed).toEqual([errors[2], errors[3], tooMany, errors[5]]);
  });

  it('pins every error but a cascade too large on the only identifier of a one-identifier job', () => {
    const errors = [onPi('pi_1'), error('invalid_state', null), tooMany];
    const { byRoot, unattributed } = pinErrors(['cus_a'], errors, new Map());
    expect(byRoot).toEqual(new Map([['cus_a', [errors[0], errors[1]]]]));
    expect(unattributed).toEqual([tooMany]);
  });
});

const facts = (over: Partial<FailureFacts>): FailureFacts => ({
  objectIds: ['cus_a', 'cus_b', 'cus_c'],
  replayedCreate: false,
  errors: [...(over.byRoot?.values() ?? [])].flat().concat(over.unattributed ?? []),
  byRoot: new Map(),
  unattributed: [],
  ...over,
});

describe('triageFailedValidation', () => {
  const cases: [string, FailureFacts, FailureTriage][] = [
    ['nothing listed', facts({ errors: [] }), { kind: 'nothing_listed' }],
    [
      'an identifier failing on itself alone is looked up first',
      facts({ byRoot: new Map([['cus_b', [onItself('cus_b')]], ['cus_c', [onPi('pi_1')]]]) }),
      { kind: 'check_presence', ids: ['cus_b'] },
    ],
    [
      'one that Stripe does not hold goes out; the rest go on in a new job',
      facts({ byRoot: new Map([['cus_b', [onItself('cus_b')]]]), gone: ['cus_b'] }),
      { kind: 'drop_gone', gone: ['cus_b'], rest: ['cus_a', 'cus_c'] },
    ],
    [
      'present after all: decided on like any blocker',
      facts({ byRoot: new Map([['cus_b', [onItself('cus_b')]]]), gone: [] }),
      { kind: 'decide', errorsByRoot: new Map([['cus_b', [onItself('cus_b')]]]), deferred: new Map() },
    ],
    [
      'an identifier failing on itself and on a related object exists: not looked up',
      facts({ byRoot: new Map([['cus_b', [onItself('cus_b'), onPi('pi_1')]]]) }),
      { kind: 'decide', errorsByRoot: new Map([['cus_b', [onItself('cus_b'), onPi('pi_1')]]]), deferred: new Map() },
    ],
    [
      'an error naming no object, pinned on the only identifier, is no sign of a missing one',
      facts({ objectIds: ['cus_a'], byRoot: new Map([['cus_a', [error('invalid_state', null)]]]) }),
      { kind: 'decide', errorsByRoot: new Map([['cus_a', [error('invalid_state', null)]]]), deferred: new Map() },
    ],
    [
      'an error no identifier can be blamed for halves the job',
      facts({ objectIds: ['cus_a', 'cus_b', 'cus_c'], byRoot: new Map([['cus_a', [onPi('pi_1')]]]), unattributed: [tooMany] }),
      { kind: 'split', halves: [['cus_a', 'cus_b'], ['cus_c']] },
    ],
    [
      'a missing identifier goes out before a split is tried',
      facts({ byRoot: new Map([['cus_a', [onItself('cus_a')]]]), unattributed: [tooMany] }),
      { kind: 'check_presence', ids: ['cus_a'] },
    ],
    [
      'alone in its job, an unattributed error is its identifier’s',
      facts({ objectIds: ['cus_a'], unattributed: [tooMany] }),
      { kind: 'decide', errorsByRoot: new Map([['cus_a', [tooMany]]]), deferred: new Map() },
    ],
    [
      'a replayed create locked on every identifier looks for its twin',
      facts({ objectIds: ['cus_a', 'cus_b'], replayedCreate: true, byRoot: new Map([['cus_a', [lockedOn('cus_a')]], ['cus_b', [lockedOn('cus_b')]]]), gone: [] }),
      { kind: 'look_for_twin' },
    ],
    [
      'and adopts it when Stripe holds one',
      facts({ objectIds: ['cus_a', 'cus_b'], replayedCreate: true, byRoot: new Map([['cus_a', [lockedOn('cus_a')]], ['cus_b', [lockedOn('cus_b')]]]), gone: [], twin: { id: 'prj_twin' } }),
      { kind: 'adopt_twin', twin: { id: 'prj_twin' } },
    ],
    [
      'with no twin, the locks are looked at as any',
      facts({ objectIds: ['cus_a', 'cus_b'], replayedCreate: true, byRoot: new Map([['cus_a', [lockedOn('cus_a')]], ['cus_b', [lockedOn('cus_b')]]]), gone: [], twin: null }),
      { kind: 'find_lock_owners', locked: new Map([['cus_a', [lockedOn('cus_a')]], ['cus_b', [lockedOn('cus_b')]]]) },
    ],
    [
      'a create made in this run has no twin, even locked on every identifier',
      facts({ objectIds: ['cus_a'], byRoot: new Map([['cus_a', [lockedOn('cus_a')]]]), gone: [] }),
      { kind: 'find_lock_owners', locked: new Map([['cus_a', [lockedOn('cus_a')]]]) },
    ],
    [
      'a replayed create locked on some identifiers only has no twin',
      facts({ objectIds: ['cus_a', 'cus_b'], replayedCreate: true, byRoot: new Map([['cus_a', [lockedOn('cus_a')]]]), gone: [] }),
      { kind: 'find_lock_owners', locked: new Map([['cus_a', [lockedOn('cus_a')]]]) },
    ],
    [
      'a replayed create with one identifier locked and another blocked has no twin',
      facts({ objectIds: ['cus_a', 'cus_b'], replayedCreate: true, byRoot: new Map([['cus_a', [lockedOn('cus_a')]], ['cus_b', [onPi('pi_1')]]]), gone: [] }),
      { kind: 'find_lock_owners', locked: new Map([['cus_a', [lockedOn('cus_a')]]]) },
    ],
    [
      'a replayed create blocked on every identifier, by no lock, has no twin',
      facts({ objectIds: ['cus_a', 'cus_b'], replayedCreate: true, byRoot: new Map([['cus_a', [onPi('pi_1')]], ['cus_b', [onPi('pi_2')]]]), gone: [] }),
      { kind: 'decide', errorsByRoot: new Map([['cus_a', [onPi('pi_1')]], ['cus_b', [onPi('pi_2')]]]), deferred: new Map() },
    ],
    [
      'a lock owner is waited for only by identifiers held by nothing but locks',
      facts({ byRoot: new Map([['cus_a', [lockedOn('cus_a'), onPi('pi_1')]]]), gone: [], lockOwners: new Map([['cus_a', 7]]) }),
      { kind: 'decide', errorsByRoot: new Map([['cus_a', [lockedOn('cus_a'), onPi('pi_1')]]]), deferred: new Map() },
    ],
    [
      'an identifier with a lock and another blocker is not waited for',
      facts({ byRoot: new Map([['cus_a', [lockedOn('cus_a'), onPi('pi_1')]]]), gone: [] }),
      { kind: 'decide', errorsByRoot: new Map([['cus_a', [lockedOn('cus_a'), onPi('pi_1')]]]), deferred: new Map() },
    ],
    [
      'locks held by this state’s own jobs wait for them; others are decided on',
      facts({ byRoot: new Map([['cus_a', [lockedOn('cus_a')]], ['cus_b', [lockedOn('cus_b')]]]), gone: [], lockOwners: new Map([['cus_a', 7]]) }),
      { kind: 'decide', errorsByRoot: new Map([['cus_a', [lockedOn('cus_a')]], ['cus_b', [lockedOn('cus_b')]]]), deferred: new Map([['cus_a', 7]]) },
    ],
  ];
  it.each(cases)('%s', (_name, given, expected) => {
    expect(triageFailedValidation(given)).toEqual(expected);
  });

  it('does not change the facts it is given', () => {
    const byRoot = new Map([['cus_a', [onPi('pi_1')]]]);
    const given = facts({ objectIds: ['cus_a'], byRoot, unattributed: [tooMany], gone: [] });
    triageFailedValidation(given);
    expect(byRoot.get('cus_a')).toEqual([onPi('pi_1')]);
  });
});
