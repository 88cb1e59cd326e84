/**
 * One request's whole story, as the state holds it: the runs that read it, what it resolved to,
 * the jobs that carried it with each status and time, what blocked it, what Stripe's fix changed,
 * and the outcome the report gives it — the same derivation (domain/row-outcome.ts) as results.csv.
 */
import { describeBlocker, describeFix, describeNeedsAction } from '../domain/blocker.js';
import { addressesInCell, type Classified } from '../domain/identifier.js';
import { isObjectDone } from '../domain/object-status.js';
import { wordReason } from '../domain/reason.js';
import { decideRowOutcome, type RowOutcome } from '../domain/row-outcome.js';
import type { StatedStatus } from '../domain/verification.js';
import type { InvalidRead, StateReader } from '../state/state-store.js';
import { describeCounts, describeUnended, toHistoryEntry } from './history-command.js';

/** What `show` prints; `--json` prints it as it is. */
export interface RequestStory {
  state: string;
  /** The identifier as the user typed it (an email is never read from the state: it holds none). */
  identifier: string;
  identifierType: string;
  /** False when no run of this state read the identifier: "no record" is the answer. */
  known: boolean;
  /** `unended`: for a run without an end, whether it may still run or a later run continued it. */
  runs: { runId: string; mode: string; startedAt: string; endedAt: string | null; unended?: string; input: string; inputSha256: string | null; counts: string }[];
  /** When a lookup answered for it; null while none did. */
  resolvedAt: string | null;
  /** How it was found (or not), in the report's words. */
  resolutionMessages: string[];
  objects: {
    id: string;
    status: string;
    updatedAt: string;
    /** What Stripe stated of it when last read (`redaction.status`, `deleted`, …) and when; null when never read. */
    stripe: { stated: string; readAt: string; verifiedAt: string | null } | null;
    /** What blocks it now, and what to do. */
    blockers: string[];
    /** Each blocker a validation with `fix` cleared: what blocked, and what the fix changed (or would change). */
    fixes: { blocked: string; fix: string }[];
    messages: string[];
  }[];
  /** `objectIds`: this request's objects in the job; `otherObjects`: how many objects of other requests it carried too. */
  /**
   * `validationBehavior`: the behaviour the job last validated with (its latest if it never
   * validated); `behaviors`: each one it had, oldest first, when it changed.
   */
  jobs: { jobId: string | null; runId: string; validationBehavior: string; behaviors: { behavior: string; at: string }[]; status: string; objectIds: string[]; otherObjects: number; events: { status: string; at: string; detail: string | null }[] }[];
  /** The row results.csv gives it, as of the latest run that read it. */
  outcome: RowOutcome | null;
  /** Its lines in the register (one per request id): the dates results.csv, the register and the certificate give. */
  requests?: { requestId: string | null; received: string | null; dueBy: string | null; extendedOn: string | null; settledOn: string | null; outcome: string }[];
  /**
   * Rows runs reported `invalid` that were this cell as written, or held this address inside a
   * wider cell (`Jane Doe jane@example.com`): read, and unusable, with why.
   */
  invalidReads: InvalidRead[];
}

/** The keys under which runs recorded unusable rows that `given` may have been. */
function invalidReadKeys(store: StateReader, given: string, classified: Classified): string[] {
  const keys = [store.cellKey(given), ...addressesInCell(given).map((address) => store.emailKey(address))];
  if (classified.kind === 'email') keys.push(store.emailKey(classified.email));
  return [...new Set(keys)];
}

/**
 * The story of a cell no identifier can be read from (`Jane Doe <jane.doe@example>`): only the
 * rows runs reported `invalid` under it. `known` is false when no run read such a cell.
 */
export function readInvalidCellStory(store: StateReader, statePath: string, given: string, classified: Extract<Classified, { kind: 'invalid' }>): RequestStory {
  const invalidReads = store.invalidReads(invalidReadKeys(store, given, classified));
  return {
    state: statePath,
    identifier: given,
    identifierType: classified.type,
    known: invalidReads.length > 0,
    runs: [],
    resolvedAt: null,
    resolutionMessages: [],
    objects: [],
    jobs: [],
    outcome: null,
    invalidReads,
  };
}

/** Reads the story of one classified identifier out of a state opened read-only. */
export function readRequestStory(store: StateReader, statePath: string, given: string, classified: Exclude<Classified, { kind: 'invalid' }>): RequestStory {
  const key = store.keyOf(classified);
  const record = store.identifierRecord(key);
  const invalidReads = store.invalidReads(invalidReadKeys(store, given, classified));
  const base = { state: statePath, identifier: given, identifierType: classified.type, invalidReads };
  if (!record) {
    return { ...base, known: invalidReads.length > 0, runs: [], resolvedAt: null, resolutionMessages: [], objects: [], jobs: [], outcome: null };
  }
  const runs = store.identifierRuns(key);
  const allRuns = store.runs();
  const nextRun = (runId: string) => {
    const index = allRuns.findIndex((run) => run.id === runId);
    const next = index === -1 ? undefined : allRuns[index + 1];
    return next === undefined ? undefined : { runId: next.id };
  };
  const outcome = store.identifierOutcome(key);
  const latestMode = runs.at(-1)?.mode ?? 'redact';
  const ownObjects = new Set((outcome?.objects ?? []).map((o) => o.id));
  return {
    ...base,
    known: true,
    requests: store.requestRecordsOf(key).map((r) => ({ requestId: r.requestId, received: r.received, dueBy: r.dueBy, extendedOn: r.extendedOn, settledOn: r.settledOn, outcome: r.outcome })),
    runs: runs.map((run) => {
      const entry = toHistoryEntry(run);
      return {
        runId: entry.runId,
        mode: entry.mode,
        startedAt: entry.startedAt,
        endedAt: entry.endedAt,
        input: entry.input,
        inputSha256: entry.inputSha256,
        counts: entry.endedAt && run.summary ? describeCounts(entry.statuses) : 'no report written',
        ...(entry.endedAt === null ? { unended: describeUnended(nextRun(entry.runId)) } : {}),
      };
    }),
    resolvedAt: record.resolvedAt,
    resolutionMessages: (outcome?.reasons ?? []).map(wordReason),
    objects: (outcome?.objects ?? []).map((object) => ({
      id: object.id,
      status: object.status,
      updatedAt: object.updatedAt,
      stripe: object.stripe ? { stated: describeStated(object.stripe.stated, object.stripe.raw), readAt: object.stripe.readAt, verifiedAt: object.stripe.verifiedAt } : null,
      blockers: isObjectDone(object.status) ? [] : object.blockers.map(describeNeedsAction),
      fixes: object.fixes.map((fix) => ({
        blocked: describeBlocker(fix),
        fix: describeFix(fix, object.status === 'redacted' || object.status === 'redaction_pending' ? 'did' : 'would'),
      })),
      messages: object.reasons.map(wordReason),
    })),
    jobs: store.jobsOfIdentifier(key).map((job) => {
      // Other requests' objects are not this person's story: counted, not named.
      const own = job.objectIds.filter((id) => ownObjects.has(id));
      return {
        jobId: job.stripeId,
        runId: job.runId,
        validationBehavior: behaviorValidatedWith(job),
        behaviors: job.behaviors,
        status: job.status,
        objectIds: own,
        otherObjects: job.objectIds.length - own.length,
        events: job.events.map((e) => ({ status: e.status, at: e.at, detail: e.reason ? wordReason(e.reason) : null })),
      };
    }),
    outcome: decideRowOutcome(classified, latestMode, outcome, record.updatedAt),
  };
}

/** The rows runs reported `invalid` for it, one paragraph each. */
function formatInvalidReads(story: RequestStory): string[] {
  if (story.invalidReads.length === 0) return [];
  const lines = ['', `Rows reported invalid (${story.invalidReads.length}): read, but no email or Stripe id could be taken from them, so Stripe was never asked about them:`];
  for (const read of story.invalidReads) {
    const more = read.rows > 1 ? ` (and ${read.rows - 1} more ${read.rows === 2 ? 'row' : 'rows'} alike)` : '';
    const how = read.via === 'cell' ? 'the cell as written' : 'a cell holding this address';
    lines.push(`  ${read.at}  ${read.runId}  input ${read.input}, row ${read.firstRow}${more}: ${how}`, `    unusable: ${read.reason}`);
  }
  return lines;
}

/** The behaviour in force when the job last started validating; its latest when it never did. */
function behaviorValidatedWith(job: { behaviors: { behavior: string; at: string }[]; events: { status: string; at: string }[] }): string {
  const validating = job.events.filter((e) => e.status === 'validating').at(-1);
  const inForce = validating === undefined ? job.behaviors : job.behaviors.filter((b) => b.at <= validating.at);
  return (inForce.at(-1) ?? job.behaviors.at(-1))?.behavior ?? 'error';
}

/** What Stripe stated of an object, in the API's own terms. */
function describeStated(stated: StatedStatus, raw: string | undefined): string {
  switch (stated) {
    case 'missing':
      return 'no such object (404)';
    case 'deleted':
      return 'deleted: true';
    case 'none':
      return 'redaction: null';
    case 'processing':
    case 'validated':
    case 'redacted':
      return `redaction.status ${stated}`;
    case 'no_field':
      return 'no redaction field (no per-object proof for this kind)';
    case 'unknown':
      return `redaction.status ${raw ?? '?'}`;
  }
}

/** The story as text for a person: what happened, oldest first, then the outcome. */
export function formatRequestStory(story: RequestStory): string {
  if (story.known && story.runs.length === 0 && story.invalidReads.length > 0) {
    return [
      `${story.identifier} in the state ${story.state}: runs read it, but never as a usable request.`,
      ...formatInvalidReads(story),
      '',
      'Write the row as a plain email or Stripe id (or Name <address>) and run again: only then is it carried out.',
      '',
    ].join('\n');
  }
  if (!story.known) {
    return [
      `No record of ${story.identifier} in the state ${story.state}: no run of this state read it.`,
      ...(story.identifierType === 'email'
        ? ['(Emails are matched through the state\'s hashing key: if the runs used STRIPE_REDACT_HASH_KEY, set the same key here.)']
        : []),
      '',
    ].join('\n');
  }
  const lines: string[] = [`${story.identifier} (${story.identifierType}) in the state ${story.state}`];
  if (story.outcome) {
    lines.push(`Outcome: ${story.outcome.status}, as of ${story.outcome.updatedAt}`);
    if (story.outcome.objectIds.length > 0) lines.push(`  Stripe objects: ${story.outcome.objectIds.join(' ')}`);
    if (story.outcome.jobIds.length > 0) lines.push(`  job: ${story.outcome.jobIds.join(' ')}`);
    for (const message of story.outcome.messages) lines.push(`  ${message}`);
  }
  for (const r of story.requests ?? []) {
    const dates = [`received ${r.received ?? 'unknown'}`, `due by ${r.dueBy ?? 'unknown'}`, ...(r.extendedOn ? [`extension notified ${r.extendedOn}`] : []), r.settledOn ? `settled ${r.settledOn}` : 'not settled'];
    lines.push(`Request${r.requestId ? ` ${r.requestId}` : ''}: ${dates.join(', ')}; register outcome ${r.outcome}`);
  }
  lines.push('', `Runs that read it (${story.runs.length}):`);
  for (const run of story.runs) {
    lines.push(`  ${run.runId}  ${run.mode}  ${run.startedAt} → ${run.endedAt ?? run.unended ?? 'did not end'}  input ${run.input}${run.inputSha256 ? ` (sha256 ${run.inputSha256})` : ''}`);
    lines.push(`    that run's rows: ${run.counts}`);
  }
  lines.push('', story.resolvedAt ? `Looked up ${story.resolvedAt}:` : 'Not looked up yet: the next run continues.');
  for (const message of story.resolutionMessages) lines.push(`  ${message}`);
  if (story.resolvedAt && story.objects.length === 0) lines.push('  no Stripe object matches');
  for (const object of story.objects) {
    lines.push(`  ${object.id}: ${object.status} (${object.updatedAt})`);
    if (object.stripe) {
      const verified = object.stripe.verifiedAt ? `; shown redacted at ${object.stripe.verifiedAt}` : '';
      lines.push(`    Stripe stated: ${object.stripe.stated} (read ${object.stripe.readAt})${verified}`);
    }
    for (const blocker of object.blockers) lines.push(`    blocked: ${blocker}`);
    for (const fix of object.fixes) lines.push(`    blocked by: ${fix.blocked}`, `      fix: ${fix.fix}`);
    for (const message of object.messages) lines.push(`    ${message}`);
  }
  lines.push(...formatInvalidReads(story));
  lines.push('', `Jobs (${story.jobs.length}):`);
  for (const job of story.jobs) {
    const changes = job.behaviors.length > 1 ? ` (${job.behaviors.map((b, i) => (i === 0 ? b.behavior : `${b.behavior} from ${b.at}`)).join(', then ')})` : '';
    lines.push(`  ${job.jobId ?? '(never created at Stripe)'}  validated with validation_behavior=${job.validationBehavior}${changes}  created by ${job.runId}  for ${job.objectIds.join(' ')}${job.otherObjects > 0 ? ` (and ${job.otherObjects} object(s) of other requests)` : ''}`);
    for (const event of job.events) lines.push(`    ${event.at}  ${event.status}${event.detail ? `  (${event.detail})` : ''}`);
  }
  lines.push('');
  return lines.join('\n');
}
