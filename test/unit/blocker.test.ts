import { describe, expect, it } from 'vitest';
import { adviseNeedsAction, blockerOf, describeBlocker, describeFix, describeNeedsAction, type Blocker } from '../../src/domain/blocker.js';

const blocker = (objectType: string, id: string, overrides: Partial<Blocker> = {}): Blocker => ({
  code: 'invalid_state',
  message: 'Blocked.',
  erroringObject: { id, objectType },
  underFix: 'untried',
  ...overrides,
});

describe('blockers', () => {
  it('says what fix would do and what it did, per kind of object', () => {
    expect(describeFix(blocker('payment_intent', 'pi_1'), 'would')).toBe('would cancel PaymentIntent pi_1');
    expect(describeFix(blocker('payment_intent', 'pi_1'), 'did')).toBe('canceled PaymentIntent pi_1');
    expect(describeFix(blocker('subscription', 'sub_1'), 'did')).toBe('canceled subscription sub_1');
    expect(describeFix(blocker('invoice', 'in_1'), 'would')).toBe('would void or delete invoice in_1');
    expect(describeFix(blocker('checkout.session', 'cs_1'), 'did')).toBe('expired Checkout Session cs_1');
    expect(describeFix(blocker('file', 'file_1'), 'did')).toBe('cleared file file_1: Blocked.');
    expect(describeFix({ message: 'Odd.', erroringObject: null }, 'would')).toBe('would clear: Odd.');
  });

  it("keeps Stripe's message for a blocker and adds the object when the message lacks it", () => {
    expect(describeBlocker(blocker('charge', 'ch_1'))).toBe('Blocked. (charge ch_1)');
    expect(describeBlocker(blocker('charge', 'ch_1', { message: 'Charge ch_1 is disputed.' }))).toBe('Charge ch_1 is disputed.');
  });

  it('tells apart a blocker fix was not tried on from one a validation with fix still lists', () => {
    expect(describeNeedsAction(blocker('charge', 'ch_1'))).toMatch(/fix may clear it instead: a validate run with fix will tell.*\(operator: run with --mode validate --validation-behavior fix\)$/);
    expect(describeNeedsAction(blocker('charge', 'ch_1', { underFix: 'survived' }))).toMatch(/Stripe's fix does not clear it/);
    expect(describeNeedsAction(blocker('charge', 'ch_1', { underFix: 'survived' }))).not.toMatch(/--validation-behavior fix/);
    expect(describeNeedsAction(blocker('payment_intent', 'pi_1', { underFix: 'listed_under_fix' }))).not.toMatch(/cannot clear what|--validation-behavior fix/);
  });

  it('gives the words and the operator flags apart', () => {
    expect(adviseNeedsAction(blocker('payment_intent', 'pi_1'))).toEqual({
      words: "Blocked. (payment_intent pi_1) — cancel or complete the PaymentIntent pi_1; Stripe's fix may clear it instead: a validate run with fix will tell, and erases nothing",
      command: '--mode validate --validation-behavior fix',
    });
    expect(adviseNeedsAction(blocker('payment_intent', 'pi_1', { underFix: 'survived' })).command).toBeUndefined();
  });

  it('names the holder of a lock only as a hint read from the message', () => {
    const error = { id: 'prjve_1', code: 'locked_by_other_job', message: 'Locked by job prj_9.', erroringObject: null };
    expect(blockerOf(error, 'untried')).toMatchObject({ heldBy: 'prj_9' });
    expect(describeNeedsAction(blockerOf(error, 'untried'))).toMatch(/held by job prj_9 that this state does not own/);
    const plain = { ...error, message: 'This object is being processed by another active job.' };
    expect(blockerOf(plain, 'untried').heldBy).toBeUndefined();
    expect(describeNeedsAction(blockerOf(plain, 'untried'))).toMatch(/held by another redaction job/);
    expect(describeNeedsAction(blocker('customer', 'cus_1', { code: 'too_many_objects' }))).toMatch(/too many related objects/);
  });

  it("words a lock the same whatever Stripe's message says, naming the object", () => {
    const plain = { id: 'prjve_1', code: 'locked_by_other_job', message: 'This object is being processed by another active job.', erroringObject: { id: 'cus_1', objectType: 'customer' } };
    const named = { ...plain, message: 'Customer cus_1 belongs to redaction job prj_9 (status: ready). Cancel that job or wait for it to finish.' };
    const expected = 'customer cus_1 is being processed by another active job — held by job prj_9 that this state does not own: cancel it or let it finish';
    expect(describeNeedsAction({ ...blockerOf(plain, 'untried'), heldBy: 'prj_9' })).toBe(expected);
    expect(describeNeedsAction(blockerOf(named, 'untried'))).toBe(expected);
    expect(describeNeedsAction(blockerOf({ ...plain, erroringObject: null }, 'untried'))).toBe(
      'an object of this row is being processed by another active job — held by another redaction job that this state does not own: cancel it or let it finish',
    );
  });
});
