import { adviseNeedsAction, describeFix, type Blocker } from './blocker.js';
import type { Classified } from './identifier.js';
import { isObjectDone, type ObjectStatus } from './object-status.js';
import { wordReason, type Reason } from './reason.js';
import type { RowStatus, RunMode } from './row-status.js';

/** What the state knows of one object a row resolved to. */
export interface ObjectOutcome {
  id: string;
  status: ObjectStatus;
  /** The Stripe job that carries the object now or settled it (null when none does: canceled, or never sent). */
  jobId: string | null;
  /** Stripe job ids that carried the object, oldest first, `jobId` included. */
  jobIds: string[];
  /** Codes of API errors no retry resolved. */
  errorCodes: string[];
  /** Why it stands where it does; worded by {@link decideRowOutcome}. */
  reasons: Reason[];
  /** What blocks it, as the last validation listed it. */
  blockers: Blocker[];
  /** What a validation with fix cleared for it. */
  fixes: Blocker[];
  /** ISO-8601. */
  updatedAt: string;
}
/** What the state knows of one distinct identifier. */
export interface IdentifierOutcome {
  /** False while no lookup answered for it (e.g. the run ended first). */
  resolved: boolean;
  objects: ObjectOutcome[];
  /** Reasons about the identifier itself (e.g. how it was looked up). */
  reasons: Reason[];
  updatedAt: string;
}

/** A row of the result CSV, as far as the state decides it (design.md "Result CSV", version 2). */
export interface RowOutcome {
  status: RowStatus;
  /** The Stripe objects the row stands for that exist. */
  objectIds: string[];
  /** The jobs that redacted the row or carry it now: one, or one per customer when an email's customers went different ways. */
  jobIds: string[];
  /** Jobs that carried the row before and no longer do (canceled, split, validate-only), oldest first. */
  earlierJobIds: string[];
  /** What still blocks the row; empty once it is settled. */
  blockingCodes: string[];
  /** What Stripe's fix changed (redacted) or would change. */
  fixes: string[];
  messages: string[];
  /** Flags the operator adds to the run command to act on the advice (`--validation-behavior fix`), each once, apart from the words. */
  commands: string[];
  updatedAt: string;
}

/** What a row says before any lookup answered for its identifier. */
const NOT_LOOKED_UP: Reason = { code: 'not_looked_up' };
/** What a row found nowhere says when its lookup left no reason (states written before lookups said how). */
const NO_CUSTOMER: Reason = { code: 'no_customer' };

const EMPTY = { objectIds: [], jobIds: [], earlierJobIds: [], blockingCodes: [], fixes: [], commands: [] } satisfies Partial<RowOutcome>;

/** How much a status holds a row back: the row takes the status of its least finished object. */
const WEIGHT: Record<RowStatus, number> = {
  failed: 8,
  needs_action: 7,
  pending: 6,
  ready: 5,
  planned: 4,
  redacted: 3,
  already_redacted: 2,
  not_found: 1,
  invalid: 0,
  skipped: 0,
};

function objectRowStatus(status: ObjectStatus, mode: RunMode): RowStatus {
  switch (status) {
    case 'redacted':
    case 'already_redacted':
    case 'not_found':
    case 'needs_action':
    case 'failed':
      return status;
    case 'ready':
      return mode === 'validate' ? 'ready' : mode === 'plan' ? 'planned' : 'pending';
    case 'queued':
      return mode === 'plan' ? 'planned' : 'pending';
    case 'in_job':
    case 'deferred':
      return 'pending';
  }
}

/**
 * The report row of one input row: a pure function of its classification, the run's mode and
 * what the state holds for its identifier. Rows repeating an identifier share its fate.
 */
export function decideRowOutcome(
  classified: Classified,
  mode: RunMode,
  identifier: IdentifierOutcome | undefined,
  fallbackTime: string,
): RowOutcome {
  if (classified.kind === 'invalid') {
    return { status: 'invalid', ...EMPTY, messages: [classified.reason], updatedAt: fallbackTime };
  }
  if (!identifier || !identifier.resolved) {
    return {
      status: 'pending',
      ...EMPTY,
      messages: [...(identifier?.reasons ?? []), NOT_LOOKED_UP].map(wordReason),
      updatedAt: identifier?.updatedAt ?? fallbackTime,
    };
  }
  if (identifier.objects.length === 0) {
    return {
      status: 'not_found',
      ...EMPTY,
      messages: (identifier.reasons.length > 0 ? identifier.reasons : [NO_CUSTOMER]).map(wordReason),
      updatedAt: identifier.updatedAt,
    };
  }
  let status: RowStatus = 'not_found';
  const allJobs: string[] = [];
  const current = new Set<string>();
  const blockingCodes = new Set<string>();
  const fixes: string[] = [];
  const messages: string[] = identifier.reasons.map(wordReason);
  const commands: string[] = [];
  let updatedAt = identifier.updatedAt;
  const several = identifier.objects.length > 1;
  // With several customers behind one email, say which customer each message is about.
  const about = (object: ObjectOutcome, message: string) => (several ? `${object.id}: ${message}` : message);
  for (const object of identifier.objects) {
    const objectStatus = objectRowStatus(object.status, mode);
    if (WEIGHT[objectStatus] > WEIGHT[status]) status = objectStatus;
    for (const id of object.jobIds) if (!allJobs.includes(id)) allJobs.push(id);
    if (object.jobId) current.add(object.jobId);
    if (!isObjectDone(object.status)) {
      for (const blocker of object.blockers) blockingCodes.add(blocker.code);
      for (const code of object.errorCodes) blockingCodes.add(code);
    }
    const tense = object.status === 'redacted' ? 'did' : 'would';
    for (const fix of object.fixes) fixes.push(describeFix(fix, tense));
    for (const reason of object.reasons) messages.push(about(object, wordReason(reason)));
    if (object.status === 'needs_action') {
      for (const blocker of object.blockers) {
        const advice = adviseNeedsAction(blocker);
        messages.push(about(object, advice.words));
        if (advice.command !== undefined && !commands.includes(advice.command)) commands.push(advice.command);
      }
    }
    if (object.updatedAt > updatedAt) updatedAt = object.updatedAt;
  }
  // A pending row always says why: a person reading the report must not guess whether it is stuck.
  if (status === 'pending' && messages.length === 0) {
    messages.push(
      current.size > 0
        ? `job ${[...current].join(' ')} was still in progress when the run ended; the next run follows it`
        : 'not yet in a job when the run ended; the next run continues it',
    );
  }
  return {
    status,
    objectIds: identifier.objects.filter((o) => o.status !== 'not_found').map((o) => o.id),
    jobIds: [...current],
    earlierJobIds: allJobs.filter((id) => !current.has(id)),
    blockingCodes: [...blockingCodes],
    fixes,
    messages,
    commands,
    updatedAt,
  };
}
