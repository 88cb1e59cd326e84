import { adviseNeedsAction, describeFix, type Blocker } from './blocker.js';
import { objectTypeOfId, type Classified } from './identifier.js';
import { isObjectDone, type ObjectStatus } from './object-status.js';
import { wordReason, type Reason } from './reason.js';
import type { RowStatus, RunMode } from './row-status.js';
import { describeVerification, type StripeRecord } from './verification.js';

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
  /** What Stripe stated when the object was last read, and when; null (or absent) when never read. */
  stripe?: StripeRecord | null;
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

/** A row of the result CSV, as far as the state decides it (docs/contract.md#result-csv, version 3). */
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
  /** `redacted` rows: when Stripe was read showing every object redacted (the latest of those reads); else null. */
  verifiedAt: string | null;
}

/** What a row says before any lookup answered for its identifier. */
const NOT_LOOKED_UP: Reason = { code: 'not_looked_up' };
/** What a row found nowhere says when its lookup left no reason (states written before lookups said how). */
const NO_CUSTOMER: Reason = { code: 'no_customer' };

const EMPTY = { objectIds: [], jobIds: [], earlierJobIds: [], blockingCodes: [], fixes: [], commands: [], verifiedAt: null } satisfies Partial<RowOutcome>;

/** How much a status holds a row back: the row takes the status of its least finished object. */
const WEIGHT: Record<RowStatus, number> = {
  failed: 9,
  needs_action: 8,
  pending: 7,
  ready: 6,
  planned: 5,
  redaction_pending: 4,
  redacted: 3,
  already_redacted: 2,
  not_found: 1,
  invalid: 0,
  skipped: 0,
};

function objectRowStatus(status: ObjectStatus, mode: RunMode): RowStatus {
  switch (status) {
    case 'redacted':
    case 'redaction_pending':
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
    const tense = object.status === 'redacted' || object.status === 'redaction_pending' ? 'did' : 'would';
    for (const fix of object.fixes) fixes.push(describeFix(fix, tense));
    for (const reason of object.reasons) messages.push(about(object, wordReason(reason)));
    const proof = proofMessage(object);
    if (proof !== undefined) messages.push(proof);
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
  // A customer deleted before, redacted through its objects: one job is the row's, the rest earlier.
  const jobIds = identifier.objects.some((o) => o.reasons.some((r) => r.code === 'deleted_before')) ? [...current].slice(-1) : [...current];
  return {
    status,
    objectIds: identifier.objects.filter((o) => o.status !== 'not_found').map((o) => o.id),
    jobIds,
    earlierJobIds: allJobs.filter((id) => !jobIds.includes(id)),
    blockingCodes: [...blockingCodes],
    fixes,
    messages,
    commands,
    updatedAt,
    verifiedAt: status === 'redacted' ? latestVerification(identifier.objects) : null,
  };
}

/** What Stripe's last read says of an object a succeeded job carried: why it is held, or what its proof is. */
function proofMessage(object: ObjectOutcome): string | undefined {
  const record = object.stripe ?? null;
  // A redacted object with no read on record comes from a state before verification, read as it is.
  if (object.status !== 'redaction_pending' && (object.status !== 'redacted' || record === null)) return undefined;
  const type = objectTypeOfId(object.id);
  if (!type) return undefined;
  return describeVerification(object.id, type, record);
}

/** The latest time Stripe was read showing an object of the row redacted: by then it showed them all. */
function latestVerification(objects: readonly ObjectOutcome[]): string | null {
  let latest: string | null = null;
  for (const object of objects) {
    const at = object.stripe?.verifiedAt ?? null;
    if (at !== null && (latest === null || at > latest)) latest = at;
  }
  return latest;
}
