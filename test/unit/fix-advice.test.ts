/**
 * The advice table (domain/fix-advice.ts): one test per row, each checking the row a blocker of
 * that (code, object type, evidence) gets and what it tells a person and the operator. The rule
 * the table exists for: fix is offered only where no validation with fix ran (as a preview that
 * tells) or where one cleared the blocker — never once one still listed it.
 */
import { describe, expect, it } from 'vitest';
import type { Blocker } from '../../src/domain/blocker.js';
import { ADVICE_TABLE, adviceRowFor, adviseBlocker, fixEvidenceOf, RUN_WITH_FIX, VALIDATE_WITH_FIX, type FixEvidence } from '../../src/domain/fix-advice.js';

const blocker = (code: string, objectType: string | null, underFix: Blocker['underFix']): Blocker => ({
  code,
  message: 'Blocked.',
  erroringObject: objectType === null ? null : { id: `${objectType}_1`, objectType },
  underFix,
});

const UNDER_FIX: Record<FixEvidence, Blocker['underFix']> = { not_tried: 'untried', cleared: 'cleared', survived: 'survived', listed_with_others: 'listed_under_fix' };

/** One case per row of ADVICE_TABLE, in table order: a blocker that row answers, and what its advice must say. */
const CASES: { row: number; blocker: Blocker; words: RegExp; command: string | undefined }[] = [
  { row: 0, blocker: blocker('locked_by_other_job', 'customer', 'untried'), words: /^customer_1 is in another redaction job: let that job finish, or cancel it/, command: undefined },
  { row: 1, blocker: blocker('too_many_objects', 'customer', 'survived'), words: /^too many related objects for one Stripe job, which the fix cannot change: ask Stripe support/, command: undefined },
  { row: 2, blocker: blocker('invalid_state', 'payment_intent', 'untried'), words: /^cancel or complete the PaymentIntent payment_intent_1; Stripe's fix may clear it instead: a validate run with fix will tell, and erases nothing$/, command: VALIDATE_WITH_FIX },
  { row: 3, blocker: blocker('invalid_cascading_source', 'subscription', 'cleared'), words: /^a validation with fix cleared it, so a run with fix lets Stripe do it; or cancel the subscription subscription_1$/, command: RUN_WITH_FIX },
  { row: 4, blocker: blocker('invalid_state', 'charge', 'survived'), words: /^Stripe's fix does not clear it \(a validation with fix still listed it\): settle what holds the charge charge_1 \(an open dispute must be closed first\)$/, command: undefined },
  { row: 5, blocker: blocker('invalid_state', 'payment_intent', 'listed_under_fix'), words: /^cancel or complete the PaymentIntent payment_intent_1; a validation with fix still listed it with other blockers of this row; at least one of these is beyond the fix/, command: undefined },
];

describe('the advice table', () => {
  it('has a case below for every row', () => {
    expect(CASES.map((c) => c.row)).toEqual(ADVICE_TABLE.map((_, i) => i));
  });

  it.each(CASES)('row $row: $blocker.code on $blocker.erroringObject.objectType, $blocker.underFix', ({ row, blocker: b, words, command }) => {
    expect(adviceRowFor(b.code, b.erroringObject?.objectType ?? '*', fixEvidenceOf(b))).toBe(ADVICE_TABLE[row]);
    const advice = adviseBlocker(b);
    expect(advice.words).toMatch(words);
    expect(advice.command).toBe(command);
  });

  it('never offers fix for a blocker a validation with fix still listed, whatever its code or object', () => {
    for (const code of ['invalid_state', 'invalid_cascading_source', 'invalid_file_purpose', 'locked_by_other_job', 'too_many_objects', 'an_undocumented_code']) {
      for (const objectType of ['payment_intent', 'setup_intent', 'subscription', 'invoice', 'checkout_session', 'charge', 'file', 'customer', null]) {
        for (const underFix of ['survived', 'listed_under_fix'] as const) {
          const advice = adviseBlocker(blocker(code, objectType, underFix));
          expect(advice.command, `${code} ${objectType} ${underFix}`).toBeUndefined();
          expect(advice.words, `${code} ${objectType} ${underFix}`).not.toMatch(/may clear|lets Stripe do it/);
        }
      }
    }
  });

  it('says fix may clear a blocker no validation with fix has seen, except those Stripe documents as beyond any fix', () => {
    for (const code of ['invalid_state', 'invalid_cascading_source', 'invalid_file_purpose', 'an_undocumented_code']) {
      expect(adviseBlocker(blocker(code, 'payment_intent', 'untried'))).toMatchObject({ words: expect.stringMatching(/may clear it instead: a validate run with fix will tell/), command: VALIDATE_WITH_FIX });
    }
    for (const code of ['locked_by_other_job', 'too_many_objects']) expect(adviseBlocker(blocker(code, 'customer', 'untried')).command).toBeUndefined();
  });

  it('never calls a blocker listed beside others one the fix cannot clear', () => {
    expect(adviseBlocker(blocker('invalid_state', 'payment_intent', 'listed_under_fix')).words).not.toMatch(/does not clear|cannot clear it|what Stripe's fix cannot clear/);
  });

  it('names the object, or says Stripe named none, and has a hand remedy per object type', () => {
    expect(adviseBlocker(blocker('invalid_state', null, 'survived')).words).toMatch(/resolve what Stripe's message says about the object Stripe names$/);
    expect(adviseBlocker(blocker('invalid_state', 'invoice', 'survived')).words).toMatch(/void the invoice invoice_1, or delete it if it is a draft$/);
    expect(adviseBlocker(blocker('invalid_state', 'setup_intent', 'survived')).words).toMatch(/cancel or complete the SetupIntent setup_intent_1$/);
    expect(adviseBlocker(blocker('invalid_state', 'checkout_session', 'survived')).words).toMatch(/expire the Checkout Session checkout_session_1$/);
    expect(adviseBlocker(blocker('invalid_file_purpose', 'file', 'survived')).words).toMatch(/remove the file file_1 from the object/);
  });

  it('reads the evidence of states written before it: listed_under_fix is listed beside others', () => {
    expect(Object.entries(UNDER_FIX).map(([evidence, underFix]) => [evidence, fixEvidenceOf({ underFix })])).toEqual(Object.entries(UNDER_FIX).map(([e]) => [e, e]));
  });
});
