/** The state port's read-only history (state-store.ts): what the report, `history` and `show` read. */
import type { ValidationBehavior } from '../domain/job.js';
import type { Reason } from '../domain/reason.js';
import type { IdentifierOutcome } from '../domain/row-outcome.js';
import type { StoredRun } from './run-ledger.js';

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
