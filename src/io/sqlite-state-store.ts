/**
 * The durable state shared by runs: the only importer of better-sqlite3.
 *
 * Invariant: every step is written here before the next one acts on it. A job row and its objects
 * exist before the create request is sent (its idempotency key derives from the row), a Stripe job
 * id is written as soon as Stripe answers, and each status change is recorded as it is seen. So a
 * run killed at any moment and started again resumes every job instead of creating it twice.
 *
 * Emails are never stored: identifiers of kind email are kept as an HMAC-SHA256 of the lower-cased
 * address under a key held in the state (or given by `STRIPE_REDACT_HASH_KEY`).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StateStoreError } from '../errors.js';
import { TERMINAL_JOB_STATUSES, type JobStatus, type ValidationBehavior } from '../domain/job.js';
import { DONE_OBJECT_STATUSES, type ObjectStatus } from '../domain/object-status.js';
import type { IdentifierOutcome, ObjectOutcome } from '../domain/row-outcome.js';
import type { RunMode } from '../domain/row-status.js';
import type { Classified } from '../domain/identifier.js';
import type { Blocker } from '../domain/blocker.js';
import { SCHEMA, SCHEMA_VERSION, bindAccount, initialiseMeta, readAccount, type AccountBinding, type StateAccount } from './state-schema.js';

export type { AccountBinding, StateAccount } from './state-schema.js';

/** Job statuses after which a job holds nothing: Stripe's terminal ones, and `abandoned` (never created, or unknown to Stripe). */
const TERMINAL_SQL = sqlList([...TERMINAL_JOB_STATUSES, 'abandoned']);
/** Object statuses that need no run again (domain/object-status.ts), as an SQL list. */
const DONE_SQL = sqlList(DONE_OBJECT_STATUSES);

/** Constant strings of the domain as an SQL list: `'a','b'` (they hold no quote). */
function sqlList(values: readonly string[]): string {
  return values.map((value) => `'${value}'`).join(',');
}

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

export interface ObjectStatusChange {
  status: ObjectStatus;
  /** Codes of API errors no retry resolved (`failed`); validation errors go in `blockers`. */
  errorCodes?: string[];
  messages?: string[];
  /** What blocks the object now, as Stripe's validation listed it. */
  blockers?: Blocker[];
  /** Blockers a validation with `fix` cleared for it: what the fix will change, or changed. */
  fixes?: Blocker[];
  /** The live job holding the object, or the job that settled it. */
  jobLocalId?: number | null;
  deferredOn?: number | null;
}

export interface StateStoreOptions {
  /** `:memory:` for tests. */
  path: string;
  /** Overrides the stored hashing key (e.g. from a secret store). */
  hashKey?: string;
  clock?: () => Date;
}

/**
 * Values of `identifiers.absence_confirmed`: what a strongly consistent lookup that found nothing
 * covered. `1` is what states written before guest lookups hold, so they mean customers only.
 */
const ABSENCE = { unconfirmed: 0, customers: 1, customersAndGuests: 2 } as const;

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
  /** The run that created it. */
  runId: string;
  createdAt: string;
  objectIds: string[];
  /** Oldest first; `detail` holds the Stripe id on the first answer, or why the status changed. */
  events: { status: string; at: string; detail: string | null }[];
}

export class StateStore {
  readonly #db: Database.Database;
  readonly #hashKey: Buffer;
  readonly #clock: () => Date;
  /** Random per state file: idempotency keys of two state files never collide. */
  readonly stateId: string;

  private constructor(db: Database.Database, hashKey: Buffer, stateId: string, clock: () => Date) {
    this.#db = db;
    this.#hashKey = hashKey;
    this.stateId = stateId;
    this.#clock = clock;
  }

  static open(options: StateStoreOptions): StateStore {
    let db: Database.Database;
    try {
      // No mkdir: a mistyped directory must not become a fresh, empty state (the CLI makes the default one's).
      db = new Database(options.path);
      // Owner only: the state holds customer ids and the key that hashes emails.
      if (options.path !== ':memory:') chmodSync(options.path, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
    } catch (error) {
      throw new StateStoreError(`cannot open the state file ${options.path}: ${(error as Error).message}`);
    }
    const { stateId, storedHashKey } = initialiseMeta(db, options.path);
    const hashKey = options.hashKey ? Buffer.from(options.hashKey, 'utf8') : storedHashKey;
    return new StateStore(db, hashKey, stateId, options.clock ?? (() => new Date()));
  }

  /**
   * Opens an existing state for reading only (`history`, `show`): never creates, migrates or
   * writes one, and takes no run lock, so it reads a state a running run is writing (WAL readers
   * do not block the writer). A state of schema version 2 is read as it is: its runs per
   * identifier are only the latest (see {@link identifierRuns}).
   *
   * @throws {StateStoreError} `STATE_MISSING` when there is no such file, `STATE_STORE` when it is
   * no state of a version this one reads.
   */
  static openReadOnly(options: Omit<StateStoreOptions, 'clock'>): StateStore {
    if (!existsSync(options.path)) {
      throw new StateStoreError(`there is no state file ${options.path}`, { code: 'STATE_MISSING' });
    }
    let db: Database.Database;
    let meta: Map<string, string>;
    try {
      db = new Database(options.path, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    } catch (error) {
      throw new StateStoreError(`cannot read the state file ${options.path}: ${(error as Error).message}`);
    }
    const version = meta.get('schema_version');
    if (version !== SCHEMA_VERSION && version !== '2') {
      db.close();
      throw new StateStoreError(`the state file ${options.path} has schema version ${version ?? 'none'}; this version reads ${SCHEMA_VERSION}`);
    }
    const hashKey = options.hashKey ? Buffer.from(options.hashKey, 'utf8') : Buffer.from(meta.get('hash_key') ?? '', 'hex');
    return new StateStore(db, hashKey, meta.get('state_id') ?? '', () => new Date());
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  // ---- identity ----------------------------------------------------------------------------

  /**
   * Binds the state to the key's account and mode on first use; afterwards, says whether they are
   * the ones it belongs to. On `mismatch` nothing is written: the caller must not use the state.
   */
  bindAccount(account: StateAccount): AccountBinding {
    return bindAccount(this.#db, account, this.now());
  }

  /** The account and mode the state belongs to; `undefined` before its first bound run. */
  account(): StateAccount | undefined {
    return readAccount(this.#db);
  }

  readonly #statements = new Map<string, Database.Statement>();

  /** Prepared statements are kept: the per-row ones run a million times on a large input. */
  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  now(): string {
    return this.#clock().toISOString();
  }

  /** Runs `fn` in one transaction: all of its writes land together or none do. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  // ---- identifiers -------------------------------------------------------------------------

  /** The state's key for an email: a keyed hash, so the state never holds the address. */
  emailKey(normalizedEmail: string): string {
    return `email:${createHmac('sha256', this.#hashKey).update(normalizedEmail).digest('hex')}`;
  }

  idKey(stripeId: string): string {
    return `id:${stripeId}`;
  }

  /** The state's key for a classified identifier: emails hashed, Stripe ids as they are. */
  keyOf(classified: Exclude<Classified, { kind: 'invalid' }>): string {
    return classified.kind === 'email' ? this.emailKey(classified.email) : this.idKey(classified.id);
  }

  /**
   * Marks an identifier as read by `runId`. Returns `first` when this run sees it for the first
   * time (so it is planned once however many rows repeat it) along with whether it still needs a
   * lookup: never resolved, found nothing that a consistent lookup confirmed, or resolved to objects
   * not all settled. With `guests`, an absence counts as confirmed only when the lookup also found
   * no guest Checkout Session: states written before guests were looked up (or by a `--no-guests`
   * run) confirmed customers only, so such an email is asked again.
   */
  noteIdentifier(key: string, type: string, runId: string, { guests = true } = {}): { first: boolean; needsLookup: boolean } {
    const row = this.#prepare('SELECT seen_run, resolved_at, absence_confirmed FROM identifiers WHERE key = ?').get(key) as
      { seen_run: string | null; resolved_at: string | null; absence_confirmed: number } | undefined;
    if (row?.seen_run === runId) return { first: false, needsLookup: false };
    // Once per distinct identifier per run, inside the caller's chunk transaction.
    this.#prepare('INSERT OR IGNORE INTO identifier_runs (identifier_key, run_id) VALUES (?, ?)').run(key, runId);
    const now = this.now();
    if (!row) {
      this.#prepare('INSERT INTO identifiers (key, type, seen_run, updated_at) VALUES (?, ?, ?, ?)').run(key, type, runId, now);
      return { first: true, needsLookup: true };
    }
    this.#prepare('UPDATE identifiers SET seen_run = ? WHERE key = ?').run(runId, key);
    if (row.resolved_at === null) return { first: true, needsLookup: true };
    const open = this.#prepare(
      `SELECT COUNT(*) AS total,
                SUM(CASE WHEN o.status IN (${DONE_SQL}) THEN 1 ELSE 0 END) AS done
         FROM resolutions r JOIN objects o ON o.id = r.object_id WHERE r.identifier_key = ?`,
    ).get(key) as { total: number; done: number | null };
    if (open.total === 0) return { first: true, needsLookup: row.absence_confirmed < (guests ? ABSENCE.customersAndGuests : ABSENCE.customers) };
    return { first: true, needsLookup: (open.done ?? 0) < open.total };
  }

  /**
   * Records what a lookup found for an identifier: the objects (added to those found before, never
   * dropped — a customer once found stays that person's data) and a message on how it was found.
   * New objects start `queued`; known ones keep their status. `absenceConfirmed`: a strongly
   * consistent lookup found nothing, so later runs need not ask again; `guestsChecked`: that lookup
   * also found no guest Checkout Session.
   */
  recordResolution(
    key: string,
    objects: ReadonlyArray<{ id: string; type: string }>,
    messages: string[] = [],
    { absenceConfirmed = false, guestsChecked = false } = {},
  ): void {
    const now = this.now();
    this.transaction(() => {
      this.#prepare('UPDATE identifiers SET resolved_at = ?, messages = ?, absence_confirmed = ?, updated_at = ? WHERE key = ?').run(
        now,
        JSON.stringify(messages),
        absenceConfirmed && objects.length === 0 ? (guestsChecked ? ABSENCE.customersAndGuests : ABSENCE.customers) : ABSENCE.unconfirmed,
        now,
        key,
      );
      const link = this.#prepare('INSERT OR IGNORE INTO resolutions (identifier_key, object_id) VALUES (?, ?)');
      const add = this.#prepare(`INSERT OR IGNORE INTO objects (id, type, status, updated_at) VALUES (?, ?, 'queued', ?)`);
      for (const o of objects) {
        add.run(o.id, o.type, now);
        link.run(key, o.id);
      }
    });
  }

  /**
   * The objects an identifier resolved to that need a new job: queued ones, ones a validate run or
   * an error left without a job, and ones whose job or awaited job is over without settling them.
   * Objects in a live job of this state are that job's business, not a new one's.
   */
  objectsNeedingJobOf(key: string): string[] {
    return (
      this.#prepare(
        `SELECT o.id FROM resolutions r JOIN objects o ON o.id = r.object_id
           LEFT JOIN jobs j ON j.id = CASE WHEN o.status = 'deferred' THEN o.deferred_on ELSE o.job_id END
           WHERE r.identifier_key = ? AND (
             o.status IN ('queued','ready')
             OR (o.status IN ('needs_action','in_job','deferred','failed')
                 AND (j.id IS NULL OR j.status IN (${TERMINAL_SQL}))))
           ORDER BY o.id`,
      ).all(key) as { id: string }[]
    ).map((r) => r.id);
  }

  /** Objects waiting on another job of this state. */
  objectsDeferredOn(jobLocalId: number): string[] {
    return (
      this.#prepare(`SELECT id FROM objects WHERE status = 'deferred' AND deferred_on = ?`).all(jobLocalId) as {
        id: string;
      }[]
    ).map((r) => r.id);
  }

  objectStatus(id: string): ObjectStatus | undefined {
    return (this.#prepare('SELECT status FROM objects WHERE id = ?').get(id) as { status: ObjectStatus } | undefined)?.status;
  }

  setObjectStatus(ids: readonly string[], change: ObjectStatusChange): void {
    const now = this.now();
    const sets = ['status = @status', 'updated_at = @now'];
    if (change.errorCodes !== undefined) sets.push('error_codes = @codes');
    if (change.messages !== undefined) sets.push('messages = @messages');
    if (change.blockers !== undefined) sets.push('blockers = @blockers');
    if (change.fixes !== undefined) sets.push('fixes = @fixes');
    if (change.jobLocalId !== undefined) sets.push('job_id = @job');
    if (change.deferredOn !== undefined) sets.push('deferred_on = @deferred');
    const statement = this.#prepare(`UPDATE objects SET ${sets.join(', ')} WHERE id = @id`);
    this.transaction(() => {
      for (const id of ids) {
        statement.run({
          id,
          now,
          status: change.status,
          codes: JSON.stringify(change.errorCodes ?? []),
          messages: JSON.stringify(change.messages ?? []),
          blockers: JSON.stringify(change.blockers ?? []),
          fixes: JSON.stringify(change.fixes ?? []),
          job: change.jobLocalId ?? null,
          deferred: change.deferredOn ?? null,
        });
      }
    });
  }

  /** The blockers the state holds for each of `ids` (from the last validation that listed them). */
  blockersOf(ids: readonly string[]): Map<string, Blocker[]> {
    const get = this.#prepare('SELECT blockers FROM objects WHERE id = ?');
    return new Map(ids.map((id) => [id, JSON.parse((get.get(id) as { blockers: string } | undefined)?.blockers ?? '[]') as Blocker[]]));
  }

  /**
   * A validation with `fix` passed: what blocked each object is what the fix clears. Moves blockers
   * to fixes; objects with no blockers keep the fixes they have, so repeating it changes nothing.
   */
  promoteBlockersToFixes(ids: readonly string[]): void {
    const promote = this.#prepare(`UPDATE objects SET fixes = blockers, blockers = '[]', updated_at = ? WHERE id = ? AND blockers != '[]'`);
    const now = this.now();
    this.transaction(() => {
      for (const id of ids) promote.run(now, id);
    });
  }

  /** A validation with `error` passed: nothing blocks the objects, and no fix is needed. */
  clearBlockers(ids: readonly string[]): void {
    const clear = this.#prepare(`UPDATE objects SET fixes = '[]', blockers = '[]' WHERE id = ?`);
    this.transaction(() => {
      for (const id of ids) clear.run(id);
    });
  }

  // ---- jobs ------------------------------------------------------------------------------

  /**
   * Writes a new job and moves its objects into it, in one transaction, before anything is sent.
   * Its create idempotency key is {@link createKey}.
   */
  insertJob(objectIds: readonly string[], validationBehavior: ValidationBehavior, runId: string): StoredJob {
    const now = this.now();
    return this.transaction(() => {
      const { lastInsertRowid } = this.#prepare(
        `INSERT INTO jobs (status, validation_behavior, run_id, created_at, updated_at) VALUES ('unsent', ?, ?, ?, ?)`,
      ).run(validationBehavior, runId, now, now);
      const localId = Number(lastInsertRowid);
      const link = this.#prepare('INSERT INTO job_objects (job_id, object_id) VALUES (?, ?)');
      for (const id of objectIds) link.run(localId, id);
      // Blockers and fixes stay: they are what Stripe said of the object, until a new validation says otherwise.
      this.setObjectStatus(objectIds, { status: 'in_job', jobLocalId: localId, deferredOn: null, errorCodes: [], messages: [] });
      this.#recordEvent(localId, 'unsent', null, now);
      return { localId, stripeId: null, status: 'unsent' as const, validationBehavior, objectIds: [...objectIds] };
    });
  }

  /** Records that a job carried an object it was not created with (redacted through its cascade). */
  linkObjectToJob(objectId: string, jobLocalId: number): void {
    this.#prepare('INSERT OR IGNORE INTO job_objects (job_id, object_id) VALUES (?, ?)').run(jobLocalId, objectId);
  }

  /** The idempotency key of a job's create: stable across restarts, so a resumed create replays. */
  createKey(job: StoredJob): string {
    return `stripe-redact-${this.stateId}-job-${job.localId}-create`;
  }

  /**
   * A fresh idempotency key for a job action (validate, run, cancel, update). The counter is
   * written before the request goes out, so a key is never reused for a different action; repeating
   * an action after a crash is safe because Stripe refuses transitions from the wrong status.
   */
  nextActionKey(job: StoredJob, action: string): string {
    const { actions } = this.#prepare('UPDATE jobs SET actions = actions + 1 WHERE id = ? RETURNING actions').get(
      job.localId,
    ) as { actions: number };
    return `stripe-redact-${this.stateId}-job-${job.localId}-${action}-${actions}`;
  }

  recordJobCreated(job: StoredJob, stripeId: string, status: JobStatus, created?: number): void {
    const now = this.now();
    this.#prepare('UPDATE jobs SET stripe_id = ?, status = ?, updated_at = ? WHERE id = ?').run(
      stripeId,
      status,
      now,
      job.localId,
    );
    this.#recordEvent(job.localId, status, stripeId, now);
    job.stripeId = stripeId;
    job.status = status;
    if (created !== undefined) job.created = created;
  }

  /** Records a status Stripe reported; a repeated status writes nothing. */
  recordJobStatus(job: StoredJob, status: JobStatus | 'abandoned', detail?: string): void {
    if (job.status === status) return;
    const now = this.now();
    this.#prepare('UPDATE jobs SET status = ?, updated_at = ? WHERE id = ?').run(status, now, job.localId);
    this.#recordEvent(job.localId, status, detail ?? null, now);
    if (status !== 'abandoned') job.status = status;
  }

  recordJobBehavior(job: StoredJob, behavior: ValidationBehavior): void {
    this.#prepare('UPDATE jobs SET validation_behavior = ?, updated_at = ? WHERE id = ?').run(behavior, this.now(), job.localId);
    job.validationBehavior = behavior;
  }

  #recordEvent(localId: number, status: string, detail: string | null, at: string): void {
    this.#prepare('INSERT INTO job_events (job_id, status, at, detail) VALUES (?, ?, ?, ?)').run(localId, status, at, detail);
  }

  /** Jobs a run must pick up: sent or not, not yet terminal (failed ones wait for re-validation). */
  liveJobs(): StoredJob[] {
    const rows = this.#prepare(
      `SELECT id, stripe_id, status, validation_behavior FROM jobs WHERE status NOT IN (${TERMINAL_SQL}) ORDER BY id`,
    ).all() as { id: number; stripe_id: string | null; status: JobStatus | 'unsent'; validation_behavior: ValidationBehavior }[];
    return rows.map((r) => this.#toStoredJob(r));
  }

  /**
   * Whether every object of a job stands for an identifier the run has read in its input: only
   * then may the run act on the job (validate, fix, run, cancel, re-create).
   */
  isJobOfRun(jobLocalId: number, runId: string): boolean {
    const r = this.#prepare(
      `SELECT COUNT(*) AS total,
              SUM(CASE WHEN EXISTS (SELECT 1 FROM resolutions r JOIN identifiers i ON i.key = r.identifier_key
                                     WHERE r.object_id = jo.object_id AND i.seen_run = ?) THEN 1 ELSE 0 END) AS own
         FROM job_objects jo WHERE jo.job_id = ?`,
    ).get(runId, jobLocalId) as { total: number; own: number | null };
    return r.total > 0 && r.own === r.total;
  }

  /** Whether this state ever created (or adopted) the job with this Stripe id. */
  knowsJob(stripeId: string): boolean {
    return this.#prepare('SELECT 1 FROM jobs WHERE stripe_id = ?').get(stripeId) !== undefined;
  }

  /** The Stripe id of one of this state's jobs (null while its create is unanswered). */
  stripeIdOf(jobLocalId: number): string | null {
    return (this.#prepare('SELECT stripe_id FROM jobs WHERE id = ?').get(jobLocalId) as { stripe_id: string | null } | undefined)?.stripe_id ?? null;
  }

  /** The newest job of this state, other than `exceptJob`, that carried an object and succeeded, if any. */
  succeededJobHolding(objectId: string, exceptJob = 0): number | undefined {
    const r = this.#prepare(
      `SELECT j.id FROM job_objects jo JOIN jobs j ON j.id = jo.job_id
         WHERE jo.object_id = ? AND j.id != ? AND j.status = 'succeeded' ORDER BY j.id DESC LIMIT 1`,
    ).get(objectId, exceptJob) as { id: number } | undefined;
    return r?.id;
  }

  /** The live job of this state, other than `exceptJob`, that holds an object, if any. */
  liveJobHolding(objectId: string, exceptJob = 0): number | undefined {
    const r = this.#prepare(
      `SELECT j.id FROM job_objects jo JOIN jobs j ON j.id = jo.job_id
         WHERE jo.object_id = ? AND j.id != ? AND j.status NOT IN (${TERMINAL_SQL}) ORDER BY j.id DESC LIMIT 1`,
    ).get(objectId, exceptJob) as { id: number } | undefined;
    return r?.id;
  }

  #toStoredJob(r: {
    id: number;
    stripe_id: string | null;
    status: JobStatus | 'unsent';
    validation_behavior: ValidationBehavior;
  }): StoredJob {
    const objectIds = (
      this.#prepare('SELECT object_id FROM job_objects WHERE job_id = ? ORDER BY rowid').all(r.id) as {
        object_id: string;
      }[]
    ).map((o) => o.object_id);
    return { localId: r.id, stripeId: r.stripe_id, status: r.status, validationBehavior: r.validation_behavior, objectIds };
  }

  // ---- runs and the report ----------------------------------------------------------------

  startRun(mode: RunMode, inputPath: string): string {
    const id = `run_${this.now()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}_${randomBytes(3).toString('hex')}`;
    this.#prepare('INSERT INTO runs (id, mode, input_path, started_at) VALUES (?, ?, ?, ?)').run(id, mode, inputPath, this.now());
    return id;
  }

  endRun(runId: string, summary: unknown): void {
    this.#prepare('UPDATE runs SET ended_at = ?, summary = ? WHERE id = ?').run(this.now(), JSON.stringify(summary), runId);
  }

  /** Everything the report needs about one identifier. */
  identifierOutcome(key: string): IdentifierOutcome | undefined {
    const id = this.#prepare('SELECT resolved_at, messages, updated_at FROM identifiers WHERE key = ?').get(key) as
      { resolved_at: string | null; messages: string; updated_at: string } | undefined;
    if (!id) return undefined;
    const objects = this.#prepare(
      `SELECT o.id, o.status, o.error_codes, o.messages, o.blockers, o.fixes, o.updated_at,
              CASE WHEN j.status IN ('canceled','abandoned') THEN NULL ELSE j.stripe_id END AS job
         FROM resolutions r JOIN objects o ON o.id = r.object_id LEFT JOIN jobs j ON j.id = o.job_id
         WHERE r.identifier_key = ? ORDER BY o.id`,
    ).all(key) as {
      id: string;
      status: ObjectStatus;
      error_codes: string;
      messages: string;
      blockers: string;
      fixes: string;
      updated_at: string;
      job: string | null;
    }[];
    const jobsOf = this.#prepare(
      `SELECT j.stripe_id FROM job_objects jo JOIN jobs j ON j.id = jo.job_id
       WHERE jo.object_id = ? AND j.stripe_id IS NOT NULL ORDER BY j.id`,
    );
    return {
      resolved: id.resolved_at !== null,
      messages: JSON.parse(id.messages) as string[],
      updatedAt: id.updated_at,
      objects: objects.map((o): ObjectOutcome => ({
        id: o.id,
        status: o.status,
        jobId: o.job,
        jobIds: (jobsOf.all(o.id) as { stripe_id: string }[]).map((j) => j.stripe_id),
        errorCodes: JSON.parse(o.error_codes) as string[],
        messages: JSON.parse(o.messages) as string[],
        blockers: JSON.parse(o.blockers) as Blocker[],
        fixes: JSON.parse(o.fixes) as Blocker[],
        updatedAt: o.updated_at,
      })),
    };
  }

  // ---- reading a state back (history, show) -------------------------------------------------

  /** Every run of the state, oldest first, with the summary it ended with (null while running or if killed). */
  runs(): StoredRun[] {
    const rows = this.#prepare('SELECT id, mode, input_path, started_at, ended_at, summary FROM runs ORDER BY started_at, id').all() as {
      id: string;
      mode: RunMode;
      input_path: string;
      started_at: string;
      ended_at: string | null;
      summary: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      mode: r.mode,
      input: r.input_path,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      summary: r.summary === null ? null : (JSON.parse(r.summary) as Record<string, unknown>),
    }));
  }

  /** What the state holds of an identifier itself: its kind, when it was resolved, and when last touched; undefined if never seen. */
  identifierRecord(key: string): { type: string; resolvedAt: string | null; updatedAt: string; latestRun: string | null } | undefined {
    const r = this.#prepare('SELECT type, resolved_at, updated_at, seen_run FROM identifiers WHERE key = ?').get(key) as
      { type: string; resolved_at: string | null; updated_at: string; seen_run: string | null } | undefined;
    return r && { type: r.type, resolvedAt: r.resolved_at, updatedAt: r.updated_at, latestRun: r.seen_run };
  }

  /**
   * The runs whose input named an identifier, oldest first. A state written before schema
   * version 3 knows only the latest one.
   */
  identifierRuns(key: string): StoredRun[] {
    const hasTable = this.#prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'identifier_runs'").get() !== undefined;
    const ids = new Set(
      hasTable
        ? (this.#prepare('SELECT run_id FROM identifier_runs WHERE identifier_key = ?').all(key) as { run_id: string }[]).map((r) => r.run_id)
        : [this.identifierRecord(key)?.latestRun].filter((id): id is string => typeof id === 'string'),
    );
    return this.runs().filter((run) => ids.has(run.id));
  }

  /** Every job that carried an object the identifier resolved to, oldest first, with each status it went through. */
  jobsOfIdentifier(key: string): StoredJobHistory[] {
    const jobs = this.#prepare(
      `SELECT DISTINCT j.id, j.stripe_id, j.status, j.validation_behavior, j.run_id, j.created_at
         FROM resolutions r JOIN job_objects jo ON jo.object_id = r.object_id JOIN jobs j ON j.id = jo.job_id
         WHERE r.identifier_key = ? ORDER BY j.id`,
    ).all(key) as { id: number; stripe_id: string | null; status: string; validation_behavior: ValidationBehavior; run_id: string; created_at: string }[];
    const events = this.#prepare('SELECT status, at, detail FROM job_events WHERE job_id = ? ORDER BY rowid');
    const objects = this.#prepare('SELECT object_id FROM job_objects WHERE job_id = ? ORDER BY rowid');
    return jobs.map((j) => ({
      localId: j.id,
      stripeId: j.stripe_id,
      status: j.status,
      validationBehavior: j.validation_behavior,
      runId: j.run_id,
      createdAt: j.created_at,
      objectIds: (objects.all(j.id) as { object_id: string }[]).map((o) => o.object_id),
      events: events.all(j.id) as { status: string; at: string; detail: string | null }[],
    }));
  }

  /** Count of jobs by status, for the summary. */
  jobCounts(runId: string): Record<string, number> {
    const rows = this.#prepare('SELECT status, COUNT(*) AS n FROM jobs WHERE run_id = ? GROUP BY status').all(runId) as {
      status: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }
}

/** What {@link holdExclusiveLock} found. */
export type ExclusiveLock =
  | { held: true; release: () => void }
  /** Another live process holds it. */
  | { held: false; reason: 'busy' }
  /** The file is not an SQLite database (e.g. the pid file of an earlier version). */
  | { held: false; reason: 'not-a-database' };

/**
 * Takes an exclusive lock on `path`, a small SQLite database of its own, and holds it until
 * `release` — or until the process ends, however it ends. The lock is SQLite's file lock (POSIX
 * `fcntl`), which the kernel drops when the process's files close: before a killed process
 * becomes a zombie, whoever reaps it, and never mistaken for a reused pid. Answers at once
 * (no busy wait) when another process holds it.
 */
export function holdExclusiveLock(path: string): ExclusiveLock {
  const db = new Database(path, { timeout: 0 });
  try {
    // EXCLUSIVE locking mode keeps the lock past each statement; the open write transaction
    // takes it now and holds it for the whole run.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY') return { held: false, reason: 'busy' };
    if (code === 'SQLITE_NOTADB') return { held: false, reason: 'not-a-database' };
    throw error;
  }
  return {
    held: true,
    release: () => {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
