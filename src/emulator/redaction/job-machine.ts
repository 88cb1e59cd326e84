import { ApiError } from '../api-error.js';
import type { EmulatorVariants } from '../options.js';
import type { EmulatorSettings } from '../route.js';
import type { EmulatorStore } from '../store.js';
import { applyFix, redactObjects } from './apply-redaction.js';
import { recordEvent } from './events.js';
import { REDACTION_JOBS, presentJob, type RedactionJobStatus, type StoredRedactionJob } from './job-object.js';
import { cascadeOf, readObjectGraph, type GraphNode, type ObjectGraph } from './object-graph.js';
import { isMerelyDeletedCustomer, isRootPresent } from './root-presence.js';
import { settleRedactions } from './redaction-status.js';
import { isFixable, validateJob, type LockHolder, type ObjectRef } from './validate-job.js';

/**
 * The redaction job status machine (docs/stripe.md#redaction-jobs):
 * `created → validating → ready | failed`; `failed --validate--> validating`;
 * `ready --run--> redacting → succeeded`; `ready | failed --cancel--> canceling → canceled`.
 *
 * Timed statuses end by themselves: each start stamps `_phaseStartedAtMs` and arms an unref'd timer, and every
 * redaction route also settles due jobs first, so a stalled timer never leaves a job stale.
 */

/** A client-requested transition and the statuses it may start from. */
export type JobAction = 'validate' | 'run' | 'cancel' | 'update';

const ALLOWED_FROM: Record<JobAction, readonly RedactionJobStatus[]> = {
  validate: ['failed'],
  run: ['ready'],
  cancel: ['ready', 'failed'],
  // Stripe: a job can be updated "without running or canceling" it; once it redacts or ends, it is fixed.
  update: ['created', 'validating', 'ready', 'failed'],
};

/** Jobs in these statuses no longer hold their objects. */
export const TERMINAL_STATUSES: readonly RedactionJobStatus[] = ['succeeded', 'canceled'];

/** How long `canceling` lasts by default: "shortly", and never longer than a validation. */
const DEFAULT_MAX_CANCELING_MS = 50;

/**
 * An `invalid_request_error` unless `action` is legal from the job's current status; the message
 * names the status. Stripe documents neither its code nor its status: `coded` adds
 * `status_transition_invalid`, `plain` none; `status` is 409 or 400 (docs/stripe.md#emulator-variants).
 */
export function assertTransition(
  job: StoredRedactionJob,
  action: JobAction,
  style: EmulatorVariants['transitionErrors'],
  status: EmulatorVariants['refusalStatus'] = '400',
): void {
  if (ALLOWED_FROM[action].includes(job.status)) return;
  throw new ApiError(
    Number(status),
    'invalid_request_error',
    style === 'coded' ? 'status_transition_invalid' : undefined,
    `You cannot ${action} redaction job ${job.id} because its status is ${job.status}; ${action} is allowed only from ${ALLOWED_FROM[action].join(' or ')}.`,
  );
}

/** How long a timed status lasts under the current settings; `null` for the others. */
function phaseDurationMs(settings: EmulatorSettings, status: RedactionJobStatus): number | null {
  switch (status) {
    case 'validating':
      return settings.validationMs;
    case 'redacting':
      return settings.redactionMs;
    case 'canceling':
      return settings.cancelingMs ?? Math.min(settings.validationMs, DEFAULT_MAX_CANCELING_MS);
    default:
      return null;
  }
}

/** When the job's timed status ends, or `null` when it is in no timed status. */
function dueAtMs(settings: EmulatorSettings, job: StoredRedactionJob): number | null {
  const duration = phaseDurationMs(settings, job.status);
  return job._phaseStartedAtMs === null || duration === null ? null : job._phaseStartedAtMs + duration;
}

function enter(store: EmulatorStore, settings: EmulatorSettings, job: StoredRedactionJob, status: RedactionJobStatus): void {
  job.status = status;
  const startedAtMs = store.clockMs();
  job._phaseStartedAtMs = startedAtMs;
  arm(store, settings, job, startedAtMs);
}

/**
 * A timer for the end of the job's current phase. If the settings were lengthened meanwhile, the
 * timer finds the phase not yet due and arms itself again; unref'd so that a pending job never keeps
 * a finished test or CLI process alive.
 */
function arm(store: EmulatorStore, settings: EmulatorSettings, job: StoredRedactionJob, startedAtMs: number): void {
  const delay = Math.max(0, (dueAtMs(settings, job) ?? store.clockMs()) - store.clockMs());
  setTimeout(() => {
    settleDueJobs(store, settings);
    if (job._phaseStartedAtMs === startedAtMs) arm(store, settings, job, startedAtMs);
  }, delay).unref();
}

/** Starts a validation attempt; the attempt's errors replace the previous one's when it ends. */
export function startValidation(store: EmulatorStore, settings: EmulatorSettings, job: StoredRedactionJob): void {
  job._errors = [];
  enter(store, settings, job, 'validating');
}

export function startRedaction(store: EmulatorStore, settings: EmulatorSettings, job: StoredRedactionJob): void {
  enter(store, settings, job, 'redacting');
}

export function startCancel(store: EmulatorStore, settings: EmulatorSettings, job: StoredRedactionJob): void {
  enter(store, settings, job, 'canceling');
}

/**
 * Ends every timed status whose time has passed, oldest job first: an older job's outcome (a
 * lock released, objects redacted) is what a younger one's validation must see.
 */
export function settleDueJobs(store: EmulatorStore, settings: EmulatorSettings): void {
  // A validation must see what the objects read now (a root that reads redacted is gone).
  settleRedactions(store, settings);
  const now = store.clockMs();
  for (const job of store.collection<StoredRedactionJob>(REDACTION_JOBS).all()) {
    const due = dueAtMs(settings, job);
    if (due === null || due > now) continue;
    job._phaseStartedAtMs = null;
    if (job.status === 'validating') finishValidation(store, settings, job);
    else if (job.status === 'redacting') finishRedaction(store, settings, job);
    else finish(store, job, 'canceled', 'privacy.redaction_job.canceled');
  }
}

function finish(
  store: EmulatorStore,
  job: StoredRedactionJob,
  status: RedactionJobStatus,
  event: Parameters<typeof recordEvent>[1],
): void {
  job.status = status;
  recordEvent(store, event, presentJob(job), job.livemode);
}

function rootRefs(job: StoredRedactionJob): ObjectRef[] {
  return job._roots.map((r) => ({ id: r.id, object_type: r.objectType }));
}

function cascadeIds(graph: ObjectGraph, job: StoredRedactionJob): Set<string> {
  return new Set(rootRefs(job).flatMap((root) => cascadeOf(graph, root.id, root.object_type).map((n) => n.id)));
}

/**
 * Objects (cascades included) that live jobs of `livemode` hold now: what a new job naming any of
 * them is refused at create for, under `lockRefusal: 'create'`.
 */
export function heldObjectIds(store: EmulatorStore, livemode: boolean): Set<string> {
  const graph = readObjectGraph(store, livemode);
  const held = new Set<string>();
  for (const job of store.collection<StoredRedactionJob>(REDACTION_JOBS).all()) {
    if (job.livemode !== livemode || TERMINAL_STATUSES.includes(job.status)) continue;
    for (const id of cascadeIds(graph, job)) held.add(id);
  }
  return held;
}

/** The objects (cascades included) a job naming `roots` would cover. */
export function cascadeOfRoots(store: EmulatorStore, livemode: boolean, roots: readonly { id: string; objectType: string }[]): Set<string> {
  const graph = readObjectGraph(store, livemode);
  return new Set(roots.flatMap((root) => cascadeOf(graph, root.id, root.objectType).map((n) => n.id)));
}

/** Older jobs of the same mode that still hold their objects. */
function lockHoldersFor(store: EmulatorStore, graph: ObjectGraph, job: StoredRedactionJob): LockHolder[] {
  const holders: LockHolder[] = [];
  for (const other of store.collection<StoredRedactionJob>(REDACTION_JOBS).all()) {
    if (other.id === job.id) break; // insertion order: only jobs created before this one
    if (other.livemode !== job.livemode || TERMINAL_STATUSES.includes(other.status)) continue;
    holders.push({ jobId: other.id, status: other.status, objectIds: cascadeIds(graph, other) });
  }
  return holders;
}

/**
 * Under `unknownIds: 'accept'` a job may hold roots that are gone; validation, not create, finds them.
 * Under `refuse` create already did, and a root redacted since then is left to the cascade as before.
 */
function missingRootsOf(store: EmulatorStore, settings: EmulatorSettings, job: StoredRedactionJob): Set<string> {
  if (settings.variants.unknownIds === 'refuse') return new Set();
  return new Set(job._roots.filter((root) => !isRootPresent(store, root, job.livemode)).map((root) => root.id));
}

/** Under `deletedCustomers: 'refuse'`, the job's customers that were deleted, never redacted: each fails validation. */
function refusedDeletedCustomersOf(store: EmulatorStore, settings: EmulatorSettings, job: StoredRedactionJob): Set<string> {
  if (settings.variants.deletedCustomers !== 'refuse') return new Set();
  return new Set(job._roots.filter((root) => isMerelyDeletedCustomer(store, root, job.livemode)).map((root) => root.id));
}

function finishValidation(store: EmulatorStore, settings: EmulatorSettings, job: StoredRedactionJob): void {
  const graph = readObjectGraph(store, job.livemode);
  const findings = validateJob({
    roots: rootRefs(job),
    graph,
    lockHolders: lockHoldersFor(store, graph, job),
    maxJobObjects: settings.maxJobObjects,
    missingRoots: missingRootsOf(store, settings, job),
    deletedCustomers: refusedDeletedCustomersOf(store, settings, job),
    lockErrors: settings.variants.lockErrors,
  });
  // In `fix` mode fixable errors do not fail the job; when they are all there is, they stay listed
  // (they say what the run will change).
  const ready = findings.length === 0 || (job.validation_behavior === 'fix' && isFixable(findings));
  // A `fix` job failing for what `fix` cannot clear lists the fixable ones too (`keep`) or not (`drop`).
  const listed =
    !ready && job.validation_behavior === 'fix' && settings.variants.fixListing === 'drop' ? findings.filter((f) => f.fix === null) : findings;
  job._errors = listed.map((f) => ({
    id: store.newId('prjve'),
    object: 'privacy.redaction_job_validation_error',
    code: f.code,
    message: f.message,
    erroring_object: f.erroringObject,
  }));
  if (ready) finish(store, job, 'ready', 'privacy.redaction_job.ready');
  else finish(store, job, 'failed', 'privacy.redaction_job.validation_error');
}

/**
 * Applies the fixes (in `fix` mode) against the objects as they are now — a client may have fixed
 * some itself since validation — and then redacts the whole cascade.
 */
function finishRedaction(store: EmulatorStore, settings: EmulatorSettings, job: StoredRedactionJob): void {
  const graph = readObjectGraph(store, job.livemode);
  if (job.validation_behavior === 'fix') {
    const findings = validateJob({ roots: rootRefs(job), graph, lockHolders: [], maxJobObjects: Number.POSITIVE_INFINITY, lockErrors: 'plain' });
    for (const f of findings) if (f.fix !== null && f.erroringObject) applyFix(store, f.erroringObject.id, f.fix);
  }
  // One cascade per root, the root first: a customer reads the least advanced status of its own.
  const cascades: GraphNode[][] = rootRefs(job).map((root) => cascadeOf(graph, root.id, root.object_type).filter((node) => graph.get(node.id) !== undefined));
  redactObjects(store, settings, cascades);
  finish(store, job, 'succeeded', 'privacy.redaction_job.succeeded');
}
