/** Redaction job statuses, as Stripe names them (https://docs.stripe.com/api/privacy/redaction-job). */
export const JOB_STATUSES = [
  'created',
  'validating',
  'ready',
  'failed',
  'redacting',
  'succeeded',
  'canceling',
  'canceled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type ValidationBehavior = 'error' | 'fix';

/** The `objects` hash of a redaction job: at most {@link MAX_JOB_IDENTIFIERS} ids in all. */
export type JobObjects = Partial<Record<import('./identifier.js').JobObjectKey, string[]>>;

/** Stripe's documented cap on identifiers per job (https://docs.stripe.com/privacy/redaction). */
export const MAX_JOB_IDENTIFIERS = 10;

/** The project's view of a redaction job; the gateway maps Stripe's shape into it. */
export interface RedactionJobView {
  id: string;
  status: JobStatus;
  validationBehavior: ValidationBehavior;
  /** Unix seconds. */
  created: number;
  livemode: boolean;
  /**
   * The first validation errors of the current attempt, when the response carried them
   * (`expand[]=validation_errors`); `complete` when there are no more to page through.
   */
  firstValidationErrors?: { errors: JobValidationError[]; complete: boolean };
}

/** One validation error of a job's current attempt. */
export interface JobValidationError {
  id: string;
  code: string;
  message: string;
  erroringObject: { id: string; objectType: string } | null;
}

/** Statuses after which a job never changes again. */
export const TERMINAL_JOB_STATUSES = ['succeeded', 'canceled'] as const satisfies readonly JobStatus[];

export function isTerminalJobStatus(status: JobStatus): boolean {
  return (TERMINAL_JOB_STATUSES as readonly JobStatus[]).includes(status);
}

/** Statuses the job leaves by itself (Stripe is working); a client only waits. */
export function isTransientJobStatus(status: JobStatus): boolean {
  return status === 'created' || status === 'validating' || status === 'redacting' || status === 'canceling';
}

export function isJobStatus(value: string): value is JobStatus {
  return (JOB_STATUSES as readonly string[]).includes(value);
}
