import { adviseBlocker, type Advice } from './fix-advice.js';
import type { JobValidationError } from './job.js';

/**
 * One validation error that blocks an identifier, as the state keeps it: Stripe's code, message and
 * erroring object, and what a validation with `fix` said of it. Stored as data and worded only when
 * the report is written, so the wording can change without touching old states.
 */
export interface Blocker {
  code: string;
  message: string;
  erroringObject: { id: string; objectType: string } | null;
  /**
   * What validations under fix showed of it (fix-advice.ts {@link FixEvidence}): `untried`: none
   * ran while it blocked; `cleared`: one cleared it before (it blocks again under `error`);
   * `survived`: one still listed it as beyond the fix (alone, or on an account that dropped the
   * blockers it clears); `listed_under_fix`: one still listed it beside other blockers, so whether
   * fix clears it is unknown.
   */
  underFix: 'untried' | 'cleared' | 'survived' | 'listed_under_fix';
  /** For `locked_by_other_job`: the job Stripe's message names, a hint for people only. */
  heldBy?: string;
}

/** A blocker from a job's validation error. */
export function blockerOf(error: JobValidationError, underFix: Blocker['underFix']): Blocker {
  const heldBy = error.code === 'locked_by_other_job' ? /prj_[A-Za-z0-9]+/.exec(error.message)?.[0] : undefined;
  return { code: error.code, message: error.message, erroringObject: error.erroringObject, underFix, ...(heldBy ? { heldBy } : {}) };
}

const OBJECT_NAMES: Record<string, string> = {
  payment_intent: 'PaymentIntent',
  setup_intent: 'SetupIntent',
  subscription: 'subscription',
  invoice: 'invoice',
  checkout_session: 'Checkout Session',
  'checkout.session': 'Checkout Session',
  charge: 'charge',
};

/** What `validation_behavior=fix` does to each kind of blocking object (docs/stripe.md#what-fix-does). */
const FIX_VERBS: Record<string, { would: string; did: string }> = {
  payment_intent: { would: 'would cancel', did: 'canceled' },
  setup_intent: { would: 'would cancel', did: 'canceled' },
  subscription: { would: 'would cancel', did: 'canceled' },
  invoice: { would: 'would void or delete', did: 'voided or deleted' },
  checkout_session: { would: 'would expire', did: 'expired' },
  'checkout.session': { would: 'would expire', did: 'expired' },
};

/**
 * The report's sentence for a blocker a validation with `fix` cleared: "would cancel PaymentIntent
 * pi_…" before the job ran, "canceled PaymentIntent pi_…" after it succeeded.
 */
export function describeFix(blocker: Pick<Blocker, 'message' | 'erroringObject'>, tense: 'would' | 'did'): string {
  const object = blocker.erroringObject;
  const cleared = tense === 'would' ? 'would clear' : 'cleared';
  if (!object) return `${cleared}: ${blocker.message}`;
  const name = OBJECT_NAMES[object.objectType] ?? object.objectType;
  const verb = FIX_VERBS[object.objectType];
  if (!verb) return `${cleared} ${name} ${object.id}: ${blocker.message}`;
  return `${verb[tense]} ${name} ${object.id}`;
}

/** Stripe's own message for a blocker, with the object it names when the message lacks it. */
export function describeBlocker(blocker: Pick<Blocker, 'message' | 'erroringObject'>): string {
  const object = blocker.erroringObject;
  return object && !blocker.message.includes(object.id) ? `${blocker.message} (${object.objectType} ${object.id})` : blocker.message;
}

/** What a person must know and do about one blocker of a `needs_action` row, as one sentence. */
export function describeNeedsAction(blocker: Blocker): string {
  const { words, command } = adviseNeedsAction(blocker);
  return command === undefined ? words : `${words} (operator: run with ${command})`;
}

/** What a person must know and do about one blocker of a `needs_action` row: the words, and the operator's flags apart. */
export function adviseNeedsAction(blocker: Blocker): Advice {
  const what = describeBlocker(blocker);
  switch (blocker.code) {
    case 'locked_by_other_job': {
      // Worded from the code and the object, not from Stripe's message: whether that names the job
      // is undocumented (docs/stripe.md#what-the-client-must-not-rely-on), and the report must read the same either way.
      const object = blocker.erroringObject ? `${blocker.erroringObject.objectType} ${blocker.erroringObject.id}` : 'an object of this row';
      return { words: `${object} is being processed by another active job — held by ${blocker.heldBy ? `job ${blocker.heldBy}` : 'another redaction job'} that this state does not own: cancel it or let it finish` };
    }
  }
  const advice = adviseBlocker(blocker);
  return { ...advice, words: `${what} — ${advice.words}` };
}
