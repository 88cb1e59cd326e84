import { describe, expect, it } from 'vitest';
import { describeBlocker, describeFix } from '../../src/domain/fix-note.js';

const error = (objectType: string, id: string) => ({ id: 'prjve_1', code: 'invalid_state', message: 'Blocked.', erroringObject: { id, objectType } });

describe('fix notes', () => {
  it('says what fix will do and what it did, per kind of object', () => {
    expect(describeFix(error('payment_intent', 'pi_1'), 'will')).toBe('fix will cancel PaymentIntent pi_1');
    expect(describeFix(error('payment_intent', 'pi_1'), 'did')).toBe('PaymentIntent pi_1 canceled by fix');
    expect(describeFix(error('subscription', 'sub_1'), 'did')).toBe('subscription sub_1 canceled by fix');
    expect(describeFix(error('invoice', 'in_1'), 'will')).toBe('fix will void or delete invoice in_1');
    expect(describeFix(error('checkout.session', 'cs_1'), 'did')).toBe('Checkout Session cs_1 expired by fix');
  });

  it("keeps Stripe's message for a blocker and adds the object when the message lacks it", () => {
    expect(describeBlocker(error('charge', 'ch_1'))).toBe('Blocked. (charge ch_1)');
    expect(describeBlocker({ ...error('charge', 'ch_1'), message: 'Charge ch_1 is disputed.' })).toBe('Charge ch_1 is disputed.');
  });
});
