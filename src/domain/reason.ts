/**
 * Why an identifier or an object stands where it does, as the state keeps it: a code with its
 * parameters, never a sentence. The report words reasons only when it is written
 * ({@link wordReason}), so the wording can change without touching old states. Blockers (Stripe's
 * validation errors) are kept apart, as data of their own (blocker.ts).
 */

/** How a lookup that found no customer for an email was made. */
export type CustomerLookup =
  /** The exact, strongly consistent list filter. */
  | 'list'
  /** Customer search missed it and the list filter confirmed the miss. */
  | 'search_confirmed_by_list'
  /** Customer search alone, which can lag new customers. */
  | 'search';

/** A reason: a closed union, one member per thing the report can say about a row. */
export type Reason =
  /** No customer has the email; `lookup` says how that was found (absent: the report knows no more). */
  | { code: 'no_customer'; lookup?: CustomerLookup }
  /** Several customers carry the email: all of them are redacted. */
  | { code: 'several_customers'; count: number }
  /** Search had not indexed the customer yet; the list filter found it. */
  | { code: 'found_despite_search_lag' }
  /** No customer carries the email, but guest Checkout Sessions do: they are what gets redacted. */
  | { code: 'guest_sessions_found'; count: number }
  /** No customer carries the email, and no guest Checkout Session either. */
  | { code: 'no_guest_session' }
  /** No lookup answered for the identifier yet. */
  | { code: 'not_looked_up' }
  /** Stripe held the object redacted or deleted before this tool acted. */
  | { code: 'already_redacted' }
  /** Stripe has no such object. */
  | { code: 'no_such_object' }
  /** Stripe refused to create the job; its error, as Stripe gave it (a lock refused at create has no code). */
  | { code: 'create_refused'; stripeCode?: string; message: string; param?: string }
  /** A job of this state that succeeded redacted the object through its cascade. */
  | { code: 'redacted_by_cascade'; job: string }
  /** The object's job was canceled outside the tool, as was the one that replaced it: no third try this run. */
  | { code: 'canceled_outside_twice'; job: string }
  /** The run stopped waiting for the object's job, which Stripe is still working on. */
  | { code: 'wait_timed_out'; job: string; lastStatus: string | null; waitedMs: number }
  /** An error no retry resolved while driving the object's job (`job` null before Stripe named it). */
  | { code: 'job_error'; job: string | null; message: string; stripeCode?: string }
  /** The job failed validation `validations` times in this run, each time on errors this run had not seen start: the next run starts over. */
  | { code: 'gave_up_validating'; job: string; validations: number }
  /** The job failed validation but Stripe listed no error. */
  | { code: 'failed_without_errors'; job: string }
  /** Another live job of this state holds the object (`job`, once Stripe named it): it waits for that one. */
  | { code: 'waits_for_own_job'; job?: string }
  /** Stripe no longer knows the job (another account's state, a wiped emulator): abandoned, its objects re-packed. */
  | { code: 'unknown_to_stripe' }
  /**
   * A customer that read `deleted: true` before any job of this state touched it, which Stripe then
   * refused to redact: deleted is not redacted. `related`: its PaymentIntents, charges, SetupIntents
   * and Checkout Sessions that did not read redacted, put in jobs of their own.
   */
  | { code: 'deleted_before'; related: number; byKind?: Partial<Record<'payment_intent' | 'charge' | 'setup_intent' | 'checkout_session', number>> }
  /** A customer deleted before (as above) whose related objects Stripe would not list: a person must find them. */
  | { code: 'deleted_unlisted'; message: string }
  /** A sentence a state of schema version 3 or older stored as it was (see state-schema.ts). */
  | { code: 'text'; text: string };

/** Every reason code, in declaration order. */
export type ReasonCode = Reason['code'];

/** The report's sentence for a reason: a pure function of the reason alone. */
export function wordReason(reason: Reason): string {
  switch (reason.code) {
    case 'no_customer':
      switch (reason.lookup) {
        case undefined:
          return 'no Stripe customer has this email';
        case 'list':
          return 'no Stripe customer has this email (exact list filter)';
        case 'search_confirmed_by_list':
          return 'no Stripe customer has this email (search, confirmed by the list filter)';
        case 'search':
          return 'no Stripe customer has this email (customer search; it can lag new customers by up to a minute)';
      }
      return unreachable(reason.lookup);
    case 'several_customers':
      return `${reason.count} customers carry this email; all of them are that person's data`;
    case 'found_despite_search_lag':
      return 'found by the list filter: search had not indexed it yet';
    case 'guest_sessions_found':
      return `found as guest Checkout Session${reason.count > 1 ? 's' : ''} of this email (no customer carries it)`;
    case 'no_guest_session':
      return 'no guest Checkout Session has it either';
    case 'not_looked_up':
      return 'not looked up yet; the next run continues';
    case 'already_redacted':
      return 'Stripe already holds it redacted or deleted';
    case 'no_such_object':
      return 'no such Stripe object';
    case 'create_refused':
      return reason.message;
    case 'redacted_by_cascade':
      return `redacted with the related objects of job ${reason.job}`;
    case 'canceled_outside_twice':
      return `job ${reason.job} was canceled outside stripe-redact, as was the job before it; the next run tries again`;
    case 'wait_timed_out':
      return `job ${reason.job} is still ${reason.lastStatus ?? 'working'} after ${Math.round(reason.waitedMs / 1000)} s; the next run follows it`;
    case 'job_error':
      return `${reason.job ?? 'job'}: ${reason.message}`;
    case 'gave_up_validating':
      // Worded as it was when it was a job_error carrying this text: reports stay byte-identical.
      return `${reason.job}: job ${reason.job} failed validation ${reason.validations} times in this run`;
    case 'failed_without_errors':
      return `job ${reason.job} failed validation without listing an error; the next run validates it again`;
    case 'waits_for_own_job':
      // Ours, never "another" job: a person reading the report must not go looking for a stranger's.
      return `held by ${reason.job ? `job ${reason.job}` : 'a job'} of this state, which carries it too: it goes on when that job ends`;
    case 'unknown_to_stripe':
      return 'unknown to Stripe';
    case 'deleted_before':
      return reason.related > 0
        ? `the customer was deleted before this tool acted, which is not redaction: ${describeHeldObjects(reason.related, reason.byKind)} that still held data are redacted in jobs of their own`
        : 'the customer was deleted before this tool acted, and none of its PaymentIntents, charges, SetupIntents or Checkout Sessions still holds data';
    case 'deleted_unlisted':
      return `the customer was deleted before this tool acted (deleted is not redacted) and Stripe would not list its payments (${reason.message}): find its PaymentIntents, charges, SetupIntents and Checkout Sessions in the Dashboard and put their ids in a request file`;
    case 'text':
      return reason.text;
  }
  return unreachable(reason);
}

const HELD_KINDS = [
  ['payment_intent', 'PaymentIntent'],
  ['charge', 'charge'],
  ['setup_intent', 'SetupIntent'],
  ['checkout_session', 'Checkout Session'],
] as const;

/** `its 1 PaymentIntent and 2 charges`; without counts per kind (not recorded), `its 3 PaymentIntents, charges, SetupIntents and Checkout Sessions`. */
function describeHeldObjects(total: number, byKind: Partial<Record<(typeof HELD_KINDS)[number][0], number>> | undefined): string {
  const parts = HELD_KINDS.filter(([kind]) => (byKind?.[kind] ?? 0) > 0).map(([kind, name]) => {
    const n = byKind?.[kind] as number;
    return `${n} ${name}${n > 1 ? 's' : ''}`;
  });
  if (parts.length === 0) return `its ${total} PaymentIntents, charges, SetupIntents and Checkout Sessions`;
  return `its ${parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1) as string}` : parts[0]}`;
}

/** A compile-time proof that a switch covered every member; never runs on well-typed input. */
function unreachable(value: never): never {
  throw new Error(`unknown reason ${JSON.stringify(value)}`);
}
