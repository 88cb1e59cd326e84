/**
 * What the selftest concludes, as data: for each behaviour Stripe does not document, which emulator
 * variant (docs/stripe.md#emulator-variants) Stripe's answer matches; for each behaviour it documents
 * and the tool relies on, whether it held.
 */

/** The undocumented behaviours, named as the emulator's options name them (`notice`: `--notice`). */
export type VariantName =
  | 'unknownIds'
  | 'transitionErrors'
  | 'lockErrors'
  | 'fixListing'
  | 'expandValidationErrors'
  | 'lockRefusal'
  | 'refusalStatus'
  | 'deletedCustomers'
  | 'settleMs'
  | 'youngCharges'
  | 'notice';

/** Each variant's flag and values, the emulator's default first (docs/stripe.md#emulator-variants). */
export const VARIANT_FLAGS = {
  unknownIds: { flag: '--unknown-ids', topic: 'unknown ids', values: ['accept', 'refuse'] },
  transitionErrors: { flag: '--transition-errors', topic: 'illegal transitions', values: ['plain', 'coded'] },
  lockErrors: { flag: '--lock-errors', topic: 'locks', values: ['plain', 'named'] },
  fixListing: { flag: '--fix-listing', topic: 'fix listing', values: ['keep', 'drop'] },
  expandValidationErrors: { flag: '--expand-validation-errors', topic: 'expanded validation errors', values: ['yes', 'no'] },
  lockRefusal: { flag: '--lock-refusal', topic: 'where a lock is refused', values: ['create', 'validation'] },
  refusalStatus: { flag: '--refusal-status', topic: 'the status of a refused transition', values: ['409', '400'] },
  deletedCustomers: { flag: '--deleted-customers', topic: 'deleted customers', values: ['refuse', 'redact'] },
  // Free values: the milliseconds an emulator settles in, the text of a notice.
  settleMs: { flag: '--settle-ms', topic: 'redaction.status after the job', values: [] },
  youngCharges: { flag: '--young-charges', topic: 'young charges', values: ['validated', 'redacted'] },
  notice: { flag: '--notice', topic: 'notices', values: [] },
} as const satisfies Record<VariantName, { flag: string; topic: string; values: readonly string[] }>;

export interface VariantFinding {
  variant: VariantName;
  /** What Stripe did, in a sentence. */
  observed: string;
  /**
   * The value of the variant's flag that behaves the same; `''` when the emulator without the flag
   * does (no notice); `null` when none does or it was not probed.
   */
  matches: string | null;
  /** `false` when the step behind it could not be taken (or, for fix listing, a dispute not made). */
  probed: boolean;
  /**
   * Whether the client handles what Stripe did: every behaviour an emulator variant shows is tested,
   * and a few that no variant pins exactly (still `processing` after the wait) are handled too.
   * Only a probed behaviour the client cannot handle makes the selftest fail.
   */
  copes: boolean;
}

/** The documented behaviours the tool relies on (docs/stripe.md#what-the-client-may-rely-on). */
export type DocumentedName =
  | 'statuses'
  | 'validation_fails'
  | 'erroring_object'
  | 'lock_code'
  | 'cancel'
  | 'transition_refused'
  | 'fix_then_run'
  | 'id_cap'
  | 'expand_objects';

export const DOCUMENTED_TOPICS: Record<DocumentedName, string> = {
  statuses: 'job statuses',
  validation_fails: 'validation errors',
  erroring_object: 'erroring_object',
  lock_code: 'one job per object',
  cancel: 'cancel',
  transition_refused: 'allowed transitions',
  fix_then_run: 'fix, validate, run',
  id_cap: '10-id cap',
  expand_objects: 'expand[]=objects',
};

export interface DocumentedFinding {
  behaviour: DocumentedName;
  observed: string;
  /** `true` held, `false` did not, `null` not shown (the step could not be taken or proved nothing). */
  held: boolean | null;
}

export interface Findings {
  variants: VariantFinding[];
  documented: DocumentedFinding[];
  /** Every documented behaviour held, every undocumented one matched a variant, every step was taken. */
  ok: boolean;
  /** Why `ok` is false, one line each. */
  problems: string[];
}
