/**
 * What to do about a blocker, from what Stripe's fix was seen to do — never from a guess about
 * what it can do (docs/stripe.md#emulator-variants: "not on guesses about which blockers fix clears; learn it from
 * a validation in fix mode"). One table, keyed on (validation error code, the erroring object's
 * type, what a validation under fix showed of this very blocker), gives each blocker's advice:
 * words a person reads, and apart from them the flags an operator adds to the run command.
 */
import type { Blocker } from './blocker.js';

/**
 * What validations under fix showed of one blocker (the same code on the same object):
 * - `not_tried`: no validation with fix ran while it blocked;
 * - `cleared`: a validation with fix no longer listed it (it is what the fix changes);
 * - `survived`: a validation with fix still listed it, and listed it as beyond the fix — alone,
 *   or on an account that lists only what fix cannot clear (it dropped others);
 * - `listed_with_others`: a validation with fix still listed it beside other blockers of the same
 *   object, on an account that lists every blocker when one is beyond the fix: whether the fix
 *   would clear this one is not known until the others are gone.
 */
export type FixEvidence = 'not_tried' | 'cleared' | 'survived' | 'listed_with_others';

/** The evidence a stored blocker carries (states before this kept only `untried` / `listed_under_fix`). */
export function fixEvidenceOf(blocker: Pick<Blocker, 'underFix'>): FixEvidence {
  switch (blocker.underFix) {
    case 'untried':
      return 'not_tried';
    case 'cleared':
      return 'cleared';
    case 'survived':
      return 'survived';
    case 'listed_under_fix':
      // A validation with fix listed it; older states did not tell alone from beside others.
      return 'listed_with_others';
  }
}

/** Advice on one blocker: what a person reads, and the flags an operator adds to the run, if any. */
export interface Advice {
  words: string;
  /** Flags to add to the same `stripe-redact run` command (e.g. `--validation-behavior fix`). */
  command?: string;
}

/** `*` matches any code, object type or evidence; the most specific row wins. */
type Key = string;

/** What a row's advice is about: the object, and what a person does to it by hand. */
export interface AdviceSubject {
  /** The erroring object's id, or words for it when Stripe named none. */
  object: string;
  /** What a person does by hand, per (code, object type) — {@link BY_HAND}. */
  byHand: string;
}

/** One row of the advice table. */
export interface AdviceRow {
  code: Key;
  objectType: Key;
  evidence: FixEvidence | '*';
  advise: (subject: AdviceSubject) => Advice;
}

/** The flags that let Stripe's fix tell, erasing nothing; and those that let it act. */
export const VALIDATE_WITH_FIX = '--mode validate --validation-behavior fix';
export const RUN_WITH_FIX = '--validation-behavior fix';

/** What a person does by hand, per (code, object type); `*` for any. */
const BY_HAND: Record<string, (object: string) => string> = {
  'invalid_state|payment_intent': (o) => `cancel or complete the PaymentIntent ${o}`,
  'invalid_state|setup_intent': (o) => `cancel or complete the SetupIntent ${o}`,
  'invalid_state|invoice': (o) => `void the invoice ${o}, or delete it if it is a draft`,
  'invalid_state|checkout_session': (o) => `expire the Checkout Session ${o}`,
  'invalid_state|checkout.session': (o) => `expire the Checkout Session ${o}`,
  'invalid_state|charge': (o) => `settle what holds the charge ${o} (an open dispute must be closed first)`,
  'invalid_cascading_source|subscription': (o) => `cancel the subscription ${o}`,
  'invalid_file_purpose|*': (o) => `remove the file ${o} from the object, or ask Stripe support about it`,
  '*|*': (o) => `resolve what Stripe's message says about ${o}`,
};

function byHand(code: string, objectType: string, object: string): string {
  const remedy = BY_HAND[`${code}|${objectType}`] ?? BY_HAND[`${code}|*`] ?? (BY_HAND['*|*'] as (o: string) => string);
  return remedy(object);
}

/**
 * The table. Stripe documents two codes as beyond any fix (a lock held by another job, a cascade
 * too large): their remedy concerns the job, whatever fix showed. For every other code, what a
 * validation under fix showed of the blocker decides whether fix is offered: it is offered only
 * where no validation with fix ran (and then as a preview that tells) or where one cleared it.
 */
export const ADVICE_TABLE: readonly AdviceRow[] = [
  {
    code: 'locked_by_other_job',
    objectType: '*',
    evidence: '*',
    advise: ({ object }) => ({ words: `${object} is in another redaction job: let that job finish, or cancel it; the next run tries again` }),
  },
  {
    code: 'too_many_objects',
    objectType: '*',
    evidence: '*',
    advise: ({ object }) => ({ words: `too many related objects for one Stripe job, which the fix cannot change: ask Stripe support to redact ${object}` }),
  },
  {
    code: '*',
    objectType: '*',
    evidence: 'not_tried',
    advise: ({ byHand }) => ({ words: `${byHand}; Stripe's fix may clear it instead: a validate run with fix will tell, and erases nothing`, command: VALIDATE_WITH_FIX }),
  },
  {
    code: '*',
    objectType: '*',
    evidence: 'cleared',
    advise: ({ byHand }) => ({ words: `a validation with fix cleared it, so a run with fix lets Stripe do it; or ${byHand}`, command: RUN_WITH_FIX }),
  },
  {
    code: '*',
    objectType: '*',
    evidence: 'survived',
    advise: ({ byHand }) => ({ words: `Stripe's fix does not clear it (a validation with fix still listed it): ${byHand}` }),
  },
  {
    code: '*',
    objectType: '*',
    evidence: 'listed_with_others',
    advise: ({ byHand }) => ({
      words: `${byHand}; a validation with fix still listed it with other blockers of this row; at least one of these is beyond the fix and Stripe did not say which, so the fix may still clear this one once the others are resolved`,
    }),
  },
];

function specificity(row: AdviceRow): number {
  return (row.code === '*' ? 0 : 4) + (row.objectType === '*' ? 0 : 2) + (row.evidence === '*' ? 0 : 1);
}

/** The row of {@link ADVICE_TABLE} for a (code, object type, evidence): the most specific match. */
export function adviceRowFor(code: string, objectType: string, evidence: FixEvidence): AdviceRow {
  const matches = ADVICE_TABLE.filter(
    (row) => (row.code === '*' || row.code === code) && (row.objectType === '*' || row.objectType === objectType) && (row.evidence === '*' || row.evidence === evidence),
  );
  // The table has a `*` row for every evidence, so there is always a match.
  return matches.sort((a, b) => specificity(b) - specificity(a))[0] as AdviceRow;
}

/** The advice for one blocker: its table row, given the object and what a person does to it by hand. */
export function adviseBlocker(blocker: Pick<Blocker, 'code' | 'erroringObject' | 'underFix'>): Advice {
  const objectType = blocker.erroringObject?.objectType ?? '*';
  const object = blocker.erroringObject ? blocker.erroringObject.id : 'the object Stripe names';
  return adviceRowFor(blocker.code, objectType, fixEvidenceOf(blocker)).advise({ object, byHand: byHand(blocker.code, objectType, object) });
}
