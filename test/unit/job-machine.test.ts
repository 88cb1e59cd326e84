/**
 * The job's whole life, one row per (state, event) the machine tells apart: each row walks the
 * machine from `start` through the events that reach the state, then checks the decision on the
 * last event — where the job goes and every action, in order. No server: the machine is pure.
 */
import { describe, expect, it } from 'vitest';
import type { Blocker } from '../../src/domain/blocker.js';
import { decideJob, newJob, type FailureInfo, type JobAction, type JobBrief, type JobDecision, type JobEvent, type JobFact, type JobState } from '../../src/domain/job-machine.js';
import type { JobStatus, JobValidationError, RedactionJobView, ValidationBehavior } from '../../src/domain/job.js';

const brief = (overrides: Partial<JobBrief> = {}): JobBrief => ({ localId: 7, objectIds: ['cus_a'], replayedCreate: false, mode: 'redact', runBehavior: 'error', ...overrides });
const view = (status: JobStatus, behavior: ValidationBehavior = 'error', errors?: JobValidationError[], complete = true): RedactionJobView => ({
  id: 'prj_1',
  status,
  validationBehavior: behavior,
  created: 100,
  livemode: false,
  ...(errors ? { firstValidationErrors: { errors, complete } } : {}),
});
const verror = (code: string, object: string | null, objectType = 'customer', message = `${code} on ${object}`): JobValidationError => ({
  id: `ve_${code}_${object}`,
  code,
  message,
  erroringObject: object === null ? null : { id: object, objectType },
});
const blockerOf = (e: JobValidationError, underFix: Blocker['underFix'] = 'untried'): Blocker => ({ code: e.code, message: e.message, erroringObject: e.erroringObject, underFix });

const start = (status: JobStatus | 'unsent' = 'created', stripeId: string | null = 'prj_1'): JobEvent => ({ kind: 'start', status: status, stripeId: status === 'unsent' ? null : stripeId });
const settled = (v: RedactionJobView, replacedBefore = false): JobEvent => ({ kind: 'settled', view: v, replacedBefore });
const fact = (f: JobFact): JobEvent => ({ kind: 'fact', fact: f });
const answered = (status: JobStatus, behavior: ValidationBehavior = 'error'): JobEvent => ({ kind: 'answered', status, behavior });
const failure = (overrides: Partial<FailureInfo> = {}): FailureInfo => ({ fatal: false, notFound: false, message: 'boom', ...overrides });
const refused = (status: JobStatus, behavior: ValidationBehavior = 'error', error = failure({ message: 'refused' })): JobEvent => ({ kind: 'transition_refused', status, behavior, error });

/** Walks the machine through `events` from a new job; returns the last decision. */
function walk(b: JobBrief, events: JobEvent[]): JobDecision {
  let state: JobState = newJob(b);
  let decision: JobDecision | undefined;
  for (const event of events) {
    decision = decideJob(state, event);
    state = decision.next;
  }
  return decision as JobDecision;
}

const release = (succeeded = false, owner = 7): JobAction[] => [{ kind: 'release_waiters', owner, succeeded }, { kind: 'stop', code: 'done' }];
const record = (status: JobStatus, behavior?: ValidationBehavior): JobAction => ({ kind: 'record_view', status, ...(behavior ? { behavior } : {}) });

describe('starting', () => {
  it('a new job is idle, unsent, with nothing seen yet', () => {
    expect(newJob(brief())).toEqual({ at: 'idle', life: { brief: brief(), stripeId: null, status: 'unsent', fresh: false, validations: 0 } });
  });

  it('sends the create of an unsent job, and waits on one Stripe holds', () => {
    expect(walk(brief(), [start('unsent')])).toMatchObject({ next: { at: 'creating', life: { status: 'unsent', stripeId: null } }, actions: [{ kind: 'create' }] });
    expect(walk(brief(), [start('failed')])).toMatchObject({ next: { at: 'waiting', life: { status: 'failed', stripeId: 'prj_1', fresh: false, validations: 0 } }, actions: [{ kind: 'wait' }] });
  });

  it('records a created job and waits, its first validation fresh', () => {
    const created = view('validating');
    expect(walk(brief(), [start('unsent'), { kind: 'created', view: created }])).toEqual({
      next: { at: 'waiting', life: { brief: brief(), stripeId: 'prj_1', status: 'validating', fresh: true, validations: 0 } },
      actions: [{ kind: 'record_created', view: created }, { kind: 'log', level: 'info', message: 'job created', fields: { job: 'prj_1', objects: 1 } }, { kind: 'wait' }],
    });
  });
});

describe('whatever the moment', () => {
  const moments: [string, JobEvent[]][] = [
    ['creating', [start('unsent')]],
    ['waiting', [start('validating')]],
    ['moving', [start('ready'), settled(view('ready'))]],
    ['canceling', [start('ready'), settled(view('ready'))]],
  ];
  it.each(moments)('while %s: an interrupt stops where it is, releasing nothing', (_, events) => {
    expect(walk(brief(), [...events, { kind: 'interrupted' }])).toMatchObject({ next: { at: 'ended' }, actions: [{ kind: 'stop', code: 'interrupted' }] });
  });

  it.each(moments)('while %s: a fatal error stops the run and writes nothing — no waiter is released into a dying run', (_, events) => {
    expect(walk(brief(), [...events, { kind: 'failure', error: failure({ fatal: true }) }])).toMatchObject({ next: { at: 'ended' }, actions: [{ kind: 'stop', code: 'fatal' }] });
  });

  it('a wait given up leaves the job live and its objects in it, naming why', () => {
    expect(walk(brief(), [start('validating'), { kind: 'wait_timed_out', job: 'prj_1', lastStatus: 'validating', waitedMs: 5000 }]).next.at).toBe('ended');
    expect(walk(brief(), [start('validating'), { kind: 'wait_timed_out', job: 'prj_1', lastStatus: 'validating', waitedMs: 5000 }]).actions).toEqual([
      { kind: 'log', level: 'warn', message: 'gave up waiting for a job; the next run follows it', fields: { job: 'prj_1', status: 'validating' } },
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'in_job', reasons: [{ code: 'wait_timed_out', job: 'prj_1', lastStatus: 'validating', waitedMs: 5000 }] } },
      { kind: 'stop', code: 'timed_out' },
    ]);
    expect(walk(brief(), [start('validating'), { kind: 'wait_timed_out', job: 'prj_1', lastStatus: null, waitedMs: 1 }]).actions[0]).toMatchObject({ fields: { status: undefined } });
  });

  it('a job Stripe does not know is abandoned and its objects go into a new one', () => {
    expect(walk(brief(), [start('validating'), { kind: 'failure', error: failure({ notFound: true }) }]).next.at).toBe('ended');
    expect(walk(brief(), [start('validating'), { kind: 'failure', error: failure({ notFound: true }) }]).actions).toEqual([
      { kind: 'log', level: 'warn', message: 'job unknown to Stripe; its objects go into a new job', fields: { job: 'prj_1' } },
      { kind: 'record_abandoned', reason: { code: 'unknown_to_stripe' } },
      { kind: 'split_off', ids: ['cus_a'] },
      ...release(),
    ]);
  });

  it('any other failure fails the rows with the error, naming the job once Stripe has', () => {
    expect(walk(brief(), [start('validating'), { kind: 'failure', error: failure({ stripeCode: 'lock_timeout' }) }]).actions).toEqual([
      { kind: 'log', level: 'warn', message: 'job failed', fields: { job: 'prj_1', error: 'boom' } },
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'failed', errorCodes: ['lock_timeout'], reasons: [{ code: 'job_error', job: 'prj_1', message: 'boom', stripeCode: 'lock_timeout' }] } },
      ...release(),
    ]);
    // Before the create was answered: not found is no job of Stripe's; the job has no Stripe id.
    expect(walk(brief(), [start('unsent'), { kind: 'failure', error: failure({ notFound: true }) }]).actions).toEqual([
      { kind: 'log', level: 'warn', message: 'job failed', fields: { job: 'local-7', error: 'boom' } },
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'failed', errorCodes: [], reasons: [{ code: 'job_error', job: null, message: 'boom' }] } },
      ...release(),
    ]);
  });

  it('an event the machine did not ask for is the job error it is, never silence', () => {
    expect(walk(brief(), [start('validating'), fact({ kind: 'carried', ids: [] })]).actions[1]).toMatchObject({ change: { status: 'failed', reasons: [{ message: 'unexpected fact carried while waiting' }] } });
    expect(walk(brief(), [start('unsent'), { kind: 'created', view: view('validating') }, settled(view('failed', 'error', [], false)), fact({ kind: 'owners', owners: new Map() })]).actions[1]).toMatchObject({
      change: { reasons: [{ message: 'unexpected fact owners while failed' }] },
    });
    // Waiting for the owners of a failed validation's errors, any other fact is a stray.
    const awaitingOwners = [start('unsent'), { kind: 'created', view: view('validating') }, settled(view('failed', 'error', [verror('invalid_state', 'pi_1', 'payment_intent')]))] satisfies JobEvent[];
    const pair = brief({ objectIds: ['cus_a', 'cus_b'] });
    expect(walk(pair, awaitingOwners).actions.at(-1)).toMatchObject({ kind: 'look_up', what: { kind: 'owners' } });
    expect(walk(pair, [...awaitingOwners, fact({ kind: 'gone', ids: [] })]).actions[1]).toMatchObject({ change: { status: 'failed', reasons: [{ message: 'unexpected fact gone while failed' }] } });
    expect(walk(brief(), [start('validating'), answered('ready')]).actions[1]).toMatchObject({ change: { reasons: [{ message: 'unexpected answered while waiting' }] } });
    expect(walk(brief(), [start('validating'), refused('ready')]).actions[1]).toMatchObject({ change: { reasons: [{ message: 'unexpected transition_refused while waiting' }] } });
    for (const at of ['creating', 'create_missing', 'create_locked', 'create_waiting', 'failed', 'triage', 'deciding', 'naming_holders', 'settled', 'carrying'] as const) {
      const state = { at, life: { brief: brief(), stripeId: 'prj_1', status: 'failed', fresh: false, validations: 0 } } as JobState;
      const stray: JobFact = at === 'failed' ? { kind: 'carried', ids: [] } : { kind: 'validation_errors', errors: [] };
      expect(decideJob(state, fact(stray)).actions[1], at).toMatchObject({ change: { status: 'failed', reasons: [{ message: `unexpected fact ${stray.kind} while ${at}` }] } });
    }
  });
});

describe('a settled view', () => {
  const onSettled = (b: JobBrief, v: RedactionJobView, begin: JobEvent[] = [start('validating')], replacedBefore = false) => walk(b, [...begin, settled(v, replacedBefore)]);

  it.each(['created', 'validating', 'redacting', 'canceling'] as const)('%s: records it and waits', (status) => {
    expect(onSettled(brief(), view(status))).toMatchObject({ next: { at: 'waiting', life: { status } }, actions: [record(status, 'error'), { kind: 'wait' }] });
  });

  it('ready, in a redact run: runs it; fresh, its recorded blockers are cleared first; under fix, promoted to fixes', () => {
    expect(onSettled(brief(), view('ready'))).toEqual({ next: { at: 'moving', life: expect.objectContaining({ status: 'ready' }), action: 'run' }, actions: [record('ready', 'error'), { kind: 'run' }] });
    const fresh = [start('unsent'), { kind: 'created', view: view('validating') } as JobEvent];
    expect(onSettled(brief(), view('ready'), fresh).actions).toEqual([record('ready', 'error'), { kind: 'clear_blockers', ids: ['cus_a'] }, { kind: 'run' }]);
    expect(onSettled(brief({ runBehavior: 'fix' }), view('ready', 'fix'), fresh).actions).toEqual([record('ready', 'fix'), { kind: 'promote_fixes' }, { kind: 'run' }]);
  });

  it('ready, in a validate run: reported ready and canceled; once Stripe released it, the job ends', () => {
    const b = brief({ mode: 'validate' });
    const ready = onSettled(b, view('ready'));
    expect(ready).toMatchObject({ next: { at: 'canceling', then: [] }, actions: [record('ready', 'error'), { kind: 'update_objects', ids: ['cus_a'], change: { status: 'ready' } }, { kind: 'cancel' }] });
    const canceled = walk(b, [start('validating'), settled(view('ready')), answered('canceling')]);
    expect(canceled).toMatchObject({ next: { at: 'releasing', then: [] }, actions: [record('canceling'), { kind: 'await_release' }] });
    expect(walk(b, [start('validating'), settled(view('ready')), answered('canceling'), settled(view('canceled'))]).actions).toEqual([record('canceled'), ...release()]);
  });

  it('ready under fix in a run that may not fix: canceled, its objects start over in a new job', () => {
    const decision = onSettled(brief(), view('ready', 'fix'));
    expect(decision.actions).toEqual([
      record('ready', 'fix'),
      { kind: 'promote_fixes' },
      { kind: 'log', level: 'info', message: 'not running a fix job from an earlier run without --validation-behavior fix', fields: { job: 'prj_1' } },
      { kind: 'cancel' },
    ]);
    expect(decision.next).toMatchObject({ at: 'canceling', then: [{ kind: 'split_off', ids: ['cus_a'] }] });
  });

  it('failed, not fresh: validated again (switching back to error first in a run that may not fix)', () => {
    expect(onSettled(brief(), view('failed'))).toMatchObject({ next: { at: 'moving', action: 'validate', life: { validations: 1 } }, actions: [record('failed', 'error'), { kind: 'validate' }] });
    expect(onSettled(brief(), view('failed', 'fix'))).toMatchObject({ next: { at: 'switching', to: 'error', life: { validations: 0 } }, actions: [record('failed', 'fix'), { kind: 'switch', to: 'error' }] });
  });

  it('failed, not fresh, a fourth time this run: gives up with a reason code; the next run starts over', () => {
    // Each validate Stripe refuses while the job is validating moved on: not fresh, so counted again.
    const loop: JobEvent[] = [start('failed')];
    for (let i = 0; i < 4; i += 1) loop.push(settled(view('failed')), refused('validating'));
    expect(walk(brief(), [...loop, settled(view('failed'))]).actions).toEqual([
      record('failed', 'error'),
      { kind: 'log', level: 'warn', message: 'job failed', fields: { job: 'prj_1', error: 'failed validation 4 times in this run' } },
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'failed', errorCodes: [], reasons: [{ code: 'gave_up_validating', job: 'prj_1', validations: 4 }] } },
      ...release(),
    ]);
  });

  it('succeeded: remembered, its objects wait for Stripe to show them redacted, read for proof, and its waiters go on', () => {
    expect(onSettled(brief(), view('succeeded')).actions).toEqual([
      record('succeeded', 'error'),
      { kind: 'remember_succeeded' },
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'redaction_pending', jobLocalId: 7, errorCodes: [], blockers: [], reasons: [] } },
      { kind: 'log', level: 'info', message: 'job succeeded', fields: { job: 'prj_1', objects: 1 } },
      { kind: 'verify' },
      ...release(true),
    ]);
    expect(onSettled(brief(), view('succeeded', 'fix')).actions.slice(1, 3)).toEqual([{ kind: 'remember_succeeded' }, { kind: 'promote_fixes' }]);
  });

  it('canceled outside: replaced once, then left queued for the next run', () => {
    const warn = (replaced: boolean): JobAction => ({ kind: 'log', level: 'warn', message: 'job canceled outside stripe-redact', fields: { job: 'prj_1', replaced } });
    expect(onSettled(brief(), view('canceled')).actions).toEqual([record('canceled', 'error'), { kind: 'remember_canceled_outside' }, warn(true), { kind: 'split_off', ids: ['cus_a'] }, ...release()]);
    expect(onSettled(brief(), view('canceled'), undefined, true).actions).toEqual([
      record('canceled', 'error'),
      { kind: 'remember_canceled_outside' },
      warn(false),
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'queued', jobLocalId: null, reasons: [{ code: 'canceled_outside_twice', job: 'prj_1' }] } },
      ...release(),
    ]);
  });
});

describe('answers and refusals', () => {
  const ready = [start('validating'), settled(view('ready'))];
  const revalidating = [start('failed'), settled(view('failed'))];
  const switching = [start('failed'), settled(view('failed', 'fix'))];
  const canceling = [start('validating'), settled(view('ready'))];

  it('a run or validate Stripe confirmed: recorded, then waited on; only a validate makes the next failure fresh', () => {
    expect(walk(brief(), [...ready, answered('redacting')])).toMatchObject({ next: { at: 'waiting', life: { status: 'redacting', fresh: false } }, actions: [record('redacting'), { kind: 'wait' }] });
    expect(walk(brief(), [...revalidating, answered('validating')])).toMatchObject({ next: { at: 'waiting', life: { fresh: true, validations: 1 } }, actions: [record('validating'), { kind: 'wait' }] });
  });

  it('an update Stripe confirmed: its behaviour recorded, then a validate', () => {
    expect(walk(brief(), [...switching, answered('failed', 'error')])).toMatchObject({
      next: { at: 'moving', action: 'validate', life: { validations: 1 } },
      actions: [{ kind: 'record_behavior', behavior: 'error' }, { kind: 'validate' }],
    });
  });

  it('refused because the job moved on: its real status recorded, and the job goes on from there', () => {
    expect(walk(brief(), [...ready, refused('succeeded')])).toMatchObject({ next: { at: 'waiting', life: { status: 'succeeded' } }, actions: [record('succeeded'), { kind: 'wait' }] });
    // A run refused leaves what is known of the validation as it was.
    const freshReady = [start('unsent'), { kind: 'created', view: view('validating') } as JobEvent, settled(view('ready'))];
    expect(walk(brief(), [...freshReady, refused('redacting')]).next).toMatchObject({ at: 'waiting', life: { fresh: true } });
    // A validate after a switch to fix, refused as the job already validates: its next failure is not known fresh.
    const fixRun = brief({ runBehavior: 'fix', objectIds: ['cus_a', 'cus_b'] });
    const switched = [start('unsent'), { kind: 'created', view: view('validating') } as JobEvent, settled(view('failed', 'error', [verror('invalid_state', 'cus_a')])), fact({ kind: 'gone', ids: [] }), fact({ kind: 'recorded', blockers: new Map(), fixes: new Map() }), answered('failed', 'fix')];
    expect(walk(fixRun, switched).next).toMatchObject({ at: 'moving', action: 'validate', life: { fresh: true, validations: 1 } });
    expect(walk(fixRun, [...switched, refused('validating', 'fix')])).toMatchObject({ next: { at: 'waiting', life: { fresh: false, status: 'validating' } }, actions: [record('validating'), { kind: 'wait' }] });
    // An update refused where the job already shows the behaviour, or moved past updates.
    expect(walk(brief(), [...switching, refused('failed', 'error')])).toMatchObject({ next: { at: 'moving', action: 'validate' }, actions: [record('failed', 'error'), { kind: 'validate' }] });
    expect(walk(brief(), [...switching, refused('succeeded', 'fix')])).toMatchObject({ next: { at: 'moving' } });
    expect(walk(brief({ mode: 'validate' }), [...canceling, refused('canceled')])).toMatchObject({ next: { at: 'releasing' }, actions: [record('canceled'), { kind: 'await_release' }] });
  });

  it('refused for another reason: the refusal stands as the job error', () => {
    const stands = (events: JobEvent[]) => walk(brief({ mode: 'validate' }), events).actions.find((a) => a.kind === 'update_objects');
    const failedRows = { kind: 'update_objects', ids: ['cus_a'], change: { status: 'failed', errorCodes: [], reasons: [{ code: 'job_error', job: 'prj_1', message: 'refused' }] } };
    expect(walk(brief(), [...ready, refused('ready')]).actions.slice(0, 1)).toEqual([record('ready')]);
    expect(walk(brief(), [...ready, refused('ready')]).actions.at(-3)).toEqual(failedRows);
    expect(stands([...switching, refused('failed', 'fix')])).toEqual(failedRows);
    expect(walk(brief(), [...switching, refused('failed', 'fix')]).actions[0]).toEqual(record('failed', 'fix'));
    expect(stands([...canceling, refused('failed')])).toEqual(failedRows);
  });
});

describe('a create refused', () => {
  const unsent = (b: JobBrief = brief()) => (events: JobEvent[]) => walk(b, [start('unsent'), ...events]);
  const missing = (param?: string): JobEvent => ({ kind: 'create_refused', cause: 'resource_missing', refusal: { stripeCode: 'resource_missing', message: 'No such customer', ...(param ? { param } : {}) } });
  const lock: JobEvent = { kind: 'create_refused', cause: 'lock', message: 'held' };
  const three = brief({ objectIds: ['cus_a', 'cus_b', 'pi_c'] });

  it('resource_missing: the slot Stripe named is read, or every identifier when it named none', () => {
    expect(unsent(three)([missing('objects[customers][1]')]).actions).toEqual([{ kind: 'look_up', what: { kind: 'gone', ids: ['cus_b'] } }]);
    expect(unsent(three)([missing()]).actions).toEqual([{ kind: 'look_up', what: { kind: 'gone', ids: ['cus_a', 'cus_b', 'pi_c'] } }]);
    expect(unsent(three)([missing('objects[invoices][0]')]).actions).toEqual([{ kind: 'look_up', what: { kind: 'gone', ids: ['cus_a', 'cus_b', 'pi_c'] } }]);
  });

  it('resource_missing: the gone ones settled, the job abandoned, the rest in a new job; none gone, the objects fail until the next run', () => {
    const abandoned: JobAction = { kind: 'record_abandoned', reason: { code: 'create_refused', stripeCode: 'resource_missing', message: 'No such customer', param: 'objects[customers][1]' } };
    expect(unsent(three)([missing('objects[customers][1]'), fact({ kind: 'gone', ids: ['cus_b'] })]).actions).toEqual([abandoned, { kind: 'split_off', ids: ['cus_a', 'pi_c'] }, ...release()]);
    expect(unsent()([missing('objects[customers][0]'), fact({ kind: 'gone', ids: ['cus_a'] })]).actions).toEqual([{ ...abandoned, reason: { ...abandoned.reason, param: 'objects[customers][0]' } }, ...release()]);
    const reason = { code: 'create_refused', stripeCode: 'resource_missing', message: 'No such customer' } as const;
    expect(unsent(three)([missing(), fact({ kind: 'gone', ids: [] })]).actions).toEqual([
      { kind: 'record_abandoned', reason },
      { kind: 'update_objects', ids: ['cus_a', 'cus_b', 'pi_c'], change: { status: 'failed', jobLocalId: null, errorCodes: ['resource_missing'], reasons: [reason] } },
      ...release(),
    ]);
  });

  const abandon: JobAction = { kind: 'record_abandoned', reason: { code: 'create_refused', message: 'held' } };

  it('for a lock, several identifiers: the pack is split in halves', () => {
    expect(unsent(three)([lock]).actions).toEqual([
      { kind: 'log', level: 'info', message: 'job create refused for a lock; splitting it to find the identifier held', fields: { objects: 3 } },
      abandon,
      { kind: 'split_off', ids: ['cus_a', 'cus_b'] },
      { kind: 'split_off', ids: ['pi_c'] },
      ...release(),
    ]);
  });

  it('for a lock, a replayed create: its twin is looked for and adopted', () => {
    const replayed = unsent(brief({ replayedCreate: true, objectIds: ['cus_a', 'cus_b'] }));
    expect(replayed([lock]).actions).toEqual([{ kind: 'look_up', what: { kind: 'twin' } }]);
    const twin = view('ready');
    expect(replayed([lock, fact({ kind: 'twin', twin })]).actions).toEqual([
      { kind: 'log', level: 'warn', message: 'adopting a job Stripe holds for the same identifiers', fields: { twin: 'prj_1' } },
      abandon,
      { kind: 'adopt', twin },
      ...release(),
    ]);
    expect(replayed([lock, fact({ kind: 'twin', twin: null })]).actions.map((a) => a.kind)).toEqual(['log', 'record_abandoned', 'split_off', 'split_off', 'release_waiters', 'stop']);
  });

  it('for a lock on one identifier held by a job of this state: it waits for that job, released at once if it already succeeded', () => {
    expect(unsent()([lock]).actions).toEqual([{ kind: 'look_up', what: { kind: 'own_holder', id: 'cus_a' } }]);
    const waiting = unsent()([lock, fact({ kind: 'own_holder', owner: 3 })]);
    expect(waiting).toMatchObject({ next: { at: 'create_waiting' }, actions: [abandon, { kind: 'defer', ids: ['cus_a'], owner: 3 }, { kind: 'look_up', what: { kind: 'finished_owners', owners: [3] } }] });
    expect(unsent()([lock, fact({ kind: 'own_holder', owner: 3 }), fact({ kind: 'finished_owners', owners: [3] })]).actions).toEqual([{ kind: 'release_waiters', owner: 3, succeeded: true }, ...release()]);
    expect(unsent()([lock, fact({ kind: 'own_holder', owner: 3 }), fact({ kind: 'finished_owners', owners: [] })]).actions).toEqual(release());
  });

  it("for a lock on one identifier no job of this state holds: it needs action, naming the holder Stripe's list shows", () => {
    expect(unsent()([lock, fact({ kind: 'own_holder', owner: null })]).actions).toEqual([{ kind: 'look_up', what: { kind: 'listed_holders', id: 'cus_a' } }]);
    const blocker = { code: 'locked_by_other_job', message: 'held', erroringObject: { id: 'cus_a', objectType: 'customer' }, underFix: 'untried' };
    expect(unsent()([lock, fact({ kind: 'own_holder', owner: null }), fact({ kind: 'listed_holders', jobs: ['prj_x', 'prj_y'] })]).actions).toEqual([
      { kind: 'log', level: 'warn', message: 'an identifier is held by a redaction job this state does not own', fields: { job: 'prj_x' } },
      abandon,
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'needs_action', jobLocalId: null, errorCodes: [], blockers: [{ ...blocker, heldBy: 'prj_x' }], fixes: [] } },
      ...release(),
    ]);
    const session = unsent(brief({ objectIds: ['cs_test_1'] }))([lock, fact({ kind: 'own_holder', owner: null }), fact({ kind: 'listed_holders', jobs: [] })]);
    expect(session.actions[2]).toMatchObject({ change: { blockers: [{ erroringObject: { id: 'cs_test_1', objectType: 'checkout.session' } }] } });
    expect((session.actions[2] as Extract<JobAction, { kind: 'update_objects' }>).change.blockers?.[0]).not.toHaveProperty('heldBy');
    // An identifier of a kind this tool does not know is still named, as of an unknown type.
    const stranger = unsent(brief({ objectIds: ['zz_1'] }))([lock, fact({ kind: 'own_holder', owner: null }), fact({ kind: 'listed_holders', jobs: [] })]);
    expect(stranger.actions[2]).toMatchObject({ change: { blockers: [{ erroringObject: { id: 'zz_1', objectType: 'unknown' } }] } });
  });
});

describe('a failed validation', () => {
  const fresh = (b: JobBrief, v: RedactionJobView, facts: JobFact[] = []) =>
    walk(b, [start('unsent'), { kind: 'created', view: view('validating') }, settled(v), ...facts.map(fact)]);
  const two = brief({ objectIds: ['cus_a', 'cus_b'] });
  const onA = verror('invalid_state', 'pi_1', 'payment_intent');

  it('its errors are listed when the view did not carry them all, and related objects’ owners looked up', () => {
    expect(fresh(two, view('failed', 'error', [onA], false)).actions.at(-1)).toEqual({ kind: 'look_up', what: { kind: 'validation_errors', job: 'prj_1' } });
    expect(fresh(two, view('failed')).actions.at(-1)).toEqual({ kind: 'look_up', what: { kind: 'validation_errors', job: 'prj_1' } });
    expect(fresh(two, view('failed'), [{ kind: 'validation_errors', errors: [onA] }]).actions).toEqual([{ kind: 'look_up', what: { kind: 'owners', objects: [{ id: 'pi_1', objectType: 'payment_intent' }] } }]);
    expect(fresh(two, view('failed', 'error', [onA])).actions).toEqual([record('failed', 'error'), { kind: 'look_up', what: { kind: 'owners', objects: [{ id: 'pi_1', objectType: 'payment_intent' }] } }]);
  });

  it('nothing listed: its identifiers need action; a validate run cancels the job', () => {
    const mark: JobAction = { kind: 'update_objects', ids: ['cus_a'], change: { status: 'needs_action', reasons: [{ code: 'failed_without_errors', job: 'prj_1' }] } };
    expect(fresh(brief(), view('failed', 'error', [])).actions).toEqual([record('failed', 'error'), mark, ...release()]);
    expect(fresh(brief({ mode: 'validate' }), view('failed', 'error', []))).toMatchObject({ next: { at: 'canceling', then: [] }, actions: [record('failed', 'error'), mark, { kind: 'cancel' }] });
  });

  it('an identifier failing on itself is read; those gone go out, the rest into a new job', () => {
    const onItself = verror('invalid_state', 'cus_b');
    expect(fresh(two, view('failed', 'error', [onItself])).actions.at(-1)).toEqual({ kind: 'look_up', what: { kind: 'gone', ids: ['cus_b'] } });
    const dropped = fresh(two, view('failed', 'error', [onItself]), [{ kind: 'gone', ids: ['cus_b'] }]);
    expect(dropped).toMatchObject({
      next: { at: 'canceling', then: [{ kind: 'split_off', ids: ['cus_a'] }] },
      actions: [{ kind: 'log', level: 'info', message: 'identifiers Stripe does not hold go out of the job', fields: { job: 'prj_1', gone: 1 } }, { kind: 'cancel' }],
    });
    expect(fresh(brief({ objectIds: ['cus_b'] }), view('failed', 'error', [onItself]), [{ kind: 'gone', ids: ['cus_b'] }]).next).toMatchObject({ at: 'canceling', then: [] });
  });

  it('an error no identifier can be blamed for: canceled, then the halves go into new jobs', () => {
    const tooMany = verror('too_many_objects', null);
    const split = fresh(brief({ objectIds: ['cus_a', 'cus_b', 'cus_c'] }), view('failed', 'error', [tooMany]));
    expect(split.actions.slice(1)).toEqual([{ kind: 'log', level: 'info', message: 'splitting job to isolate validation errors', fields: { job: 'prj_1', codes: ['too_many_objects'] } }, { kind: 'cancel' }]);
    expect(split.next).toMatchObject({ then: [{ kind: 'split_off', ids: ['cus_a', 'cus_b'] }, { kind: 'split_off', ids: ['cus_c'] }] });
  });

  const none: JobFact = { kind: 'gone', ids: [] };
  const locked = (id: string) => verror('locked_by_other_job', id, 'customer', `${id} is locked by prj_held`);

  it('a replayed create with every identifier locked: its twin is looked for, and adopted once canceled', () => {
    const replayed = brief({ replayedCreate: true });
    expect(fresh(replayed, view('failed', 'error', [locked('cus_a')]), [none]).actions.at(-1)).toEqual({ kind: 'look_up', what: { kind: 'twin' } });
    const twin = { ...view('ready'), id: 'prj_twin' };
    const adopted = fresh(replayed, view('failed', 'error', [locked('cus_a')]), [none, { kind: 'twin', twin }]);
    expect(adopted).toMatchObject({
      next: { at: 'canceling', then: [{ kind: 'adopt', twin }] },
      actions: [{ kind: 'log', level: 'warn', message: 'adopting a job Stripe holds for the same identifiers', fields: { job: 'prj_1', twin: 'prj_twin' } }, { kind: 'cancel' }],
    });
    expect(fresh(replayed, view('failed', 'error', [locked('cus_a')]), [none, { kind: 'twin', twin: null }]).actions).toEqual([
      { kind: 'look_up', what: { kind: 'lock_owners', locked: new Map([['cus_a', [locked('cus_a')]]]) } },
    ]);
  });

  it('locks held by a job of this state: the identifier waits for it; the others go on; a finished holder releases it', () => {
    const errors = [locked('cus_a')];
    expect(fresh(two, view('failed', 'error', errors), [none]).actions.at(-1)).toEqual({ kind: 'look_up', what: { kind: 'lock_owners', locked: new Map([['cus_a', errors]]) } });
    const owned = fresh(two, view('failed', 'error', errors), [none, { kind: 'lock_owners', owners: new Map([['cus_a', 3]]) }]);
    expect(owned).toMatchObject({ next: { at: 'deciding' }, actions: [{ kind: 'look_up', what: { kind: 'recorded', ids: ['cus_a', 'cus_b'] } }] });
    const recorded: JobFact = { kind: 'recorded', blockers: new Map(), fixes: new Map() };
    const written = fresh(two, view('failed', 'error', errors), [none, { kind: 'lock_owners', owners: new Map([['cus_a', 3]]) }, recorded]);
    expect(written).toMatchObject({ next: { at: 'settled' } });
    expect(written.actions).toEqual([
      { kind: 'update_objects', ids: ['cus_b'], change: { status: 'in_job', blockers: [], fixes: [] } },
      { kind: 'defer', ids: ['cus_a'], owner: 3 },
      { kind: 'look_up', what: { kind: 'finished_owners', owners: [3] } },
    ]);
    const settledJob = fresh(two, view('failed', 'error', errors), [none, { kind: 'lock_owners', owners: new Map([['cus_a', 3]]) }, recorded, { kind: 'finished_owners', owners: [3] }]);
    expect(settledJob).toMatchObject({ next: { at: 'canceling', then: [{ kind: 'split_off', ids: ['cus_b'] }, { kind: 'release_waiters', owner: 3, succeeded: true }] }, actions: [{ kind: 'cancel' }] });
  });

  const fixable = verror('invalid_state', 'cus_a');
  const recordedNone: JobFact = { kind: 'recorded', blockers: new Map(), fixes: new Map() };

  it('fixable blockers in a run that may fix: recorded, the job switched to fix and validated again', () => {
    const decision = fresh(brief({ objectIds: ['cus_a', 'cus_b'], runBehavior: 'fix' }), view('failed', 'error', [fixable]), [none, recordedNone]);
    expect(decision).toMatchObject({ next: { at: 'switching', to: 'fix' } });
    expect(decision.actions).toEqual([
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'in_job', blockers: [blockerOf(fixable)] } },
      { kind: 'clear_blockers', ids: ['cus_b'] },
      { kind: 'switch', to: 'fix' },
    ]);
  });

  it('every identifier blocked in a redact run: the failed job is kept for the next run', () => {
    const kept = fresh(brief(), view('failed', 'error', [fixable]), [none, recordedNone, { kind: 'finished_owners', owners: [] }]);
    expect(kept.actions).toEqual([{ kind: 'log', level: 'info', message: 'job needs action', fields: { job: 'prj_1', codes: ['invalid_state'] } }, ...release()]);
    expect(fresh(brief(), view('failed', 'error', [fixable]), [none, recordedNone]).actions).toEqual([
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'needs_action', errorCodes: [], blockers: [blockerOf(fixable)], fixes: [] } },
      { kind: 'look_up', what: { kind: 'finished_owners', owners: [] } },
    ]);
  });

  it('in a validate run: clean ones reported ready, the job canceled, isolated ones each in a job of its own', () => {
    const b = brief({ mode: 'validate', objectIds: ['cus_a', 'cus_b'] });
    const decision = fresh(b, view('failed', 'error', [fixable]), [none, recordedNone, { kind: 'finished_owners', owners: [] }]);
    expect(decision).toMatchObject({ next: { at: 'canceling', then: [] }, actions: [{ kind: 'update_objects', ids: ['cus_b'], change: { status: 'ready' } }, { kind: 'cancel' }] });
    const allBlocked = fresh(brief({ mode: 'validate' }), view('failed', 'error', [fixable]), [none, recordedNone, { kind: 'finished_owners', owners: [] }]);
    expect(allBlocked.actions).toEqual([{ kind: 'cancel' }]);
    const underFix = [verror('invalid_state', 'cus_a'), verror('invalid_state', 'cus_b')];
    const isolated = fresh(brief({ mode: 'validate', runBehavior: 'fix', objectIds: ['cus_a', 'cus_b', 'cus_c'] }), view('failed', 'fix', underFix), [none, recordedNone, { kind: 'finished_owners', owners: [] }]);
    expect(isolated.next).toMatchObject({ at: 'canceling', then: [{ kind: 'split_off', ids: ['cus_a'] }, { kind: 'split_off', ids: ['cus_b'] }] });
  });

  it('some blocked in a redact run: canceled, the clean ones in a new job, the blocked in another with what their cascade carries', () => {
    const b = brief({ objectIds: ['cus_a', 'pi_b', 'cus_c', 'cs_test_d'] });
    const steps: JobFact[] = [none, recordedNone, { kind: 'finished_owners', owners: [] }];
    expect(fresh(b, view('failed', 'error', [fixable]), steps)).toMatchObject({ next: { at: 'carrying' }, actions: [{ kind: 'look_up', what: { kind: 'carried', ids: ['pi_b', 'cs_test_d'], customers: ['cus_a'] } }] });
    const carried = fresh(b, view('failed', 'error', [fixable]), [...steps, { kind: 'carried', ids: ['pi_b'] }]);
    expect(carried).toMatchObject({
      next: { at: 'canceling', then: [{ kind: 'split_off', ids: ['cus_c', 'cs_test_d'] }, { kind: 'split_off', ids: ['cus_a'], waiters: ['pi_b'] }] },
      actions: [{ kind: 'cancel' }],
    });
    const nothingCarried = fresh(b, view('failed', 'error', [fixable]), [...steps, { kind: 'carried', ids: [] }]);
    expect(nothingCarried.next).toEqual(expect.objectContaining({ then: [{ kind: 'split_off', ids: ['pi_b', 'cus_c', 'cs_test_d'] }, { kind: 'split_off', ids: ['cus_a'] }] }));
    // Every clean one carried: no empty job.
    const allCarried = fresh(brief({ objectIds: ['cus_a', 'pi_b'] }), view('failed', 'error', [fixable]), [...steps, { kind: 'carried', ids: ['pi_b'] }]);
    expect(allCarried.next).toEqual(expect.objectContaining({ at: 'canceling', then: [{ kind: 'split_off', ids: ['cus_a'], waiters: ['pi_b'] }] }));
    // Nothing a customer's cascade could carry: no look-up.
    const onPi = verror('invalid_state', 'pi_b', 'payment_intent');
    // Only identifiers of a kind a customer's cascade holds are asked about.
    expect(fresh(brief({ objectIds: ['cus_a', 'pi_b', 'zz_9'] }), view('failed', 'error', [fixable]), steps).actions).toEqual([{ kind: 'look_up', what: { kind: 'carried', ids: ['pi_b'], customers: ['cus_a'] } }]);
    // And the blocked one's new job has nothing waiting on it.
    expect(fresh(b, view('failed', 'error', [onPi]), steps).next).toEqual(expect.objectContaining({ at: 'canceling', then: [{ kind: 'split_off', ids: ['cus_a', 'cus_c', 'cs_test_d'] }, { kind: 'split_off', ids: ['pi_b'] }] }));
    expect(fresh(brief({ objectIds: ['cus_a', 'cus_c'] }), view('failed', 'error', [fixable]), steps).next).toEqual(expect.objectContaining({ at: 'canceling', then: [{ kind: 'split_off', ids: ['cus_c'] }, { kind: 'split_off', ids: ['cus_a'] }] }));
  });

  it('in a redact run, several listed under fix: each goes on alone, the clean ones together', () => {
    const underFix = [verror('invalid_state', 'cus_a'), verror('invalid_state', 'cus_b')];
    const decision = fresh(brief({ runBehavior: 'fix', objectIds: ['cus_a', 'cus_b', 'cus_c'] }), view('failed', 'fix', underFix), [none, recordedNone, { kind: 'finished_owners', owners: [] }]);
    expect(decision.next).toEqual(
      expect.objectContaining({ at: 'canceling', then: [{ kind: 'split_off', ids: ['cus_c'] }, { kind: 'split_off', ids: ['cus_a'] }, { kind: 'split_off', ids: ['cus_b'] }] }),
    );
  });

  it('a finished holder of deferred identifiers releases them after the split', () => {
    const b = brief({ objectIds: ['cus_a', 'cus_b', 'cus_c'] });
    const errors = [fixable, locked('cus_b')];
    const decision = fresh(b, view('failed', 'error', errors), [none, { kind: 'lock_owners', owners: new Map([['cus_b', 5]]) }, recordedNone, { kind: 'finished_owners', owners: [5] }]);
    expect(decision.next).toMatchObject({ then: [{ kind: 'split_off', ids: ['cus_c'] }, { kind: 'split_off', ids: ['cus_a'] }, { kind: 'release_waiters', owner: 5, succeeded: true }] });
  });

  it('locks among the blockers: ours are dropped, others name the job holding them', () => {
    const b = brief({ objectIds: ['cus_a', 'cus_b'] });
    const lockedA = locked('cus_a');
    const plain = verror('locked_by_other_job', 'cus_b', 'customer', 'locked');
    const errors = [lockedA, fixable, plain];
    const steps: JobFact[] = [none, { kind: 'lock_owners', owners: new Map() }, recordedNone];
    const asked = fresh(b, view('failed', 'error', errors), steps);
    expect(asked).toMatchObject({ next: { at: 'naming_holders' } });
    expect(asked.actions).toEqual([
      {
        kind: 'look_up',
        what: {
          kind: 'lock_holders',
          locks: [
            { root: 'cus_a', blocker: { ...blockerOf(lockedA), heldBy: 'prj_held' } },
            { root: 'cus_b', blocker: blockerOf(plain) },
          ],
        },
      },
    ]);
    const named = fresh(b, view('failed', 'error', errors), [...steps, { kind: 'lock_holders', holders: [{ own: true }, { own: false, heldBy: 'prj_other' }] }]);
    expect(named.actions).toEqual([
      { kind: 'update_objects', ids: ['cus_a'], change: { status: 'needs_action', errorCodes: [], blockers: [blockerOf(fixable)], fixes: [] } },
      { kind: 'update_objects', ids: ['cus_b'], change: { status: 'needs_action', errorCodes: [], blockers: [{ ...blockerOf(plain), heldBy: 'prj_other' }], fixes: [] } },
      { kind: 'look_up', what: { kind: 'finished_owners', owners: [] } },
    ]);
    // A holder Stripe's message named already is kept; one the list shows none for stays unnamed.
    const namedBefore = { ...verror('locked_by_other_job', 'cus_a', 'customer', 'held by prj_named'), id: 'x' };
    const kept = fresh(brief(), view('failed', 'error', [namedBefore]), [none, { kind: 'lock_owners', owners: new Map() }, recordedNone, { kind: 'lock_holders', holders: [{ own: false, heldBy: 'prj_listed' }] }]);
    expect(kept.actions[0]).toMatchObject({ change: { blockers: [{ heldBy: 'prj_named' }] } });
    const unnamed = fresh(brief(), view('failed', 'error', [plain].map((e) => ({ ...e, erroringObject: { id: 'cus_a', objectType: 'customer' } }))), [
      none,
      { kind: 'lock_owners', owners: new Map() },
      recordedNone,
      { kind: 'lock_holders', holders: [{ own: false }] },
    ]);
    expect((unnamed.actions[0] as Extract<JobAction, { kind: 'update_objects' }>).change.blockers?.[0]).not.toHaveProperty('heldBy');
  });
});
