/**
 * Every reason the state can hold, worded. The sentences are the ones the report wrote before
 * reasons were stored as data (results.csv must not change): a table keyed by every code, so a
 * new code without a row here does not compile.
 */
import { describe, expect, it } from 'vitest';
import { wordReason, type Reason, type ReasonCode } from '../../src/domain/reason.js';

const WORDING: { [C in ReasonCode]: [Extract<Reason, { code: C }>, string][] } = {
  no_customer: [
    [{ code: 'no_customer' }, 'no Stripe customer has this email'],
    [{ code: 'no_customer', lookup: 'list' }, 'no Stripe customer has this email (exact list filter)'],
    [{ code: 'no_customer', lookup: 'search_confirmed_by_list' }, 'no Stripe customer has this email (search, confirmed by the list filter)'],
    [{ code: 'no_customer', lookup: 'search' }, 'no Stripe customer has this email (customer search; it can lag new customers by up to a minute)'],
  ],
  several_customers: [[{ code: 'several_customers', count: 3 }, "3 customers carry this email; all of them are that person's data"]],
  found_despite_search_lag: [[{ code: 'found_despite_search_lag' }, 'found by the list filter: search had not indexed it yet']],
  guest_sessions_found: [
    [{ code: 'guest_sessions_found', count: 1 }, 'found as guest Checkout Session of this email (no customer carries it)'],
    [{ code: 'guest_sessions_found', count: 2 }, 'found as guest Checkout Sessions of this email (no customer carries it)'],
  ],
  no_guest_session: [[{ code: 'no_guest_session' }, 'no guest Checkout Session has it either']],
  not_looked_up: [[{ code: 'not_looked_up' }, 'not looked up yet; the next run continues']],
  already_redacted: [[{ code: 'already_redacted' }, 'Stripe already holds it redacted or deleted']],
  no_such_object: [[{ code: 'no_such_object' }, 'no such Stripe object']],
  create_refused: [
    [
      { code: 'create_refused', stripeCode: 'resource_missing', message: "No such customer: 'cus_gone'", param: 'objects[customers][0]' },
      "No such customer: 'cus_gone'",
    ],
  ],
  redacted_by_cascade: [[{ code: 'redacted_by_cascade', job: 'prj_1' }, 'redacted with the related objects of job prj_1']],
  canceled_outside_twice: [
    [{ code: 'canceled_outside_twice', job: 'prj_2' }, 'job prj_2 was canceled outside stripe-redact, as was the job before it; the next run tries again'],
  ],
  wait_timed_out: [
    [{ code: 'wait_timed_out', job: 'prj_3', lastStatus: 'validating', waitedMs: 1499 }, 'job prj_3 is still validating after 1 s; the next run follows it'],
    [{ code: 'wait_timed_out', job: 'prj_3', lastStatus: null, waitedMs: 90_500 }, 'job prj_3 is still working after 91 s; the next run follows it'],
  ],
  job_error: [
    [{ code: 'job_error', job: 'prj_4', message: 'Too many requests', stripeCode: 'rate_limit' }, 'prj_4: Too many requests'],
    [{ code: 'job_error', job: null, message: 'cannot reach api.stripe.com' }, 'job: cannot reach api.stripe.com'],
  ],
  gave_up_validating: [[{ code: 'gave_up_validating', job: 'prj_4', validations: 4 }, 'prj_4: job prj_4 failed validation 4 times in this run']],
  failed_without_errors: [
    [{ code: 'failed_without_errors', job: 'prj_5' }, 'job prj_5 failed validation without listing an error; the next run validates it again'],
  ],
  waits_for_own_job: [
    [{ code: 'waits_for_own_job' }, 'held by a job of this state, which carries it too: it goes on when that job ends'],
    [{ code: 'waits_for_own_job', job: 'prj_1' }, 'held by job prj_1 of this state, which carries it too: it goes on when that job ends'],
  ],
  unknown_to_stripe: [[{ code: 'unknown_to_stripe' }, 'unknown to Stripe']],
  deleted_before: [
    [
      { code: 'deleted_before', related: 3, byKind: { payment_intent: 1, charge: 2 } },
      'the customer was deleted before this tool acted, which is not redaction: its 1 PaymentIntent and 2 charges that still held data are redacted in jobs of their own',
    ],
    [
      { code: 'deleted_before', related: 3, byKind: { payment_intent: 1, setup_intent: 1, checkout_session: 1 } },
      'the customer was deleted before this tool acted, which is not redaction: its 1 PaymentIntent, 1 SetupIntent and 1 Checkout Session that still held data are redacted in jobs of their own',
    ],
    [
      { code: 'deleted_before', related: 2 },
      'the customer was deleted before this tool acted, which is not redaction: its 2 PaymentIntents, charges, SetupIntents and Checkout Sessions that still held data are redacted in jobs of their own',
    ],
    [
      { code: 'deleted_before', related: 0 },
      'the customer was deleted before this tool acted, and none of its PaymentIntents, charges, SetupIntents or Checkout Sessions still holds data',
    ],
  ],
  deleted_unlisted: [
    [
      { code: 'deleted_unlisted', message: 'Not allowed' },
      'the customer was deleted before this tool acted (deleted is not redacted) and Stripe would not list its payments (Not allowed): find its PaymentIntents, charges, SetupIntents and Checkout Sessions in the Dashboard and put their ids in a request file',
    ],
  ],
  text: [[{ code: 'text', text: 'a sentence an older state stored' }, 'a sentence an older state stored']],
};

describe('wordReason', () => {
  it.each(Object.values(WORDING).flat())('words %j', (reason, sentence) => {
    expect(wordReason(reason)).toBe(sentence);
  });

  it('refuses a code it does not know (a state written by a newer version) rather than word it as nothing', () => {
    expect(() => wordReason({ code: 'from_the_future' } as unknown as Reason)).toThrow(/unknown reason \{"code":"from_the_future"\}/);
  });
});
