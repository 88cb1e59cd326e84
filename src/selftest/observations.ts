import type { ProbeAnswer, ProbeRedaction, ProbeRefusal, ProbeValidationError } from './probe.js';

/**
 * What the selftest saw Stripe do, step by step of the redaction guide: plain data, written by
 * `walkGuide` and judged by `classifyObservations`. A step that could not be taken leaves its field
 * undefined and says why in `stepFailures`.
 */
export interface Observations {
  /** The account the key belongs to. */
  accountId?: string;
  /** Every job status Stripe sent, in the order first seen. */
  statusesSeen: string[];
  /** A job (validation `error`) of a customer with an unconfirmed PaymentIntent, after its validation. */
  blockedJob?: { jobId: string; paymentIntentId: string; finalStatus: string; errors: ProbeValidationError[] };
  /** That job retrieved with `expand[]=objects`. */
  expandObjects?: { customerId: string; answer: ProbeAnswer<{ objectIds: string[] | undefined }> };
  /** That job retrieved with `expand[]=validation_errors`. */
  expandErrors?: ProbeAnswer<{ errors: ProbeValidationError[] | undefined }>;
  /** A second job naming the same customer while the first one is live (failed). */
  lock?: { holderJobId: string; outcome: { kind: 'created'; jobId: string; finalStatus: string; errors: ProbeValidationError[] } | { kind: 'refused'; refusal: ProbeRefusal } };
  /** That second job canceled from `failed`. */
  cancel?: { jobId: string; answerStatus: string | null; refusal?: ProbeRefusal; finalStatus: string };
  /** `run` asked of the canceled job: a transition Stripe documents as not allowed. */
  illegalTransition?: { jobId: string; fromStatus: string; answer: ProbeAnswer<{ status: string }>; statusAfter: string };
  /** The first job switched to `fix`, validated and run. */
  fixRun?: {
    updateRefusal?: ProbeRefusal;
    validatedStatus: string;
    /** The errors listed after the validation in `fix` mode: what `fix` will change. */
    fixErrors: ProbeValidationError[];
    ranStatus?: string;
    paymentIntentStatusAfter?: string;
  };
  /** A job naming a customer deleted just before. */
  unknownId?: { missingId: string; outcome: { kind: 'refused'; refusal: ProbeRefusal } | { kind: 'created'; jobId: string; finalStatus: string; errors: ProbeValidationError[] } };
  /** A `fix` job of a customer with a fixable blocker (an unconfirmed PaymentIntent) and an unfixable one (a disputed charge). */
  fixListing?:
    | { kind: 'not_probed'; reason: string }
    | { kind: 'probed'; jobId: string; fixableId: string; unfixableId: string; finalStatus: string; errors: ProbeValidationError[] };
  /** A job naming a customer deleted just before (`DELETE /v1/customers/:id`): refused, or redacted like any other? */
  deletedCustomer?: {
    customerId: string;
    outcome: { kind: 'refused'; refusal: ProbeRefusal } | { kind: 'created'; jobId: string; finalStatus: string; errors: ProbeValidationError[]; ranStatus?: string };
  };
  /**
   * A job of a customer without payments and of one with a charge paid just before, run to
   * `succeeded`: what each says of its redaction right after the job, and `waitedMs` later.
   */
  redactionReads?: {
    jobId: string;
    waitedMs: number;
    reads: { id: string; kind: 'customer' | 'payment_intent' | 'charge'; role: 'customer_without_payments' | 'young_charge'; first: ProbeRedaction; later: ProbeRedaction }[];
  };
  /** The distinct `Stripe-Notice` texts Stripe sent during the walk. */
  notices?: string[];
  /** A create naming eleven customers. */
  idCap?: { kind: 'refused'; refusal: ProbeRefusal } | { kind: 'accepted'; jobId: string };
  /** Steps that failed for a reason other than the answer they probe. */
  stepFailures: { step: string; message: string }[];
  /** What the selftest removed, and what it could not (with why). */
  cleanup: { done: string[]; left: string[] };
}
