/**
 * The port `selftest` probes Stripe through. Unlike the run's gateway it keeps Stripe's answers raw:
 * a status string as sent (a status this tool does not know is itself a finding), whether
 * `erroring_object` was there at all, and a refusal's HTTP status, code and `param`. Its one adapter
 * is `createStripeProbe` in src/stripe/stripe-probe.ts, which sends every request through the
 * run's rate budget and retry policy.
 */

/** A redaction job as Stripe sent it. */
export interface ProbeJob {
  id: string;
  /** As sent: the selftest checks it against Stripe's documented statuses. */
  status: string;
  validationBehavior: string;
  livemode: boolean;
  /** `objects` when the request expanded it: every id named, whatever its key. */
  objectIds?: string[];
  /** `validation_errors` when the request expanded it. */
  validationErrors?: ProbeValidationError[];
}

/** A validation error as Stripe sent it. */
export interface ProbeValidationError {
  id: string;
  code: string;
  message: string;
  /** `undefined`: the field was missing; `null`: present and null (the spec allows it). */
  erroringObject: { id: string; objectType: string } | null | undefined;
}

/** A refused request: what the client could go by. */
export interface ProbeRefusal {
  /** HTTP status; absent when no answer came. */
  status?: number;
  /** Stripe's `error.code`; absent when the error had none. */
  code?: string;
  /** Stripe's `error.param`. */
  param?: string;
  message: string;
}

/**
 * What an object says of its redaction, as Stripe sent it: `deleted: true` (a customer redacted, or
 * deleted), and its `redaction.status` — `undefined` when the object has no `redaction` field,
 * `null` when the field is there and null (no job touched it).
 */
export interface ProbeRedaction {
  deleted: boolean;
  status: string | null | undefined;
}

/** Either Stripe's answer or its refusal: the selftest probes refusals on purpose. */
export type ProbeAnswer<T> = { ok: true; value: T } | { ok: false; refusal: ProbeRefusal };

/** The test-mode objects the walk needs and the redaction job calls, each one request. */
export interface StripeProbe {
  /** `GET /v1/account`. */
  retrieveAccount(): Promise<{ id: string }>;
  /** A customer marked as the selftest's own (name and `metadata.stripe_redact_selftest`). */
  createCustomer(runId: string, step: string): Promise<{ id: string }>;
  /** Deletes a customer; `false` when Stripe says it is already gone. */
  deleteCustomer(id: string): Promise<boolean>;
  /** An unconfirmed PaymentIntent of the customer (`requires_payment_method`): a blocker `fix` clears. */
  createOpenPaymentIntent(customerId: string, runId: string, step: string): Promise<{ id: string; status: string }>;
  /**
   * A PaymentIntent confirmed with Stripe's `pm_card_createDispute` test card: its charge gets an
   * open dispute, a blocker `fix` cannot clear. Refused if the account cannot make it.
   */
  createDisputedPayment(customerId: string, runId: string, step: string): Promise<ProbeAnswer<{ id: string; chargeId: string | null }>>;
  /**
   * A PaymentIntent paid at once with Stripe's `pm_card_visa` test card: a charge younger than any
   * hold (Stripe holds charges younger than 90 days `validated`). Refused if the account cannot make it.
   */
  createPaidPayment(customerId: string, runId: string, step: string): Promise<ProbeAnswer<{ id: string; chargeId: string | null }>>;
  /** What a customer, PaymentIntent or charge says of its redaction now. */
  readRedaction(id: string, kind: 'customer' | 'payment_intent' | 'charge'): Promise<ProbeRedaction>;
  /** Whether the charge has a dispute yet (Stripe opens it shortly after the charge). */
  isChargeDisputed(chargeId: string): Promise<boolean>;
  /** `GET /v1/payment_intents/:id`: its status. */
  paymentIntentStatus(id: string): Promise<string>;
  /** The distinct `Stripe-Notice` texts Stripe sent so far, in the order first seen. */
  noticesSeen(): string[];
  createJob(customerIds: string[], validationBehavior: 'error' | 'fix', idempotencyKey: string): Promise<ProbeAnswer<ProbeJob>>;
  /** `expand`: `objects` and/or `validation_errors`; a refused expansion is an answer, not a throw. */
  retrieveJob(id: string, expand?: ('objects' | 'validation_errors')[]): Promise<ProbeAnswer<ProbeJob>>;
  /** Every validation error of the job's current attempt, all pages. */
  listValidationErrors(id: string): Promise<ProbeValidationError[]>;
  updateJob(id: string, validationBehavior: 'error' | 'fix', idempotencyKey: string): Promise<ProbeAnswer<ProbeJob>>;
  validateJob(id: string, idempotencyKey: string): Promise<ProbeAnswer<ProbeJob>>;
  runJob(id: string, idempotencyKey: string): Promise<ProbeAnswer<ProbeJob>>;
  cancelJob(id: string, idempotencyKey: string): Promise<ProbeAnswer<ProbeJob>>;
}
