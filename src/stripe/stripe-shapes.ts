/** Stripe's objects as the domain's views: what a read states about redaction, a job, its validation errors. */
import type Stripe from 'stripe';
import type { StripeReading } from '../domain/verification.js';
import { isJobStatus, type JobValidationError, type RedactionJobView, type ValidationBehavior } from '../domain/job.js';

const KNOWN_REDACTION_STATUSES = new Set(['processing', 'validated', 'redacted']);

/** What a retrieved object states about its redaction (docs/stripe.md#emulator-variants, "Stripe's own per-object state"). */
export function toReading(object: Record<string, unknown>): StripeReading {
  const created = typeof object.created === 'number' ? object.created : null;
  if (object.deleted === true) return { stated: 'deleted', created };
  if (!('redaction' in object)) return { stated: 'no_field', created };
  const redaction = object.redaction as { status?: unknown } | null | undefined;
  if (redaction === null || redaction === undefined) return { stated: 'none', created };
  const status = String(redaction.status);
  if (KNOWN_REDACTION_STATUSES.has(status)) return { stated: status as 'processing' | 'validated' | 'redacted', created };
  return { stated: 'unknown', raw: status, created };
}

export function toJobView(job: Stripe.Privacy.RedactionJob): RedactionJobView {
  // A status this version does not know: treat the job as still working rather than guess.
  const status = isJobStatus(job.status) ? job.status : 'validating';
  const view: RedactionJobView = { id: job.id, status, validationBehavior: behaviorOf(job), created: job.created, livemode: job.livemode };
  const embedded = job.validation_errors;
  if (embedded && Array.isArray(embedded.data)) {
    view.firstValidationErrors = { errors: embedded.data.map(toValidationError), complete: !embedded.has_more };
  }
  return view;
}

function behaviorOf(job: Stripe.Privacy.RedactionJob): ValidationBehavior {
  return job.validation_behavior === 'fix' ? 'fix' : 'error';
}

export function toValidationError(error: Stripe.Privacy.RedactionJobValidationError): JobValidationError {
  const erroring = error.erroring_object as { id?: string; object_type?: string } | null | undefined;
  return {
    id: error.id,
    code: String(error.code),
    message: error.message,
    erroringObject: erroring?.id ? { id: erroring.id, objectType: String(erroring.object_type ?? 'unknown') } : null,
  };
}
