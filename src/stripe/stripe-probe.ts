/**
 * The selftest's adapter of its probe port (src/selftest/probe.ts): the only Stripe file that
 * knows that port.
 */
import type Stripe from 'stripe';
import { GatewayError } from '../errors.js';
import type { ProbeAnswer, ProbeJob, ProbeValidationError, StripeProbe } from '../selftest/probe.js';
import { newStripeClient, type StripeGatewayOptions } from './stripe-client.js';
import { sendGuarded } from './stripe-errors.js';
import { redactionJobCalls } from './redaction-job-calls.js';
import { retrieveAny } from './stripe-objects.js';

/**
 * The adapter of `selftest`'s probe port (src/selftest/probe.ts): Stripe's answers kept raw, a
 * refusal (a 4xx other than 401, 403 and 429) returned as data, every request through `options.send`
 * like a run's. Creates carry keys made from the selftest's run id and step, so a retried create is
 * replayed, not repeated.
 */
export function createStripeProbe(options: StripeGatewayOptions): StripeProbe {
  // Notices are findings of the selftest: kept here (and passed on), never a process warning.
  const notices = new Set<string>();
  const stripe = newStripeClient({
    ...options,
    onNotice: (notice) => {
      notices.add(notice);
      options.onNotice?.(notice);
    },
  });
  const send = sendGuarded(options);
  const jobs = redactionJobCalls(stripe, send);
  const key = (runId: string, step: string) => `stripe-redact-selftest-${runId}-${step}`;
  const metadata = (runId: string) => ({ stripe_redact_selftest: runId });
  /** A PaymentIntent confirmed on the server with a test card (`pm_card_visa`, `pm_card_createDispute`), and its charge. */
  const confirmedPayment = (paymentMethod: string, customerId: string, runId: string, step: string) =>
    answer(
      send('write', 'payment_intents.create', () =>
        stripe.paymentIntents.create(
          {
            amount: 1000,
            currency: 'usd',
            customer: customerId,
            payment_method: paymentMethod,
            // Confirmed on the server: no redirect-based method may be offered (Stripe would ask for a return_url).
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            confirm: true,
            metadata: metadata(runId),
          },
          { idempotencyKey: key(runId, step) },
        ),
      ).then((pi) => ({ id: pi.id, chargeId: typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null) })),
    );

  return {
    async retrieveAccount() {
      const account = await send('read', 'account.retrieve', () => stripe.accounts.retrieveCurrent());
      return { id: account.id };
    },
    async createCustomer(runId, step) {
      const customer = await send('write', 'customers.create', () =>
        stripe.customers.create({ name: `stripe-redact selftest ${step}`, metadata: metadata(runId) }, { idempotencyKey: key(runId, step) }),
      );
      return { id: customer.id };
    },
    async deleteCustomer(id) {
      try {
        await send('write', 'customers.delete', () => stripe.customers.del(id));
        return true;
      } catch (error) {
        if (error instanceof GatewayError && error.kind === 'not_found') return false;
        throw error;
      }
    },
    async createOpenPaymentIntent(customerId, runId, step) {
      const pi = await send('write', 'payment_intents.create', () =>
        stripe.paymentIntents.create(
          { amount: 1000, currency: 'usd', customer: customerId, metadata: metadata(runId) },
          { idempotencyKey: key(runId, step) },
        ),
      );
      return { id: pi.id, status: pi.status };
    },
    createDisputedPayment: (customerId, runId, step) => confirmedPayment('pm_card_createDispute', customerId, runId, step),
    createPaidPayment: (customerId, runId, step) => confirmedPayment('pm_card_visa', customerId, runId, step),
    async readRedaction(id, kind) {
      const object = (await send('read', `${kind}.retrieve`, () => retrieveAny(stripe, id, kind))) as { deleted?: unknown; redaction?: { status?: unknown } | null };
      const status = !('redaction' in object) ? undefined : object.redaction === null ? null : String(object.redaction?.status);
      return { deleted: object.deleted === true, status };
    },
    noticesSeen: () => [...notices],
    async isChargeDisputed(chargeId) {
      const charge = await send('read', 'charges.retrieve', () => stripe.charges.retrieve(chargeId));
      return charge.disputed === true;
    },
    async paymentIntentStatus(id) {
      return (await send('read', 'payment_intents.retrieve', () => stripe.paymentIntents.retrieve(id))).status;
    },
    createJob(customerIds, validationBehavior, idempotencyKey) {
      return answer(jobs.create({ customers: customerIds }, validationBehavior, idempotencyKey).then(toProbeJob));
    },
    retrieveJob(id, expand = []) {
      return answer(jobs.retrieve(id, expand).then(toProbeJob));
    },
    async listValidationErrors(id) {
      return (await jobs.listValidationErrors(id)).map(toProbeValidationError);
    },
    updateJob(id, validationBehavior, idempotencyKey) {
      return answer(jobs.update(id, validationBehavior, idempotencyKey).then(toProbeJob));
    },
    validateJob(id, idempotencyKey) {
      return answer(jobs.validate(id, idempotencyKey).then(toProbeJob));
    },
    runJob(id, idempotencyKey) {
      return answer(jobs.run(id, idempotencyKey).then(toProbeJob));
    },
    cancelJob(id, idempotencyKey) {
      return answer(jobs.cancel(id, idempotencyKey).then(toProbeJob));
    },
  };
}

/** A request's value, or Stripe's refusal of it as data; what stops the selftest (auth, network) still throws. */
async function answer<T>(request: Promise<T>): Promise<ProbeAnswer<T>> {
  try {
    return { ok: true, value: await request };
  } catch (error) {
    const refused =
      error instanceof GatewayError &&
      error.kind !== 'unavailable' &&
      error.status !== undefined &&
      error.status >= 400 &&
      error.status < 500 &&
      ![401, 403, 429].includes(error.status);
    if (!refused) throw error;
    return {
      ok: false,
      refusal: {
        status: error.status,
        message: error.message,
        ...(error.stripeCode ? { code: error.stripeCode } : {}),
        ...(error.param ? { param: error.param } : {}),
      },
    };
  }
}

function toProbeJob(job: Stripe.Privacy.RedactionJob): ProbeJob {
  const view: ProbeJob = { id: job.id, status: String(job.status), validationBehavior: String(job.validation_behavior), livemode: job.livemode };
  if (job.objects) {
    const objects = job.objects as unknown as Record<string, string[] | null | undefined>;
    view.objectIds = Object.values(objects).flatMap((ids) => ids ?? []);
  }
  const embedded = job.validation_errors;
  if (embedded && Array.isArray(embedded.data)) view.validationErrors = embedded.data.map(toProbeValidationError);
  return view;
}

function toProbeValidationError(error: Stripe.Privacy.RedactionJobValidationError): ProbeValidationError {
  const raw = error as unknown as Record<string, unknown>;
  const erroring = raw.erroring_object as { id?: unknown; object_type?: unknown } | null | undefined;
  let erroringObject: ProbeValidationError['erroringObject'];
  if (!('erroring_object' in raw)) erroringObject = undefined;
  else if (erroring === null || erroring === undefined) erroringObject = null;
  else erroringObject = { id: String(erroring.id), objectType: String(erroring.object_type) };
  return { id: error.id, code: String(error.code), message: String(error.message), erroringObject };
}
