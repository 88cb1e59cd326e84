import type { StoredObject } from '../store.js';
import { presentRootObjects, type RootRef } from './root-objects.js';
import type { ObjectRef, ValidationCode } from './validate-job.js';

/** Collection of redaction jobs in the `EmulatorStore`. */
export const REDACTION_JOBS = 'redaction_jobs';

export type RedactionJobStatus = 'created' | 'validating' | 'ready' | 'failed' | 'redacting' | 'succeeded' | 'canceling' | 'canceled';

export const REDACTION_JOB_STATUSES: readonly RedactionJobStatus[] = [
  'created',
  'validating',
  'ready',
  'failed',
  'redacting',
  'succeeded',
  'canceling',
  'canceled',
];

export type ValidationBehavior = 'error' | 'fix';

/**
 * A `privacy.redaction_job_validation_error`, exactly the spec's fields: which job identifier an
 * error on a related object comes from is the client's to find out.
 */
export interface RedactionJobValidationError {
  id: string;
  object: 'privacy.redaction_job_validation_error';
  code: ValidationCode;
  message: string;
  erroring_object: ObjectRef | null;
}

/** A redaction job as stored. Fields starting with `_` never reach a response (see `presentJob`). */
export interface StoredRedactionJob extends StoredObject {
  object: 'privacy.redaction_job';
  status: RedactionJobStatus;
  validation_behavior: ValidationBehavior;
  _roots: RootRef[];
  /** The current validation attempt's errors, in the order validation found them. */
  _errors: RedactionJobValidationError[];
  /**
   * ms timestamp at which the current timed status (`validating`, `redacting`, `canceling`) began;
   * `null` in the others. Its end is computed from the live settings, so a test may shorten it.
   */
  _phaseStartedAtMs: number | null;
}

/** How many validation errors an expanded job embeds (Stripe: "the first 10"). */
const EMBEDDED_ERRORS = 10;

/** The path of the job's validation errors list. */
export function validationErrorsUrl(jobId: string): string {
  return `/v1/privacy/redaction_jobs/${jobId}/validation_errors`;
}

/**
 * The job as the API returns it. `objects` and `validation_errors` appear only when expanded: the
 * spec marks them expandable, and omitting them otherwise keeps clients honest about asking.
 */
export function presentJob(job: StoredRedactionJob, expand: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: job.id,
    object: job.object,
    created: job.created,
    livemode: job.livemode,
    status: job.status,
    validation_behavior: job.validation_behavior,
  };
  if (expand.includes('objects')) out.objects = presentRootObjects(job._roots);
  if (expand.includes('validation_errors')) {
    out.validation_errors = {
      object: 'list',
      data: job._errors.slice(0, EMBEDDED_ERRORS),
      has_more: job._errors.length > EMBEDDED_ERRORS,
      url: validationErrorsUrl(job.id),
    };
  }
  return out;
}
