import type { Classified } from './identifier.js';
import type { ObjectStatus } from './object-status.js';
import type { RowStatus, RunMode } from './row-status.js';

/** What the state knows of one object a row resolved to. */
export interface ObjectOutcome {
  id: string;
  status: ObjectStatus;
  /** Stripe job ids that carried the object, oldest first. */
  jobIds: string[];
  errorCodes: string[];
  messages: string[];
  /** ISO-8601. */
  updatedAt: string;
}

/** What the state knows of one distinct identifier. */
export interface IdentifierOutcome {
  /** False while no lookup answered for it (e.g. the run ended first). */
  resolved: boolean;
  objects: ObjectOutcome[];
  /** Messages about the identifier itself (e.g. how it was looked up). */
  messages: string[];
  updatedAt: string;
}

export interface RowOutcome {
  status: RowStatus;
  customerIds: string[];
  jobIds: string[];
  errorCodes: string[];
  messages: string[];
  updatedAt: string;
}

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
    return { status: 'invalid', customerIds: [], jobIds: [], errorCodes: [], messages: [classified.reason], updatedAt: fallbackTime };
  }
  if (!identifier || !identifier.resolved) {
    return {
      status: 'pending',
      customerIds: [],
      jobIds: [],
      errorCodes: [],
      messages: [...(identifier?.messages ?? []), 'not looked up yet; the next run continues'],
      updatedAt: identifier?.updatedAt ?? fallbackTime,
    };
  }
  if (identifier.objects.length === 0) {
    return {
      status: 'not_found',
      customerIds: [],
      jobIds: [],
      errorCodes: [],
      messages: identifier.messages.length > 0 ? identifier.messages : ['no Stripe customer has this email'],
      updatedAt: identifier.updatedAt,
    };
  }
  let status: RowStatus = 'not_found';
  const jobIds = new Set<string>();
  const errorCodes = new Set<string>();
  const messages: string[] = [...identifier.messages];
  let updatedAt = identifier.updatedAt;
  const several = identifier.objects.length > 1;
  for (const object of identifier.objects) {
    const objectStatus = objectRowStatus(object.status, mode);
    if (WEIGHT[objectStatus] > WEIGHT[status]) status = objectStatus;
    for (const id of object.jobIds) jobIds.add(id);
    for (const code of object.errorCodes) errorCodes.add(code);
    // With several customers behind one email, say which customer each message is about.
    for (const message of object.messages) messages.push(several ? `${object.id}: ${message}` : message);
    if (object.updatedAt > updatedAt) updatedAt = object.updatedAt;
  }
  return {
    status,
    customerIds: identifier.objects.map((o) => o.id),
    jobIds: [...jobIds],
    errorCodes: [...errorCodes],
    messages,
    updatedAt,
  };
}
