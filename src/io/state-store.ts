/**
 * The durable state as the pipeline and the commands see it: a port, like the Stripe gateway
 * (stripe/gateway.ts). Its one adapter is SQLite ({@link openStateStore} in sqlite-state-store.ts,
 * the concept modules `state-*.ts` beside it); nothing here knows how it is stored.
 *
 * Invariant every adapter keeps: each step is written before the next one acts on it. A job and its
 * objects exist before the create request is sent (its idempotency key derives from them), a Stripe
 * job id is written as soon as Stripe answers, and each status change is recorded as it is seen. So
 * a run killed at any moment and started again resumes every job instead of creating it twice.
 *
 * Emails are never stored: an email's key is a keyed hash of the lower-cased address.
 *
 * The port is cut by concept — identifier keys, identifiers, objects, jobs, runs, the read-only
 * history — so that code which only reads (the report, `history`, `show`) is handed a
 * {@link StateReader} and cannot write.
 */
import type { Blocker } from '../domain/blocker.js';
import type { Classified } from '../domain/identifier.js';
import type { JobStatus, ValidationBehavior } from '../domain/job.js';
import type { ObjectStatus } from '../domain/object-status.js';
import type { Reason } from '../domain/reason.js';
import type { IdentifierOutcome } from '../domain/row-outcome.js';
import type { RunMode } from '../domain/row-status.js';
import type { StripeReading } from '../domain/verification.js';
import type { AccountBinding, StateAccount } from './state-schema.js';
import type { RequestRegisterReader, RequestRegisterWriter } from './state-requests.js';
import type { LedgerReader, LedgerWriter } from './state-ledger.js';
import type { StateExpirer } from './state-expiry.js';
import type { AfterErasureLedger, AfterErasureReader } from './state-after-erasure.js';

export type { AccountBinding, StateAccount } from './state-schema.js';

/** A job as the state holds it. `status` is `unsent` until Stripe answered the create. */
export interface StoredJob {
  localId: number;
  stripeId: string | null;
  status: JobStatus | 'unsent';
  validationBehavior: ValidationBehavior;
  objectIds: string[];
  /**
   * Set on a job an earlier run wrote down but never heard back about: its create is a replay, and
   * if the create's idempotency key has expired meanwhile, Stripe may hold a twin of it.
   */
  replayedCreate?: boolean;
  /** Unix seconds, when this process saw the create answer (helps the job list poller stop early). */
  created?: number;
}

/** A change of one or more objects' status; fields left out keep what the state holds. */
export interface ObjectStatusChange {
  status: ObjectStatus;
  /** Codes of API errors no retry resolved (`failed`); validation errors go in `blockers`. */
  errorCodes?: string[];
  /** Why the object stands where it does, as data; the report words them (domain/reason.ts). */
  reasons?: Reason[];
  /** What blocks the object now, as Stripe's validation listed it. */
  blockers?: Blocker[];
  /** Blockers a validation with `fix` cleared for it: what the fix will change, or changed. */
  fixes?: Blocker[];
  /** The live job holding the object, or the job that settled it. */
  jobLocalId?: number | null;
  deferredOn?: number | null;
}

/** A run as the state records it. */
export interface StoredRun {
  id: string;
  mode: RunMode;
  /** The input's name as the run gave it. */
  input: string;
  startedAt: string;
  /** Null while the run goes on, or when it was killed. */
  endedAt: string | null;
  /** The run's summary (pipeline RunSummary), written when it ended. */
  summary: Record<string, unknown> | null;
}

/** A job and every status the state saw it in. */
export interface StoredJobHistory {
  localId: number;
  stripeId: string | null;
  /** The latest status; `unsent` until Stripe answered the create, `abandoned` when never created or unknown to Stripe. */
  status: string;
  validationBehavior: ValidationBehavior;
  /** Each validation behaviour the job had, oldest first, from its creation (the last is `validationBehavior`). */
  behaviors: { behavior: ValidationBehavior; at: string }[];
  /** The run that created it. */
  runId: string;
  createdAt: string;
  objectIds: string[];
  /** Oldest first, each with why the status changed when the state knows. */
  events: { status: string; at: string; reason: Reason | null }[];
}

/** What the state holds of an identifier itself. */
export interface IdentifierRecord {
  type: string;
  /** When a lookup answered for it; null while none did. */
  resolvedAt: string | null;
  updatedAt: string;
  /** The latest run whose input named it. */
  latestRun: string | null;
}

/** How the state names identifiers: emails by a keyed hash (the state never holds an address), Stripe ids as they are. */
export interface IdentifierKeys {
  /** The key of a trimmed, lower-cased email. */
  emailKey(normalizedEmail: string): string;
  /** The key of an unusable cell as written (trimmed, lower-cased): a keyed hash, like an email's. */
  cellKey(cell: string): string;
  idKey(stripeId: string): string;
  keyOf(classified: Exclude<Classified, { kind: 'invalid' }>): string;
  /** The register's `request_key` of an identifier key (or of `invalid:<cell>`): `email:<HMAC>` as the state keys emails, `id:<HMAC>`, `invalid:<HMAC>`. */
  requestKeyOf(identifierKey: string): string;
}

/** The identifiers inputs named, and what lookups found for them. */
export interface IdentifierLedger {
  /**
   * Marks an identifier as read by `runId`. Returns `first` when this run sees it for the first
   * time (so it is planned once however many rows repeat it) along with whether it still needs a
   * lookup: never resolved, found nothing that a consistent lookup confirmed, or resolved to objects
   * not all settled. With `guests`, an absence counts as confirmed only when the lookup also found
   * no guest Checkout Session.
   */
  noteIdentifier(key: string, type: string, runId: string, options?: { guests?: boolean }): { first: boolean; needsLookup: boolean };
  /**
   * Records what a lookup found for an identifier: the objects (added to those found before, never
   * dropped — a customer once found stays that person's data) and why, as reasons; a lookup that
   * finds nothing for an identifier that has objects changes nothing. New objects start
   * `queued`; known ones keep their status. `absenceConfirmed`: a strongly consistent lookup found
   * nothing, so later runs need not ask again; `guestsChecked`: that lookup also found no guest
   * Checkout Session.
   */
  recordResolution(
    key: string,
    objects: ReadonlyArray<{ id: string; type: string }>,
    reasons?: Reason[],
    options?: { absenceConfirmed?: boolean; guestsChecked?: boolean },
  ): void;
  /**
   * Adds objects found through another (a deleted customer's PaymentIntents, charges, …) to every
   * identifier that resolved to `parentId`: they are that person's data too, and the rows' objects.
   * New objects start `queued`; known ones keep their status.
   */
  addRelatedObjects(parentId: string, objects: ReadonlyArray<{ id: string; type: string }>): void;
}

/** Where each Stripe object stands (domain/object-status.ts), what blocks it, what fix cleared. */
export interface ObjectLedger {
  /**
   * The objects an identifier resolved to that need a new job: queued ones, ones a validate run or
   * an error left without a job, and ones whose job or awaited job is over without settling them.
   * Objects in a live job of this state are that job's business, not a new one's.
   */
  objectsNeedingJobOf(key: string): string[];
  /** Objects waiting on another job of this state. */
  objectsDeferredOn(jobLocalId: number): string[];
  objectStatus(id: string): ObjectStatus | undefined;
  setObjectStatus(ids: readonly string[], change: ObjectStatusChange): void;
  /** The blockers the state holds for each of `ids` (from the last validation that listed them). */
  blockersOf(ids: readonly string[]): Map<string, Blocker[]>;
  /** The fixes the state holds for each of `ids`: what an earlier validation with `fix` cleared. */
  fixesOf(ids: readonly string[]): Map<string, Blocker[]>;
  /**
   * A validation with `fix` passed: what blocked each object is what the fix clears. Moves blockers
   * to fixes; objects with no blockers keep the fixes they have, so repeating it changes nothing.
   */
  promoteBlockersToFixes(ids: readonly string[]): void;
  /** A validation with `error` passed: nothing blocks the objects, and no fix is needed. */
  clearBlockers(ids: readonly string[]): void;
  /**
   * Records what Stripe stated of an object, read now (only what it answered). `verified`: the read
   * showed it redacted after a job of this state succeeded — the object becomes `redacted`, with
   * `verified_at` now. Otherwise its status stays.
   */
  recordReading(id: string, reading: StripeReading, options?: { verified?: boolean }): void;
  /**
   * Objects that wait for Stripe to show them redacted (`redaction_pending`) and stand for an
   * identifier `runId` read: what that run verifies. A verified object is never among them.
   */
  objectsAwaitingProof(runId: string): { id: string; type: string }[];
}

/** The jobs this state created or adopted, what they carried, and each status seen. */
export interface JobLedger {
  /** Writes a new job and moves its objects into it, at once, before anything is sent. Its create key is {@link createKey}. */
  insertJob(objectIds: readonly string[], validationBehavior: ValidationBehavior, runId: string): StoredJob;
  /** Records that a job carried an object it was not created with (redacted through its cascade). */
  linkObjectToJob(objectId: string, jobLocalId: number): void;
  /** The idempotency key of a job's create: stable across restarts, so a resumed create replays. */
  createKey(job: StoredJob): string;
  /**
   * A fresh idempotency key for a job action (validate, run, cancel, update). The counter is
   * written before the request goes out, so a key is never reused for a different action; repeating
   * an action after a crash is safe because Stripe refuses transitions from the wrong status.
   */
  nextActionKey(job: StoredJob, action: string): string;
  /** Records Stripe's answer to the create (and sets it on `job`). */
  recordJobCreated(job: StoredJob, stripeId: string, status: JobStatus, created?: number): void;
  /** Records a status Stripe reported (and sets it on `job`); a repeated status writes nothing. */
  recordJobStatus(job: StoredJob, status: JobStatus | 'abandoned', reason?: Reason): void;
  recordJobBehavior(job: StoredJob, behavior: ValidationBehavior): void;
  /** Jobs a run must pick up: sent or not, not yet terminal (failed ones wait for re-validation). */
  liveJobs(): StoredJob[];
  /**
   * Whether every object of a job stands for an identifier the run has read in its input: only
   * then may the run act on the job (validate, fix, run, cancel, re-create).
   */
  isJobOfRun(jobLocalId: number, runId: string): boolean;
  /** Whether this state ever created (or adopted) the job with this Stripe id. */
  knowsJob(stripeId: string): boolean;
  /** The Stripe id of one of this state's jobs (null while its create is unanswered). */
  stripeIdOf(jobLocalId: number): string | null;
  /** The newest job of this state, other than `exceptJob`, that carried an object and succeeded, if any. */
  succeededJobHolding(objectId: string, exceptJob?: number): number | undefined;
  /** The live job of this state, other than `exceptJob`, that holds an object, if any. */
  liveJobHolding(objectId: string, exceptJob?: number): number | undefined;
  /** Count of a run's jobs by status, for the summary. */
  jobCounts(runId: string): Record<string, number>;
}

/** How an `invalid` row's read is keyed: by its whole cell, or by an address found inside it. */
export type InvalidReadVia = 'cell' | 'address_in_cell';

/** The rows each run read: which row first named an identifier, and which rows were unusable. */
export interface RowReadLedger {
  /** Records the first row of a run's input naming an identifier (later calls for the run change nothing). */
  noteIdentifierRow(key: string, runId: string, row: number): void;
  /** Records a row reported `invalid`, under each of `keys`; a repeat in the same run counts one more row. */
  noteInvalidCell(keys: ReadonlyArray<{ key: string; via: InvalidReadVia }>, runId: string, row: number, reason: string): void;
}

/** One run's reading of unusable rows under one key. */
export interface InvalidRead {
  runId: string;
  input: string;
  via: InvalidReadVia;
  /** The first such row of that run's input, and how many there were. */
  firstRow: number;
  rows: number;
  /** Why it was unusable, as results.csv said. */
  reason: string;
  /** When the run read it (ISO-8601). */
  at: string;
}

/** What the report and `show` read of {@link RowReadLedger}. */
export interface RowReadHistory {
  /** The first row of a run's input that named an identifier; undefined if none did (or the state predates it). */
  firstRowOf(key: string, runId: string): number | undefined;
  /** Every run's unusable rows under any of `keys`, oldest first. */
  invalidReads(keys: readonly string[]): InvalidRead[];
}

/** The runs that used the state. */
export interface RunLedger {
  /** Records a run's start; returns its id. */
  startRun(mode: RunMode, inputPath: string): string;
  endRun(runId: string, summary: unknown): void;
}

/** What the report, `history` and `show` read: never a write. */
export interface StateHistory {
  /** Everything the report needs about one identifier; undefined if never seen. */
  identifierOutcome(key: string): IdentifierOutcome | undefined;
  /** Every run of the state, oldest first, with the summary it ended with (null while running or if killed). */
  runs(): StoredRun[];
  /** What the state holds of an identifier itself; undefined if never seen. */
  identifierRecord(key: string): IdentifierRecord | undefined;
  /** The runs whose input named an identifier, oldest first (a state before schema version 3 knows only the latest). */
  identifierRuns(key: string): StoredRun[];
  /** Every job that carried an object the identifier resolved to, oldest first, with each status it went through. */
  jobsOfIdentifier(key: string): StoredJobHistory[];
}

/** The state's own identity: the account and mode it belongs to. */
export interface StateIdentity {
  /** Random per state: idempotency keys of two states never collide. */
  readonly stateId: string;
  /**
   * Binds the state to the key's account and mode on first use; afterwards, says whether they are
   * the ones it belongs to. On `mismatch` nothing is written: the caller must not use the state.
   */
  bindAccount(account: StateAccount): AccountBinding;
  /** The account and mode the state belongs to; `undefined` before its first bound run. */
  account(): StateAccount | undefined;
}

/** An open state. */
export interface StateSession {
  /** The state's clock, as ISO-8601: every time it records comes from here. */
  now(): string;
  /** The account and mode the state belongs to; `undefined` before its first bound run. */
  account(): StateAccount | undefined;
  close(): void;
}

/** A state opened for reading only (`history`, `show`, the report). */
export interface StateReader extends IdentifierKeys, StateHistory, RowReadHistory, StateSession, AfterErasureReader, RequestRegisterReader, LedgerReader {}

/** A state a run works with: everything it reads and writes. */
export interface StateStore extends StateReader, IdentifierLedger, RowReadLedger, ObjectLedger, JobLedger, RunLedger, StateIdentity, AfterErasureLedger, RequestRegisterWriter, LedgerWriter, StateExpirer {
  /** Runs `fn` in one transaction: all of its writes land together or none do. */
  transaction<T>(fn: () => T): T;
}
