/**
 * The redaction job calls both adapters make — the run's gateway and the selftest's probe — each
 * under its label and request class, through the adapter's own `send`. They answer Stripe's shapes:
 * each adapter maps them into its own views.
 */
import type Stripe from 'stripe';
import type { ValidationBehavior } from '../domain/job.js';
import type { SendRequest } from './gateway.js';
import { cursor, everyPage, PAGE_LIMIT } from './stripe-paging.js';

type Job = Stripe.Privacy.RedactionJob;

export interface RedactionJobCalls {
  create(objects: Stripe.Privacy.RedactionJobCreateParams.Objects, validationBehavior: ValidationBehavior, idempotencyKey: string): Promise<Job>;
  /** `GET /v1/privacy/redaction_jobs/:id`, with `expand[]` when any is asked. */
  retrieve(id: string, expand?: string[]): Promise<Job>;
  /** A page of jobs, with their first validation errors expanded when `expandErrors`. */
  list(limit: number, startingAfter: string | undefined, expandErrors: boolean): Promise<Stripe.ApiList<Job>>;
  /** A page of jobs with their objects expanded (counted apart, as `redaction_jobs.list_with_objects`). */
  listWithObjects(limit: number, startingAfter: string | undefined): Promise<Stripe.ApiList<Job>>;
  /** Every validation error of a job, one budgeted request a page. */
  listValidationErrors(id: string): Promise<Stripe.Privacy.RedactionJobValidationError[]>;
  update(id: string, validationBehavior: ValidationBehavior, idempotencyKey: string): Promise<Job>;
  validate(id: string, idempotencyKey: string): Promise<Job>;
  run(id: string, idempotencyKey: string): Promise<Job>;
  cancel(id: string, idempotencyKey: string): Promise<Job>;
}

export function redactionJobCalls(stripe: Stripe, send: SendRequest): RedactionJobCalls {
  const jobs = stripe.privacy.redactionJobs;
  return {
    create: (objects, validationBehavior, idempotencyKey) =>
      send('write', 'redaction_jobs.create', () => jobs.create({ objects, validation_behavior: validationBehavior }, { idempotencyKey })),
    retrieve: (id, expand = []) => send('read', 'redaction_jobs.retrieve', () => jobs.retrieve(id, expand.length > 0 ? { expand } : {})),
    list: (limit, startingAfter, expandErrors) =>
      send('read', 'redaction_jobs.list', () =>
        jobs.list({ limit, ...(expandErrors ? { expand: ['data.validation_errors'] } : {}), ...cursor(startingAfter) }),
      ),
    listWithObjects: (limit, startingAfter) =>
      send('read', 'redaction_jobs.list_with_objects', () => jobs.list({ limit, expand: ['data.objects'], ...cursor(startingAfter) })),
    listValidationErrors: (id) =>
      everyPage((startingAfter) =>
        send('read', 'redaction_jobs.validation_errors', () => jobs.listValidationErrors(id, { limit: PAGE_LIMIT, ...cursor(startingAfter) })),
      ),
    update: (id, validationBehavior, idempotencyKey) =>
      send('write', 'redaction_jobs.update', () => jobs.update(id, { validation_behavior: validationBehavior }, { idempotencyKey })),
    validate: (id, idempotencyKey) => send('write', 'redaction_jobs.validate', () => jobs.validate(id, {}, { idempotencyKey })),
    run: (id, idempotencyKey) => send('write', 'redaction_jobs.run', () => jobs.run(id, {}, { idempotencyKey })),
    cancel: (id, idempotencyKey) => send('write', 'redaction_jobs.cancel', () => jobs.cancel(id, {}, { idempotencyKey })),
  };
}
