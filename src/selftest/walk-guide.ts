import type { Observations } from './observations.js';
import type { ProbeJob, StripeProbe } from './probe.js';
import { CANCELABLE, WalkSession, type WalkOptions } from './walk-session.js';

export type { WalkOptions } from './walk-session.js';

/** Customers to name in the eleven-id create: well-formed ids that exist nowhere. */
const ELEVEN_IDS = (runId: string) => Array.from({ length: 11 }, (_, i) => `cus_selftest${runId.replace(/[^A-Za-z0-9]/g, '')}${i}`);

/**
 * Walks Stripe's redaction guide on the key's own account and records what Stripe did
 * (observations.ts): a customer with an unconfirmed PaymentIntent, its job and errors, a lock by
 * a second job, a cancel, an illegal transition, fix and run, a deleted id, a fix job with an
 * unfixable blocker, eleven ids. Then removes what it made: live jobs canceled, customers that were
 * not redacted deleted; what it could not remove is named in `cleanup.left`. An auth or permission
 * failure ends the walk (thrown); any other failure of a step is recorded and the walk goes on.
 */
export async function walkGuide(probe: StripeProbe, options: WalkOptions): Promise<Observations> {
  const walk = new GuideWalk(probe, options);
  try {
    await walk.steps();
  } finally {
    await walk.cleanup();
    walk.observations.notices = probe.noticesSeen();
  }
  return walk.observations;
}

class GuideWalk extends WalkSession {
  async steps(): Promise<void> {
    const o = this.observations;
    const account = await this.step('account', () => this.probe.retrieveAccount());
    if (!account) return;
    o.accountId = account.id;

    // The guide's first customer: an unconfirmed PaymentIntent blocks its redaction until fixed.
    const first = await this.step('blocked job', async () => {
      const customer = await this.customer('a');
      const pi = await this.probe.createOpenPaymentIntent(customer, this.runId, 'a-pi');
      const job = await this.createJob([customer], 'error', 'job-a');
      if (!job) throw new Error('the job of a customer with an unconfirmed PaymentIntent was refused at create');
      const done = await this.settle(job.id);
      const errors = await this.probe.listValidationErrors(job.id);
      o.blockedJob = { jobId: job.id, paymentIntentId: pi.id, finalStatus: done.status, errors };
      return { customer, pi: pi.id, jobId: job.id };
    });
    if (first) {
      await this.step('expand objects', async () => {
        const answer = await this.probe.retrieveJob(first.jobId, ['objects']);
        o.expandObjects = {
          customerId: first.customer,
          answer: answer.ok ? { ok: true, value: { objectIds: answer.value.objectIds } } : answer,
        };
      });
      await this.step('expand validation errors', async () => {
        const answer = await this.probe.retrieveJob(first.jobId, ['validation_errors']);
        o.expandErrors = answer.ok ? { ok: true, value: { errors: answer.value.validationErrors } } : answer;
      });
      const second = await this.step('lock', async () => {
        const created = await this.probe.createJob([first.customer], 'error', this.key('job-lock'));
        if (!created.ok) {
          o.lock = { holderJobId: first.jobId, outcome: { kind: 'refused', refusal: created.refusal } };
          return undefined;
        }
        this.made(created.value);
        const done = await this.settle(created.value.id);
        const errors = await this.probe.listValidationErrors(created.value.id);
        o.lock = { holderJobId: first.jobId, outcome: { kind: 'created', jobId: created.value.id, finalStatus: done.status, errors } };
        return done;
      });
      // A lock refused at create leaves no second job: a blocked job of its own is canceled instead.
      const toCancel = second && CANCELABLE.has(second.status) ? second : o.lock?.outcome.kind === 'refused' ? await this.step('job to cancel', () => this.#blockedJob('cancel')) : undefined;
      if (toCancel && CANCELABLE.has(toCancel.status)) {
        const canceled = await this.step('cancel', async () => {
          const answer = await this.probe.cancelJob(toCancel.id, this.key('cancel-lock'));
          if (answer.ok) this.see(answer.value.status);
          const done = await this.settle(toCancel.id);
          o.cancel = {
            jobId: toCancel.id,
            answerStatus: answer.ok ? answer.value.status : null,
            ...(answer.ok ? {} : { refusal: answer.refusal }),
            finalStatus: done.status,
          };
          return done;
        });
        if (canceled) {
          await this.step('illegal transition', async () => {
            const answer = await this.probe.runJob(canceled.id, this.key('run-canceled'));
            const after = await this.settle(canceled.id);
            o.illegalTransition = {
              jobId: canceled.id,
              fromStatus: canceled.status,
              answer: answer.ok ? { ok: true, value: { status: answer.value.status } } : answer,
              statusAfter: after.status,
            };
          });
        }
      }
      if (o.blockedJob?.finalStatus === 'failed') {
        await this.step('fix and run', () => this.#fixAndRun(first.customer, first.jobId, first.pi));
      }
    }
    await this.step('unknown id', async () => {
      // An id that never existed: a merely deleted customer is another question (`--deleted-customers`).
      const gone = `cus_selftest${this.runId.replace(/[^A-Za-z0-9]/g, '')}missing`;
      const created = await this.probe.createJob([gone], 'error', this.key('job-deleted'));
      if (!created.ok) {
        o.unknownId = { missingId: gone, outcome: { kind: 'refused', refusal: created.refusal } };
        return;
      }
      this.made(created.value);
      const done = await this.settle(created.value.id);
      const errors = done.status === 'failed' ? await this.probe.listValidationErrors(done.id) : [];
      o.unknownId = { missingId: gone, outcome: { kind: 'created', jobId: done.id, finalStatus: done.status, errors } };
    });
    await this.step('deleted customer', () => this.#deletedCustomer());
    await this.step('redaction status', () => this.#redactionReads());
    await this.step('fix listing', () => this.#fixListing());
    await this.step('eleven ids', async () => {
      const created = await this.probe.createJob(ELEVEN_IDS(this.runId), 'error', this.key('job-eleven'));
      if (created.ok) this.made(created.value);
      o.idCap = created.ok ? { kind: 'accepted', jobId: created.value.id } : { kind: 'refused', refusal: created.refusal };
    });
  }

  /** The guide's remedy: switch the failed job to `fix`, validate (→ ready), run (→ succeeded). */
  async #fixAndRun(customer: string, jobId: string, pi: string): Promise<void> {
    const update = await this.probe.updateJob(jobId, 'fix', this.key('fix-a'));
    const validated = update.ok ? await this.probe.validateJob(jobId, this.key('validate-a')) : undefined;
    if (validated?.ok) this.see(validated.value.status);
    const ready = await this.settle(jobId);
    const fixErrors = await this.probe.listValidationErrors(jobId);
    const fixRun: NonNullable<Observations['fixRun']> = { validatedStatus: ready.status, fixErrors };
    if (!update.ok) fixRun.updateRefusal = update.refusal;
    else if (validated && !validated.ok) fixRun.updateRefusal = validated.refusal;
    this.observations.fixRun = fixRun;
    if (ready.status !== 'ready') return;
    const ran = await this.probe.runJob(jobId, this.key('run-a'));
    if (ran.ok) this.see(ran.value.status);
    const done = await this.settle(jobId);
    fixRun.ranStatus = done.status;
    if (done.status === 'succeeded') this.customers.set(customer, { redacted: true });
    fixRun.paymentIntentStatusAfter = await this.probe.paymentIntentStatus(pi);
  }

  /** A job (validation `error`) of a fresh customer with an unconfirmed PaymentIntent, settled: failed, as the guide's first one. */
  async #blockedJob(step: string): Promise<ProbeJob> {
    const customer = await this.customer(step);
    await this.probe.createOpenPaymentIntent(customer, this.runId, `${step}-pi`);
    const job = await this.createJob([customer], 'error', `job-${step}`);
    if (!job) throw new Error(`the job of a customer with an unconfirmed PaymentIntent was refused at create (step ${step})`);
    return this.settle(job.id);
  }

  /** A customer deleted with `DELETE /v1/customers/:id`, then named in a job: refused, or redacted like any other (then run)? */
  async #deletedCustomer(): Promise<void> {
    const customer = await this.customer('deleted');
    await this.probe.deleteCustomer(customer);
    this.customers.delete(customer);
    const created = await this.probe.createJob([customer], 'error', this.key('job-deleted-customer'));
    if (!created.ok) {
      this.observations.deletedCustomer = { customerId: customer, outcome: { kind: 'refused', refusal: created.refusal } };
      return;
    }
    this.made(created.value);
    const done = await this.settle(created.value.id);
    const errors = done.status === 'failed' ? await this.probe.listValidationErrors(done.id) : [];
    const outcome: NonNullable<Observations['deletedCustomer']>['outcome'] = { kind: 'created', jobId: done.id, finalStatus: done.status, errors };
    this.observations.deletedCustomer = { customerId: customer, outcome };
    if (done.status !== 'ready') return;
    // Redacting what was already deleted removes nothing the selftest still needs.
    const ran = await this.probe.runJob(done.id, this.key('run-deleted-customer'));
    if (ran.ok) this.see(ran.value.status);
    outcome.ranStatus = (await this.settle(done.id)).status;
  }

  /**
   * One job of a customer without payments and of one with a charge paid just now, run; then what
   * each says of its redaction right after the job succeeded and `settleWaitMs` later: does Stripe
   * settle (`processing` first), and does it hold a young charge (`validated`)?
   */
  async #redactionReads(): Promise<void> {
    const plain = await this.customer('settle-plain');
    const paying = await this.customer('settle-paid');
    const paid = await this.probe.createPaidPayment(paying, this.runId, 'settle-paid-pi');
    if (!paid.ok) throw new Error(`a payment with pm_card_visa could not be made: ${paid.refusal.message}`);
    if (paid.value.chargeId === null) throw new Error(`the payment ${paid.value.id} with pm_card_visa made no charge`);
    // `fix`: whatever the paid customer's payment method leaves open, the guide's remedy clears.
    const job = await this.createJob([plain, paying], 'fix', 'job-settle');
    if (!job) throw new Error('the job of a customer without payments and one with a paid charge was refused at create');
    const ready = await this.settle(job.id);
    if (ready.status !== 'ready') throw new Error(`the job of a customer without payments and one with a paid charge ended ${ready.status}, not ready`);
    const ran = await this.probe.runJob(job.id, this.key('run-settle'));
    if (ran.ok) this.see(ran.value.status);
    const done = await this.settle(job.id);
    if (done.status !== 'succeeded') throw new Error(`the job ${job.id} ended ${done.status}, not succeeded`);
    this.customers.set(plain, { redacted: true });
    this.customers.set(paying, { redacted: true });
    const targets = [
      { id: plain, kind: 'customer', role: 'customer_without_payments' },
      { id: paid.value.chargeId, kind: 'charge', role: 'young_charge' },
    ] as const;
    // One after the other, in this order, each time: a reader of the request log can tell the reads apart.
    const readAll = async () => {
      const reads = [];
      for (const t of targets) reads.push(await this.probe.readRedaction(t.id, t.kind));
      return reads;
    };
    const first = await readAll();
    const startedAt = Date.now();
    await this.sleep(this.settleWaitMs);
    const waitedMs = Date.now() - startedAt;
    const later = await readAll();
    this.observations.redactionReads = {
      jobId: job.id,
      waitedMs,
      reads: targets.map((t, i) => ({ ...t, first: first[i]!, later: later[i]! })),
    };
  }

  /** A customer with a blocker `fix` clears and one it cannot: which does a failed `fix` job list? */
  async #fixListing(): Promise<void> {
    const customer = await this.customer('disputed');
    const disputed = await this.probe.createDisputedPayment(customer, this.runId, 'disputed-pi');
    if (!disputed.ok || disputed.value.chargeId === null) {
      const why = disputed.ok ? 'it made no charge' : disputed.refusal.message;
      this.observations.fixListing = { kind: 'not_probed', reason: `a payment with pm_card_createDispute could not be made: ${why}` };
      return;
    }
    const chargeId = disputed.value.chargeId;
    // Stripe opens the test card's dispute shortly after the charge, not with it.
    let isDisputed = await this.probe.isChargeDisputed(chargeId);
    for (let waitedMs = 0; !isDisputed && waitedMs < 30_000; waitedMs += this.pollIntervalMs) {
      await this.sleep(this.pollIntervalMs);
      isDisputed = await this.probe.isChargeDisputed(chargeId);
    }
    if (!isDisputed) {
      this.observations.fixListing = { kind: 'not_probed', reason: `charge ${chargeId} of pm_card_createDispute had no dispute after 30 s` };
      return;
    }
    const pi = await this.probe.createOpenPaymentIntent(customer, this.runId, 'disputed-open-pi');
    const job = await this.createJob([customer], 'fix', 'job-disputed');
    if (!job) throw new Error('the fix job of a customer with a disputed charge was refused at create');
    const done = await this.settle(job.id);
    const errors = await this.probe.listValidationErrors(job.id);
    this.observations.fixListing = { kind: 'probed', jobId: job.id, fixableId: pi.id, unfixableId: chargeId, finalStatus: done.status, errors };
  }
}
