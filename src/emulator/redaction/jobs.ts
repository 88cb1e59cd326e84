import { ApiError } from '../api-error.js';
import type { RequestContext, Route } from '../route.js';
import { paginate } from '../resources/list-helpers.js';
import { expandParam, optionalEnum } from '../resources/params.js';
import { findRecord, listRecords } from '../resources/records.js';
import { REDACTION_JOBS, REDACTION_JOB_STATUSES, presentJob, validationErrorsUrl, type StoredRedactionJob } from './job-object.js';
import { assertTransition, cascadeOfRoots, heldObjectIds, settleDueJobs, startCancel, startRedaction, startValidation, type JobAction } from './job-machine.js';
import { recordEvent } from './events.js';
import { parseRootObjects, type RootRef } from './root-objects.js';
import { isRootPresent } from './root-presence.js';
import { PLAIN_LOCK_MESSAGE } from './validate-job.js';

/**
 * Routes of `stripe.privacy.redactionJobs` (docs/stripe.md#redaction-jobs).
 *
 * Choices where Stripe documents nothing — clients must not depend on them. The variants of
 * docs/stripe.md#emulator-variants (`settings.variants`) pick between plausible behaviours; besides those:
 * - under `unknownIds: 'accept'`, a missing, deleted or redacted root fails validation with
 *   `invalid_state` and `erroring_object` naming it; `refuse` answers 400 `resource_missing` at create;
 * - an object reached from two roots is reported once: errors name objects, never the root they came from;
 * - in `fix` mode a job whose errors are all fixable validates to `ready` and still lists those
 *   errors (they say what the run will change); the fixes apply at the end of `redacting`;
 * - `locked_by_other_job` goes to the younger job: the oldest live job holds an object;
 * - `too_many_objects` counts a root's cascade, root included, against `settings.maxJobObjects`.
 */

const BEHAVIORS = ['error', 'fix'] as const;
const BASE = '/v1/privacy/redaction_jobs';

/**
 * `expand[]` paths, checked as Stripe does; on lists each path starts with `data.`. Under
 * `expandValidationErrors: 'no'` only `objects` can be expanded, as on an account without the field.
 */
function expansions(ctx: RequestContext, paths: string[], prefix: '' | 'data.'): string[] {
  const expandable = ctx.settings.variants.expandValidationErrors === 'yes' ? ['objects', 'validation_errors'] : ['objects'];
  return paths.map((path) => {
    const field = path.startsWith(prefix) ? path.slice(prefix.length) : '';
    if (!expandable.includes(field)) {
      throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `This property cannot be expanded (${path}).`, 'expand');
    }
    return field;
  });
}

/** Every handler first ends the timed statuses that are due, so no read sees a stale job. */
function settled<T>(handler: (ctx: RequestContext) => T): (ctx: RequestContext) => T {
  return (ctx) => {
    settleDueJobs(ctx.store, ctx.settings);
    return handler(ctx);
  };
}

function loadJob(ctx: RequestContext): StoredRedactionJob {
  return findRecord<StoredRedactionJob>(ctx, REDACTION_JOBS, ctx.params.id!, 'privacy.redaction_job');
}

/** Under `unknownIds: 'refuse'`, a root must exist in the caller's mode and not be deleted or redacted already. */
function assertRootExists(ctx: RequestContext, root: RootRef): void {
  if (!isRootPresent(ctx.store, root, ctx.livemode)) {
    throw new ApiError(400, 'invalid_request_error', 'resource_missing', `No such ${root.objectType}: '${root.id}'`, `objects[${root.key}][${root.index}]`);
  }
}

/**
 * Under `lockRefusal: 'create'`, a job whose objects (cascades included) meet a live job's is
 * refused: 400 with Stripe's plain text, no `code`, no `param` — nothing says which object.
 */
function assertNoneHeld(ctx: RequestContext, roots: readonly RootRef[]): void {
  const held = heldObjectIds(ctx.store, ctx.livemode);
  if (held.size === 0) return;
  for (const id of cascadeOfRoots(ctx.store, ctx.livemode, roots)) {
    if (held.has(id)) throw new ApiError(400, 'invalid_request_error', undefined, CREATE_LOCK_MESSAGE);
  }
}

/** What a create refused for a held object says: Stripe's documented lock text, naming nothing. */
const CREATE_LOCK_MESSAGE = `${PLAIN_LOCK_MESSAGE} A redaction job cannot include an object that another active job holds.`;

function create(ctx: RequestContext): unknown {
  const roots = parseRootObjects(ctx.body);
  const behavior = optionalEnum(ctx.body, 'validation_behavior', BEHAVIORS) ?? 'error';
  const expand = expansions(ctx, expandParam(ctx.body), '');
  if (ctx.settings.variants.unknownIds === 'refuse') for (const root of roots) assertRootExists(ctx, root);
  if (ctx.settings.variants.lockRefusal === 'create') assertNoneHeld(ctx, roots);
  const job = ctx.store.collection<StoredRedactionJob>(REDACTION_JOBS).insert({
    id: ctx.store.newId('prj'),
    object: 'privacy.redaction_job',
    created: ctx.store.nowSeconds(),
    livemode: ctx.livemode,
    status: 'created',
    validation_behavior: behavior,
    _roots: roots,
    _errors: [],
    _phaseStartedAtMs: null,
  });
  recordEvent(ctx.store, 'privacy.redaction_job.created', presentJob(job), job.livemode);
  // "When a job is created, it will start to validate" — at once.
  startValidation(ctx.store, ctx.settings, job);
  return presentJob(job, expand);
}

function retrieve(ctx: RequestContext): unknown {
  return presentJob(loadJob(ctx), expansions(ctx, expandParam(ctx.query), ''));
}

function update(ctx: RequestContext): unknown {
  const job = loadJob(ctx);
  const expand = expansions(ctx, expandParam(ctx.body), '');
  assertTransition(job, 'update', ctx.settings.variants.transitionErrors, ctx.settings.variants.refusalStatus);
  // A failed job does not re-validate by itself: the client calls validate when it has changed everything.
  job.validation_behavior = optionalEnum(ctx.body, 'validation_behavior', BEHAVIORS) ?? job.validation_behavior;
  return presentJob(job, expand);
}

function list(ctx: RequestContext): unknown {
  const status = optionalEnum(ctx.query, 'status', REDACTION_JOB_STATUSES);
  const expand = expansions(ctx, expandParam(ctx.query), 'data.');
  const jobs = listRecords<StoredRedactionJob>(ctx, REDACTION_JOBS, (job) => status === undefined || job.status === status);
  const page = paginate(jobs, ctx.query, BASE);
  return { ...page, data: page.data.map((job) => presentJob(job, expand)) };
}

/** validate, run and cancel: check the transition, then start the timed status it leads to. */
function transition(action: Exclude<JobAction, 'update'>): (ctx: RequestContext) => unknown {
  const start = { validate: startValidation, run: startRedaction, cancel: startCancel }[action];
  return (ctx) => {
    const job = loadJob(ctx);
    const expand = expansions(ctx, expandParam(ctx.body), '');
    assertTransition(job, action, ctx.settings.variants.transitionErrors, ctx.settings.variants.refusalStatus);
    start(ctx.store, ctx.settings, job);
    return presentJob(job, expand);
  };
}

function listValidationErrors(ctx: RequestContext): unknown {
  const job = loadJob(ctx);
  return paginate(job._errors, ctx.query, validationErrorsUrl(job.id));
}

export const redactionJobRoutes: Route[] = [
  { method: 'POST', path: BASE, kind: 'write', handler: settled(create) },
  { method: 'GET', path: BASE, kind: 'read', handler: settled(list) },
  { method: 'GET', path: `${BASE}/:id`, kind: 'read', handler: settled(retrieve) },
  { method: 'POST', path: `${BASE}/:id`, kind: 'write', handler: settled(update) },
  { method: 'POST', path: `${BASE}/:id/validate`, kind: 'write', handler: settled(transition('validate')) },
  { method: 'POST', path: `${BASE}/:id/run`, kind: 'write', handler: settled(transition('run')) },
  { method: 'POST', path: `${BASE}/:id/cancel`, kind: 'write', handler: settled(transition('cancel')) },
  { method: 'GET', path: `${BASE}/:id/validation_errors`, kind: 'read', handler: settled(listValidationErrors) },
];

