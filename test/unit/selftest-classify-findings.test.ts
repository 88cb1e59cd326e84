import { describe, expect, it } from 'vitest';
import { classifyObservations } from '../../src/selftest/classify-findings.js';
import { documentedFindings } from '../../src/selftest/documented-findings.js';
import { DOCUMENTED_TOPICS, type DocumentedName } from '../../src/selftest/findings.js';
import {
  deletedCustomers,
  expandValidationErrors,
  fixListing,
  lockErrors,
  lockRefusal,
  notice,
  refusalStatus,
  settleMs,
  transitionErrors,
  unknownIds,
  youngCharges,
} from '../../src/selftest/variant-findings.js';
import type { Observations } from '../../src/selftest/observations.js';
import type { ProbeValidationError } from '../../src/selftest/probe.js';

const PI = 'pi_open';
const CUSTOMER = 'cus_a';
const HOLDER = 'prj_holder';

function error(code: string, erroringObject: ProbeValidationError['erroringObject'], message = 'A message.'): ProbeValidationError {
  return { id: `prjve_${code}`, code, message, erroringObject };
}

/** What a walk against Stripe behaving like the emulator's defaults records. */
function cleanWalk(): Observations {
  return {
    accountId: 'acct_1',
    statusesSeen: ['validating', 'failed', 'canceling', 'canceled', 'ready', 'redacting', 'succeeded'],
    blockedJob: { jobId: HOLDER, paymentIntentId: PI, finalStatus: 'failed', errors: [error('invalid_state', { id: PI, objectType: 'payment_intent' })] },
    expandObjects: { customerId: CUSTOMER, answer: { ok: true, value: { objectIds: [CUSTOMER] } } },
    expandErrors: { ok: true, value: { errors: [error('invalid_state', { id: PI, objectType: 'payment_intent' })] } },
    lock: {
      holderJobId: HOLDER,
      outcome: {
        kind: 'created',
        jobId: 'prj_second',
        finalStatus: 'failed',
        errors: [error('locked_by_other_job', { id: CUSTOMER, objectType: 'customer' }, 'This object is being processed by another active job.')],
      },
    },
    cancel: { jobId: 'prj_second', answerStatus: 'canceling', finalStatus: 'canceled' },
    illegalTransition: { jobId: 'prj_second', fromStatus: 'canceled', answer: { ok: false, refusal: { status: 400, message: 'You cannot run.' } }, statusAfter: 'canceled' },
    fixRun: { validatedStatus: 'ready', fixErrors: [], ranStatus: 'succeeded', paymentIntentStatusAfter: 'canceled' },
    unknownId: {
      missingId: 'cus_gone',
      outcome: { kind: 'created', jobId: 'prj_gone', finalStatus: 'failed', errors: [error('invalid_state', { id: 'cus_gone', objectType: 'customer' })] },
    },
    fixListing: {
      kind: 'probed',
      jobId: 'prj_fix',
      fixableId: 'pi_fixable',
      unfixableId: 'ch_disputed',
      finalStatus: 'failed',
      errors: [error('invalid_state', { id: 'ch_disputed', objectType: 'charge' }), error('invalid_state', { id: 'pi_fixable', objectType: 'payment_intent' })],
    },
    idCap: { kind: 'refused', refusal: { status: 400, code: 'parameter_invalid', param: 'objects', message: 'At most 10.' } },
    deletedCustomer: {
      customerId: 'cus_deleted',
      outcome: { kind: 'created', jobId: 'prj_deleted', finalStatus: 'failed', errors: [error('invalid_state', { id: 'cus_deleted', objectType: 'customer' })] },
    },
    redactionReads: {
      jobId: 'prj_settle',
      waitedMs: 5000,
      reads: [
        { id: 'cus_plain', kind: 'customer', role: 'customer_without_payments', first: { deleted: false, status: 'processing' }, later: { deleted: true, status: undefined } },
        { id: 'ch_young', kind: 'charge', role: 'young_charge', first: { deleted: false, status: 'validated' }, later: { deleted: false, status: 'validated' } },
      ],
    },
    notices: [],
    stepFailures: [],
    cleanup: { done: [], left: [] },
  };
}

function walk(change: (o: Observations) => void): Observations {
  const o = cleanWalk();
  change(o);
  return o;
}

function held(o: Observations, behaviour: DocumentedName): boolean | null {
  return documentedFindings(o).find((d) => d.behaviour === behaviour)!.held;
}

describe('classifyObservations', () => {
  it('a walk like the emulator defaults: every variant named, every documented behaviour held, ok', () => {
    const findings = classifyObservations(cleanWalk());
    expect(Object.fromEntries(findings.variants.map((v) => [v.variant, v.matches]))).toEqual({
      unknownIds: 'accept',
      transitionErrors: 'plain',
      lockErrors: 'plain',
      fixListing: 'keep',
      expandValidationErrors: 'yes',
      lockRefusal: 'validation',
      refusalStatus: '400',
      deletedCustomers: 'refuse',
      settleMs: '5000',
      youngCharges: 'validated',
      notice: '',
    });
    expect(findings.documented.every((d) => d.held === true)).toBe(true);
    expect(findings).toMatchObject({ ok: true, problems: [] });
  });

  it('a failed step makes it not ok and is named', () => {
    const findings = classifyObservations(walk((o) => o.stepFailures.push({ step: 'lock', message: 'socket hang up' })));
    expect(findings.ok).toBe(false);
    expect(findings.problems).toContain("step 'lock' failed: socket hang up");
  });

  it('an answer matching no variant makes it not ok, naming the topic', () => {
    const findings = classifyObservations(
      walk((o) => (o.illegalTransition = { ...o.illegalTransition!, answer: { ok: false, refusal: { status: 400, code: 'job_locked', message: 'No.' } } })),
    );
    expect(findings.ok).toBe(false);
    expect(findings.problems).toEqual([expect.stringMatching(/^illegal transitions: Stripe matched no emulator variant the tool copes with: .*code job_locked/)]);
  });

  it('a fix listing not probed (no dispute in test mode) is said, but is no problem', () => {
    const findings = classifyObservations(walk((o) => (o.fixListing = { kind: 'not_probed', reason: 'no dispute after 30 s' })));
    expect(findings.variants.find((v) => v.variant === 'fixListing')).toMatchObject({ probed: false, matches: null, observed: 'not probed: no dispute after 30 s' });
    expect(findings.ok).toBe(true);
  });
});

describe('unknownIds', () => {
  it.each([
    ['refused 400 resource_missing naming the slot', { kind: 'refused', refusal: { status: 400, code: 'resource_missing', param: 'objects[customers][0]', message: 'No such customer' } }, 'refuse'],
    ['refused without naming the slot', { kind: 'refused', refusal: { status: 400, code: 'resource_missing', message: 'No such customer' } }, null],
    ['refused with another code', { kind: 'refused', refusal: { status: 400, code: 'parameter_invalid', param: 'objects[customers][0]', message: 'Bad' } }, null],
    ['created, failed naming it', { kind: 'created', jobId: 'prj_g', finalStatus: 'failed', errors: [error('invalid_state', { id: 'cus_gone', objectType: 'customer' })] }, 'accept'],
    ['created, failed naming something else', { kind: 'created', jobId: 'prj_g', finalStatus: 'failed', errors: [error('invalid_state', null)] }, null],
    ['created and ready', { kind: 'created', jobId: 'prj_g', finalStatus: 'ready', errors: [] }, null],
  ] as const)('%s → %s', (_name, outcome, matches) => {
    const found = unknownIds(walk((o) => (o.unknownId = { missingId: 'cus_gone', outcome: structuredClone(outcome) as never })));
    expect(found).toMatchObject({ variant: 'unknownIds', probed: true, matches });
  });

  it('not probed when the step could not be taken', () => {
    expect(unknownIds(walk((o) => delete o.unknownId))).toMatchObject({ probed: false, matches: null });
  });
});

describe('transitionErrors', () => {
  it.each([
    [{ ok: false, refusal: { status: 400, message: 'You cannot run.' } }, 'plain'],
    [{ ok: false, refusal: { status: 400, code: 'status_transition_invalid', message: 'You cannot run.' } }, 'coded'],
    [{ ok: false, refusal: { status: 400, code: 'something_else', message: 'You cannot run.' } }, null],
    [{ ok: false, refusal: { status: 409, message: 'Conflict.' } }, 'plain'],
    [{ ok: false, refusal: { status: 409, code: 'status_transition_invalid', message: 'Conflict.' } }, 'coded'],
    [{ ok: false, refusal: { status: 404, message: 'Not found.' } }, null],
    [{ ok: true, value: { status: 'redacting' } }, null],
  ] as const)('%o → %s', (answer, matches) => {
    const found = transitionErrors(walk((o) => (o.illegalTransition = { ...o.illegalTransition!, answer: structuredClone(answer) as never })));
    expect(found.matches).toBe(matches);
  });
});

describe('lockErrors', () => {
  const lockWith = (errors: ProbeValidationError[]) =>
    walk((o) => (o.lock = { holderJobId: HOLDER, outcome: { kind: 'created', jobId: 'prj_second', finalStatus: 'failed', errors } }));
  it.each([
    ['Stripe\'s documented text', 'This object is being processed by another active job.', 'plain'],
    ['a message naming the holder', `Customer cus_a belongs to redaction job ${HOLDER} (status: failed).`, 'named'],
    ['a message naming another job', 'Customer cus_a belongs to redaction job prj_other.', null],
  ])('%s → %s', (_name, message, matches) => {
    expect(lockErrors(lockWith([error('locked_by_other_job', { id: CUSTOMER, objectType: 'customer' }, message)])).matches).toBe(matches);
  });

  it('no locked_by_other_job: no variant, and the documented lock code did not hold', () => {
    const o = lockWith([error('invalid_state', { id: PI, objectType: 'payment_intent' })]);
    expect(lockErrors(o).matches).toBeNull();
    expect(held(o, 'lock_code')).toBe(false);
  });

  it('the second job refused at create: no message to read (not probed, no problem), and one job per object held', () => {
    const o = walk((o) => (o.lock = { holderJobId: HOLDER, outcome: { kind: 'refused', refusal: { status: 400, message: 'Locked.' } } }));
    expect(lockErrors(o)).toMatchObject({ matches: null, probed: false });
    expect(lockRefusal(o)).toMatchObject({ matches: 'create', copes: true });
    expect(held(o, 'lock_code')).toBe(true);
    expect(classifyObservations(o)).toMatchObject({ ok: true, problems: [] });
  });
});

describe('lock_code', () => {
  it('the second job refused at create for another reason: no variant, and the lock code did not hold', () => {
    const o = walk((o) => (o.lock = { holderJobId: HOLDER, outcome: { kind: 'refused', refusal: { status: 400, code: 'parameter_invalid', message: 'Bad.' } } }));
    expect(lockRefusal(o).matches).toBeNull();
    expect(held(o, 'lock_code')).toBe(false);
  });
});

describe('fixListing', () => {
  const fixable = error('invalid_state', { id: 'pi_fixable', objectType: 'payment_intent' });
  const disputed = error('invalid_state', { id: 'ch_disputed', objectType: 'charge' });
  const listing = (finalStatus: string, errors: ProbeValidationError[]) =>
    walk((o) => (o.fixListing = { kind: 'probed', jobId: 'prj_fix', fixableId: 'pi_fixable', unfixableId: 'ch_disputed', finalStatus, errors }));
  it.each([
    ['both blockers listed', 'failed', [disputed, fixable], 'keep'],
    ['only the unfixable one', 'failed', [disputed], 'drop'],
    ['only the fixable one', 'failed', [fixable], null],
    ['ready: fix cleared the dispute', 'ready', [disputed, fixable], null],
  ] as const)('%s → %s', (_name, status, errors, matches) => {
    expect(fixListing(listing(status, [...errors])).matches).toBe(matches);
  });
});

describe('expandValidationErrors', () => {
  it.each([
    [{ ok: true, value: { errors: [] } }, 'yes'],
    [{ ok: false, refusal: { status: 400, code: 'parameter_invalid', message: 'This property cannot be expanded.' } }, 'no'],
    [{ ok: true, value: { errors: undefined } }, null],
    [{ ok: false, refusal: { status: 404, message: 'Not found.' } }, null],
  ] as const)('%o → %s', (answer, matches) => {
    expect(expandValidationErrors(walk((o) => (o.expandErrors = structuredClone(answer) as never))).matches).toBe(matches);
  });
});

describe('documentedFindings', () => {
  it.each<[string, (o: Observations) => void, DocumentedName, boolean | null]>([
    ['an undocumented status', (o) => o.statusesSeen.push('paused'), 'statuses', false],
    ['the blocked job ready', (o) => (o.blockedJob!.finalStatus = 'ready'), 'validation_fails', false],
    ['no erroring_object field', (o) => (o.blockedJob!.errors = [error('invalid_state', undefined)]), 'erroring_object', false],
    ['erroring_object null for the PaymentIntent', (o) => (o.blockedJob!.errors = [error('invalid_state', null)]), 'erroring_object', false],
    ['no errors listed at all', (o) => (o.blockedJob!.errors = []), 'erroring_object', null],
    ['the cancel refused', (o) => (o.cancel = { jobId: 'prj_second', answerStatus: null, refusal: { status: 400, message: 'No.' }, finalStatus: 'failed' }), 'cancel', false],
    ['the job not canceled in the end', (o) => (o.cancel!.finalStatus = 'failed'), 'cancel', false],
    ['an illegal run accepted', (o) => (o.illegalTransition!.answer = { ok: true, value: { status: 'redacting' } }), 'transition_refused', false],
    ['an illegal run refused but the status changed', (o) => (o.illegalTransition!.statusAfter = 'redacting'), 'transition_refused', false],
    ['fix validated to failed', (o) => (o.fixRun = { validatedStatus: 'failed', fixErrors: [] }), 'fix_then_run', false],
    ['eleven ids accepted', (o) => (o.idCap = { kind: 'accepted', jobId: 'prj_11' }), 'id_cap', false],
    ['eleven ids refused as missing first', (o) => (o.idCap = { kind: 'refused', refusal: { status: 400, code: 'resource_missing', message: 'No such customer' } }), 'id_cap', null],
    ['expand[]=objects refused', (o) => (o.expandObjects!.answer = { ok: false, refusal: { status: 400, message: 'No.' } }), 'expand_objects', false],
    ['expand[]=objects without the customer', (o) => (o.expandObjects!.answer = { ok: true, value: { objectIds: undefined } }), 'expand_objects', false],
    ['no first job', (o) => delete o.blockedJob, 'validation_fails', null],
  ])('%s → %s is %s', (_name, change, behaviour, expected) => {
    const o = walk(change);
    expect(held(o, behaviour)).toBe(expected);
    const problems = classifyObservations(o).problems;
    const own = problems.filter((p) => p.startsWith(`${DOCUMENTED_TOPICS[behaviour]} did not hold`));
    expect(own).toHaveLength(expected === false ? 1 : 0);
  });
});

describe('lockRefusal', () => {
  it.each([
    ['created, failed with locked_by_other_job', { kind: 'created', jobId: 'prj_2', finalStatus: 'failed', errors: [error('locked_by_other_job', { id: CUSTOMER, objectType: 'customer' })] }, 'validation'],
    ['created, failed for something else', { kind: 'created', jobId: 'prj_2', finalStatus: 'failed', errors: [error('invalid_state', null)] }, null],
    ['created and ready: no lock at all', { kind: 'created', jobId: 'prj_2', finalStatus: 'ready', errors: [] }, null],
    ['refused at create, 400 without a code', { kind: 'refused', refusal: { status: 400, message: 'Locked.' } }, 'create'],
    ['refused at create as a missing object', { kind: 'refused', refusal: { status: 400, code: 'resource_missing', message: 'No such customer.' } }, null],
    ['refused at create with 409', { kind: 'refused', refusal: { status: 409, message: 'Locked.' } }, 'create'],
    ['refused at create with locked_by_other_job', { kind: 'refused', refusal: { status: 400, code: 'locked_by_other_job', message: 'Locked.' } }, 'create'],
    ['refused at create for a bad parameter', { kind: 'refused', refusal: { status: 400, code: 'parameter_invalid', message: 'Bad.' } }, null],
  ] as const)('%s → %s', (_name, outcome, matches) => {
    const found = lockRefusal(walk((o) => (o.lock = { holderJobId: HOLDER, outcome: structuredClone(outcome) as never })));
    expect(found).toMatchObject({ probed: true, matches, copes: matches !== null });
  });
});

describe('refusalStatus', () => {
  it.each([
    [{ ok: false, refusal: { status: 409, message: 'No.' } }, '409'],
    [{ ok: false, refusal: { status: 400, code: 'status_transition_invalid', message: 'No.' } }, '400'],
    [{ ok: false, refusal: { status: 404, message: 'No.' } }, null],
    [{ ok: true, value: { status: 'redacting' } }, null],
  ] as const)('%o → %s', (answer, matches) => {
    expect(refusalStatus(walk((o) => (o.illegalTransition = { ...o.illegalTransition!, answer: structuredClone(answer) as never }))).matches).toBe(matches);
  });

  it('a 409 refusal is a refused transition that holds, with no problem', () => {
    const o = walk((o) => (o.illegalTransition = { ...o.illegalTransition!, answer: { ok: false, refusal: { status: 409, message: 'No.' } } }));
    expect(held(o, 'transition_refused')).toBe(true);
    expect(classifyObservations(o)).toMatchObject({ ok: true });
  });
});

describe('deletedCustomers', () => {
  const deleted = (outcome: NonNullable<Observations['deletedCustomer']>['outcome']) => walk((o) => (o.deletedCustomer = { customerId: 'cus_deleted', outcome }));
  it.each([
    ['failed naming it', { kind: 'created', jobId: 'prj_d', finalStatus: 'failed', errors: [error('invalid_state', { id: 'cus_deleted', objectType: 'customer' })] }, 'refuse'],
    ['ready, then run to succeeded', { kind: 'created', jobId: 'prj_d', finalStatus: 'ready', errors: [], ranStatus: 'succeeded' }, 'redact'],
    ['ready, but the run failed', { kind: 'created', jobId: 'prj_d', finalStatus: 'ready', errors: [], ranStatus: 'canceled' }, null],
    ['failed naming something else', { kind: 'created', jobId: 'prj_d', finalStatus: 'failed', errors: [error('invalid_state', null)] }, null],
    ['refused at create', { kind: 'refused', refusal: { status: 400, code: 'resource_missing', message: 'No such customer.' } }, null],
  ] as const)('%s → %s', (_name, outcome, matches) => {
    expect(deletedCustomers(deleted(structuredClone(outcome) as never))).toMatchObject({ probed: true, matches, copes: matches !== null });
  });
});

describe('settleMs and youngCharges', () => {
  type Read = { deleted: boolean; status: string | null | undefined };
  const reads = (customer: [Read, Read], charge: [Read, Read]) =>
    walk((o) => {
      const [plain, young] = o.redactionReads!.reads;
      [plain!.first, plain!.later] = customer;
      [young!.first, young!.later] = charge;
    });
  const DELETED: Read = { deleted: true, status: undefined };
  const PROCESSING: Read = { deleted: false, status: 'processing' };
  const VALIDATED: Read = { deleted: false, status: 'validated' };
  const REDACTED: Read = { deleted: false, status: 'redacted' };
  const ODD: Read = { deleted: false, status: 'queued' };

  it.each<[string, [Read, Read], string | null, boolean]>([
    ['deleted at once', [DELETED, DELETED], '0', true],
    ['processing, then deleted', [PROCESSING, DELETED], '5000', true],
    ['processing, then still processing: no value, but the tool copes', [PROCESSING, PROCESSING], null, true],
    ['a status the tool does not know', [ODD, DELETED], null, false],
    ['no redaction field and not deleted', [{ deleted: false, status: undefined }, DELETED], null, false],
  ])('customer %s → %s', (_name, customer, matches, copes) => {
    const o = reads(customer, [VALIDATED, VALIDATED]);
    expect(settleMs(o)).toMatchObject({ probed: true, matches, copes });
    expect(classifyObservations(o).ok).toBe(copes);
  });

  it.each<[string, [Read, Read], string | null, boolean]>([
    ['validated', [VALIDATED, VALIDATED], 'validated', true],
    ['processing, then validated', [PROCESSING, VALIDATED], 'validated', true],
    ['processing, then redacted', [PROCESSING, REDACTED], 'redacted', true],
    ['redacted at once', [REDACTED, REDACTED], 'redacted', true],
    ['still processing: not shown, the tool copes', [PROCESSING, PROCESSING], null, true],
    ['a status the tool does not know', [PROCESSING, ODD], null, false],
  ])('charge %s → %s', (_name, charge, matches, copes) => {
    expect(youngCharges(reads([DELETED, DELETED], charge))).toMatchObject({ probed: true, matches, copes });
  });

  it('not probed when the job did not run (and the step failure is the problem)', () => {
    const o = walk((o) => delete o.redactionReads);
    expect(settleMs(o)).toMatchObject({ probed: false });
    expect(youngCharges(o)).toMatchObject({ probed: false });
  });
});

describe('notice', () => {
  it('none is the emulator without --notice; one is --notice TEXT; neither is a problem', () => {
    expect(notice(walk(() => {}))).toMatchObject({ matches: '', probed: true, copes: true });
    const o = walk((o) => (o.notices = ['Deprecated.', 'Other.']));
    expect(notice(o)).toMatchObject({ matches: 'Deprecated.', copes: true, observed: 'Stripe sent 2 notice(s): "Deprecated."; "Other."' });
    expect(classifyObservations(o).ok).toBe(true);
  });
});
