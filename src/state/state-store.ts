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
 * {@link StateReader} and cannot write. Each concept's interface sits in its own file beside this
 * one (identifier-ledger.ts, object-ledger.ts, job-ledger.ts, run-ledger.ts, row-read-ledger.ts,
 * history-reader.ts); this file assembles them.
 */
import type { IdentifierKeys, IdentifierLedger } from './identifier-ledger.js';
import type { ObjectLedger } from './object-ledger.js';
import type { JobLedger } from './job-ledger.js';
import type { RunLedger } from './run-ledger.js';
import type { RowReadHistory, RowReadLedger } from './row-read-ledger.js';
import type { StateHistory } from './history-reader.js';
import type { AccountBinding, StateAccount } from './state-schema.js';
import type { RequestRegisterReader, RequestRegisterWriter } from './state-requests.js';
import type { LedgerReader, LedgerWriter } from './state-ledger.js';
import type { StateExpirer } from './state-expiry.js';
import type { AfterErasureLedger, AfterErasureReader } from './state-after-erasure.js';

export type { AccountBinding, StateAccount } from './state-schema.js';
// Each concept's names stay importable from here, as the commands and the pipeline import them.
export type { IdentifierKeys, IdentifierLedger } from './identifier-ledger.js';
export type { ObjectLedger, ObjectStatusChange } from './object-ledger.js';
export type { JobLedger, StoredJob } from './job-ledger.js';
export type { RunLedger, StoredRun } from './run-ledger.js';
export type { InvalidRead, InvalidReadVia, RowReadHistory, RowReadLedger } from './row-read-ledger.js';
export type { IdentifierRecord, StateHistory, StoredJobHistory } from './history-reader.js';

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
