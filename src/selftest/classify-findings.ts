import { JOB_STATUSES } from '../domain/job.js';
import type { Observations } from './observations.js';
import type { ProbeRefusal, ProbeValidationError } from './probe.js';

/**
 * What the selftest concludes, as pure functions of its observations: for each behaviour Stripe
 * does not document, which emulator variant (stripe-api.md §6) Stripe's answer matches; for each
 * behaviour it documents and the tool relies on, whether it held.
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

/** Each variant's flag and values, the emulator's default first (stripe-api.md §6). */
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

/** The documented behaviours the tool relies on (stripe-api.md §6, first paragraph). */
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

/** Judges a selftest's observations. */
export function classifyObservations(o: Observations): Findings {
  const variants = [
    unknownIds(o),
    transitionErrors(o),
    lockErrors(o),
    fixListing(o),
    expandValidationErrors(o),
    lockRefusal(o),
    refusalStatus(o),
    deletedCustomers(o),
    settleMs(o),
    youngCharges(o),
    notice(o),
  ];
  const documented = documentedFindings(o);
  const problems: string[] = [];
  for (const d of documented) {
    if (d.held === false) problems.push(`${DOCUMENTED_TOPICS[d.behaviour]} did not hold: ${d.observed}`);
  }
  for (const v of variants) {
    if (v.probed && !v.copes) problems.push(`${VARIANT_FLAGS[v.variant].topic}: Stripe matched no emulator variant the tool copes with: ${v.observed}`);
  }
  for (const f of o.stepFailures) problems.push(`step '${f.step}' failed: ${f.message}`);
  return { variants, documented, ok: problems.length === 0, problems };
}

function describeRefusal(r: ProbeRefusal): string {
  const parts = [r.status === undefined ? 'no HTTP status' : `HTTP ${r.status}`, r.code ? `code ${r.code}` : 'no code'];
  if (r.param) parts.push(`param ${r.param}`);
  return `${parts.join(', ')}: "${r.message}"`;
}

function describeErrors(errors: readonly ProbeValidationError[]): string {
  if (errors.length === 0) return 'no validation errors';
  return errors.map((e) => `${e.code}${e.erroringObject ? ` on ${e.erroringObject.objectType} ${e.erroringObject.id}` : ''}`).join('; ');
}

const notProbed = (variant: VariantName, why: string): VariantFinding => ({ variant, observed: why, matches: null, probed: false, copes: true });

/** A probed variant whose flag value `matches` (null: none), the client coping exactly when one does. */
function probed(variant: VariantName, matches: string | null, observed: string): VariantFinding {
  return { variant, observed, matches, probed: true, copes: matches !== null };
}

/** A job naming a customer id that never existed: `refuse` if refused at create naming the slot, `accept` if its validation names it. */
export function unknownIds(o: Observations): VariantFinding {
  const seen = o.unknownId;
  if (!seen) return notProbed('unknownIds', 'not probed: the step naming a missing customer could not be taken');
  if (seen.outcome.kind === 'refused') {
    const r = seen.outcome.refusal;
    const refuse = r.status === 400 && r.code === 'resource_missing' && r.param?.startsWith('objects[customers]') === true;
    return probed('unknownIds', refuse ? 'refuse' : null, `Stripe refused the job at create (${describeRefusal(r)})`);
  }
  const { finalStatus, errors } = seen.outcome;
  const named = errors.some((e) => e.erroringObject?.id === seen.missingId);
  const accept = finalStatus === 'failed' && named;
  return probed(
    'unknownIds',
    accept ? 'accept' : null,
    accept ? 'Stripe accepted the job and failed its validation with an error naming the missing customer' : `Stripe accepted the job; it ended ${finalStatus} with ${describeErrors(errors)}`,
  );
}

/** `run` on a canceled job: a refusal (400 or 409) without a code is `plain`, with `status_transition_invalid` `coded`. */
export function transitionErrors(o: Observations): VariantFinding {
  const seen = o.illegalTransition;
  if (!seen) return notProbed('transitionErrors', 'not probed: no canceled job to ask an illegal transition of');
  if (seen.answer.ok) {
    return probed('transitionErrors', null, `Stripe accepted run on a ${seen.fromStatus} job (answered ${seen.answer.value.status})`);
  }
  const r = seen.answer.refusal;
  const matches = !isRefusalStatus(r.status) ? null : r.code === undefined ? 'plain' : r.code === 'status_transition_invalid' ? 'coded' : null;
  return probed('transitionErrors', matches, `Stripe refused run on a ${seen.fromStatus} job (${describeRefusal(r)})`);
}

/** The second job's `locked_by_other_job` message: `named` if it names the holding job, `plain` if it names none. */
export function lockErrors(o: Observations): VariantFinding {
  const seen = o.lock;
  if (!seen) return notProbed('lockErrors', 'not probed: no first job to hold a lock');
  if (seen.outcome.kind === 'refused') {
    // The lock's form is `lockRefusal`'s finding; a refusal at create has no locked_by_other_job message to read.
    return notProbed('lockErrors', `not probed: the second job was refused at create, so no locked_by_other_job message came (${describeRefusal(seen.outcome.refusal)})`);
  }
  const lock = seen.outcome.errors.find((e) => e.code === 'locked_by_other_job');
  if (!lock) {
    return probed('lockErrors', null, `the second job ended ${seen.outcome.finalStatus} with ${describeErrors(seen.outcome.errors)}, no locked_by_other_job`);
  }
  const namesHolder = lock.message.includes(seen.holderJobId);
  const namesAJob = /\bprj_[A-Za-z0-9]+/.test(lock.message);
  const matches = namesHolder ? 'named' : namesAJob ? null : 'plain';
  const said = namesHolder ? 'names the locking job' : namesAJob ? 'names a job other than the locking one' : 'names no job';
  return probed('lockErrors', matches, `the second job failed with locked_by_other_job; its message ${said}: "${lock.message}"`);
}

/** A failed `fix` job with a fixable and an unfixable blocker: `keep` lists both, `drop` only the unfixable one. */
export function fixListing(o: Observations): VariantFinding {
  const seen = o.fixListing;
  if (!seen) return notProbed('fixListing', 'not probed: the step with a disputed charge could not be taken');
  if (seen.kind === 'not_probed') return notProbed('fixListing', `not probed: ${seen.reason}`);
  if (seen.finalStatus !== 'failed') {
    return probed('fixListing', null, `the fix job of a customer with an open dispute ended ${seen.finalStatus}, not failed`);
  }
  const listsFixable = seen.errors.some((e) => e.erroringObject?.id === seen.fixableId);
  const listsOther = seen.errors.some((e) => e.erroringObject?.id !== seen.fixableId);
  const errors = describeErrors(seen.errors);
  if (!listsOther) {
    return probed('fixListing', null, `the failed fix job listed no unfixable blocker (${errors})`);
  }
  return listsFixable
    ? probed('fixListing', 'keep', `the failed fix job also listed the PaymentIntent fix would cancel (${errors})`)
    : probed('fixListing', 'drop', `the failed fix job listed only what fix cannot clear (${errors})`);
}

/** `expand[]=validation_errors` on a failed job: served is `yes`, a 400 is `no`. */
export function expandValidationErrors(o: Observations): VariantFinding {
  const seen = o.expandErrors;
  if (!seen) return notProbed('expandValidationErrors', 'not probed: no failed job to retrieve');
  if (!seen.ok) {
    const matches = seen.refusal.status === 400 ? 'no' : null;
    return probed('expandValidationErrors', matches, `Stripe refused expand[]=validation_errors (${describeRefusal(seen.refusal)})`);
  }
  if (seen.value.errors === undefined) {
    return probed('expandValidationErrors', null, 'Stripe accepted expand[]=validation_errors but sent no validation_errors');
  }
  return probed('expandValidationErrors', 'yes', `Stripe served expand[]=validation_errors (${seen.value.errors.length} of the job's errors)`);
}

/** The HTTP statuses a refused transition is answered with, one per `--refusal-status` value. */
const isRefusalStatus = (status: number | undefined): boolean => status === 400 || status === 409;

/** A lock refused at create: a 400 or 409 with no code, or with `locked_by_other_job`. */
const isLockRefusal = (r: ProbeRefusal): boolean => isRefusalStatus(r.status) && (r.code === undefined || r.code === 'locked_by_other_job');

/** The second job naming a held customer: refused at create ({@link isLockRefusal}) is `create`; failed with `locked_by_other_job` is `validation`. */
export function lockRefusal(o: Observations): VariantFinding {
  const seen = o.lock;
  if (!seen) return notProbed('lockRefusal', 'not probed: no first job to hold a lock');
  if (seen.outcome.kind === 'refused') {
    const r = seen.outcome.refusal;
    const create = isLockRefusal(r);
    return probed('lockRefusal', create ? 'create' : null, `Stripe refused the second job at create (${describeRefusal(r)})`);
  }
  const locked = seen.outcome.finalStatus === 'failed' && seen.outcome.errors.some((e) => e.code === 'locked_by_other_job');
  return probed(
    'lockRefusal',
    locked ? 'validation' : null,
    locked ? 'Stripe created the second job and failed its validation with locked_by_other_job' : `the second job ended ${seen.outcome.finalStatus} with ${describeErrors(seen.outcome.errors)}`,
  );
}

/** `run` on a canceled job: the HTTP status of the refusal, 409 or 400. */
export function refusalStatus(o: Observations): VariantFinding {
  const seen = o.illegalTransition;
  if (!seen) return notProbed('refusalStatus', 'not probed: no canceled job to ask an illegal transition of');
  if (seen.answer.ok) return probed('refusalStatus', null, `Stripe accepted run on a ${seen.fromStatus} job`);
  const status = seen.answer.refusal.status;
  return probed('refusalStatus', isRefusalStatus(status) ? String(status) : null, `Stripe refused run on a ${seen.fromStatus} job with HTTP ${status ?? 'none'}`);
}

/** A job naming a customer deleted just before: `refuse` if its validation fails naming it, `redact` if it validates and runs. */
export function deletedCustomers(o: Observations): VariantFinding {
  const seen = o.deletedCustomer;
  if (!seen) return notProbed('deletedCustomers', 'not probed: the step naming a deleted customer could not be taken');
  if (seen.outcome.kind === 'refused') {
    return probed('deletedCustomers', null, `Stripe refused the job at create (${describeRefusal(seen.outcome.refusal)})`);
  }
  const { finalStatus, errors, ranStatus } = seen.outcome;
  if (finalStatus === 'failed' && errors.some((e) => e.erroringObject?.id === seen.customerId)) {
    return probed('deletedCustomers', 'refuse', `Stripe created the job and failed its validation naming the deleted customer (${describeErrors(errors)})`);
  }
  if (finalStatus === 'ready' && ranStatus === 'succeeded') {
    return probed('deletedCustomers', 'redact', 'Stripe validated the job of the deleted customer, and it ran to succeeded');
  }
  return probed('deletedCustomers', null, `the job of the deleted customer ended ${finalStatus}${ranStatus ? `, then ${ranStatus}` : ''} with ${describeErrors(errors)}`);
}

/** The statuses of `redaction.status` the client reads (stripe-node, pinned version), `deleted` for a customer's `deleted: true`. */
const KNOWN_REDACTION_STATUSES: ReadonlySet<string> = new Set(['processing', 'validated', 'redacted', 'deleted']);

/** What a read says: `deleted`, the status as sent, `no redaction field` or `null`. */
function redactionOf(read: { deleted: boolean; status: string | null | undefined }): string {
  if (read.deleted) return 'deleted';
  if (read.status === undefined) return 'no redaction field';
  return read.status ?? 'null';
}

function readsOf(o: Observations, role: 'customer_without_payments' | 'young_charge') {
  const reads = o.redactionReads;
  const read = reads?.reads.find((r) => r.role === role);
  return reads && read ? { read, waitedMs: reads.waitedMs, first: redactionOf(read.first), later: redactionOf(read.later) } : undefined;
}

/**
 * A customer without payments, read right after its job succeeded and again later: redacted
 * (deleted) at once is `--settle-ms 0`; `processing`, then redacted, an emulator settling within the
 * wait. Still `processing` later matches no value exactly but the client copes: the row stays
 * `redaction_pending` and the next run reads again.
 */
export function settleMs(o: Observations): VariantFinding {
  const seen = readsOf(o, 'customer_without_payments');
  if (!seen) return notProbed('settleMs', 'not probed: the job of a customer without payments did not run');
  const said = `a customer without payments read ${seen.first} right after its job succeeded and ${seen.later} ${seen.waitedMs} ms later`;
  const done = (status: string) => status === 'deleted' || status === 'redacted';
  if (!KNOWN_REDACTION_STATUSES.has(seen.first) || !KNOWN_REDACTION_STATUSES.has(seen.later)) {
    return { ...probed('settleMs', null, `${said}: a status the client does not know`), copes: false };
  }
  if (done(seen.first)) return probed('settleMs', '0', said);
  if (done(seen.later)) return probed('settleMs', String(seen.waitedMs), `${said} (an emulator settling within the wait)`);
  return { ...probed('settleMs', null, `${said}: an emulator with a --settle-ms above ${seen.waitedMs} behaves alike; the client reports redaction_pending and reads again`), copes: true };
}

/** A charge paid just before its job: `validated` (held while young) or redacted; still `processing` tells neither, and the client copes. */
export function youngCharges(o: Observations): VariantFinding {
  const seen = readsOf(o, 'young_charge');
  if (!seen) return notProbed('youngCharges', 'not probed: the job of a customer with a paid charge did not run');
  const said = `a charge paid just before its job read ${seen.first} right after the job and ${seen.later} ${seen.waitedMs} ms later`;
  if (!KNOWN_REDACTION_STATUSES.has(seen.first) || !KNOWN_REDACTION_STATUSES.has(seen.later)) {
    return { ...probed('youngCharges', null, `${said}: a status the client does not know`), copes: false };
  }
  if (seen.first === 'validated' || seen.later === 'validated') return probed('youngCharges', 'validated', said);
  if (seen.later === 'redacted') return probed('youngCharges', 'redacted', said);
  return { ...probed('youngCharges', null, `${said}: not shown whether Stripe holds it; the client reports redaction_pending either way`), copes: true };
}

/** `Stripe-Notice` headers: none is the emulator without `--notice`; one is `--notice TEXT`. The client logs them either way. */
export function notice(o: Observations): VariantFinding {
  const notices = o.notices;
  if (notices === undefined) return notProbed('notice', 'not probed');
  if (notices.length === 0) return probed('notice', '', 'Stripe sent no Stripe-Notice header');
  return probed('notice', notices[0]!, `Stripe sent ${notices.length} notice(s): ${notices.map((n) => `"${n}"`).join('; ')}`);
}

const DOCUMENTED_STATUSES: ReadonlySet<string> = new Set(JOB_STATUSES);

/** Whether each documented behaviour the tool relies on held in the walk (`null`: the walk could not show it). */
export function documentedFindings(o: Observations): DocumentedFinding[] {
  const found: DocumentedFinding[] = [];
  const add = (behaviour: DocumentedName, held: boolean | null, observed: string) => found.push({ behaviour, held, observed });

  const unknown = o.statusesSeen.filter((s) => !DOCUMENTED_STATUSES.has(s));
  add('statuses', unknown.length === 0, unknown.length === 0 ? `seen: ${o.statusesSeen.join(', ') || 'none'}` : `undocumented statuses: ${unknown.join(', ')}`);

  const blocked = o.blockedJob;
  if (!blocked) {
    add('validation_fails', null, 'not shown: the first job could not be made');
    add('erroring_object', null, 'not shown: the first job could not be made');
  } else {
    const blockerListed = blocked.errors.length > 0;
    add(
      'validation_fails',
      blocked.finalStatus === 'failed' && blockerListed,
      `a customer with an unconfirmed PaymentIntent: job ${blocked.finalStatus}, ${describeErrors(blocked.errors)}`,
    );
    const missingField = blocked.errors.filter((e) => e.erroringObject === undefined || !e.id || !e.code || typeof e.message !== 'string');
    const namesPi = blocked.errors.some((e) => e.erroringObject?.id === blocked.paymentIntentId);
    add(
      'erroring_object',
      blockerListed ? missingField.length === 0 && namesPi : null,
      missingField.length > 0
        ? `${missingField.length} errors lack id, code, message or erroring_object`
        : namesPi
          ? 'every error has id, code, message and erroring_object; the PaymentIntent is named'
          : 'the unconfirmed PaymentIntent is named by no erroring_object',
    );
  }

  const lock = o.lock;
  if (!lock) add('lock_code', null, 'not shown: no first job to hold a lock');
  else if (lock.outcome.kind === 'refused') {
    // One job per object holds either way; where the refusal comes is `lockRefusal`'s finding.
    add('lock_code', isLockRefusal(lock.outcome.refusal), `a second job naming the same customer was refused at create (${describeRefusal(lock.outcome.refusal)})`);
  }
  else {
    const coded = lock.outcome.finalStatus === 'failed' && lock.outcome.errors.some((e) => e.code === 'locked_by_other_job');
    add('lock_code', coded, `a second job naming the same customer: ${lock.outcome.finalStatus}, ${describeErrors(lock.outcome.errors)}`);
  }

  const cancel = o.cancel;
  if (!cancel) add('cancel', null, 'not shown: no failed job to cancel');
  else {
    const answered = cancel.answerStatus === 'canceling' || cancel.answerStatus === 'canceled';
    add(
      'cancel',
      answered && cancel.finalStatus === 'canceled',
      cancel.refusal ? `cancel from failed was refused (${describeRefusal(cancel.refusal)})` : `cancel from failed: answered ${cancel.answerStatus}, then ${cancel.finalStatus}`,
    );
  }

  const illegal = o.illegalTransition;
  if (!illegal) add('transition_refused', null, 'not shown: no canceled job');
  else {
    const refused = !illegal.answer.ok && isRefusalStatus(illegal.answer.refusal.status);
    add(
      'transition_refused',
      refused && illegal.statusAfter === illegal.fromStatus,
      `run on a ${illegal.fromStatus} job: ${illegal.answer.ok ? `accepted (${illegal.answer.value.status})` : `refused, HTTP ${illegal.answer.refusal.status ?? 'none'}`}; the job is ${illegal.statusAfter} after`,
    );
  }

  const fix = o.fixRun;
  if (!fix) add('fix_then_run', null, 'not shown: the first job did not fail');
  else {
    const steps = [`switched to fix and validated: ${fix.validatedStatus}`];
    if (fix.updateRefusal) steps.push(`refused: ${describeRefusal(fix.updateRefusal)}`);
    if (fix.ranStatus) steps.push(`run: ${fix.ranStatus}`);
    if (fix.paymentIntentStatusAfter) steps.push(`the PaymentIntent is ${fix.paymentIntentStatusAfter} after`);
    add('fix_then_run', fix.validatedStatus === 'ready' && fix.ranStatus === 'succeeded', steps.join('; '));
  }

  const cap = o.idCap;
  if (!cap) add('id_cap', null, 'not shown: the create naming eleven customers could not be sent');
  else if (cap.kind === 'accepted') add('id_cap', false, `a job naming eleven customers was accepted (${cap.jobId})`);
  else if (cap.refusal.code === 'resource_missing') add('id_cap', null, `not shown: eleven ids were refused as missing before the cap (${describeRefusal(cap.refusal)})`);
  else add('id_cap', cap.refusal.status === 400, `eleven ids refused at create (${describeRefusal(cap.refusal)})`);

  const expand = o.expandObjects;
  if (!expand) add('expand_objects', null, 'not shown: no job to retrieve');
  else if (!expand.answer.ok) add('expand_objects', false, `expand[]=objects refused (${describeRefusal(expand.answer.refusal)})`);
  else {
    const ids = expand.answer.value.objectIds;
    add('expand_objects', ids?.includes(expand.customerId) === true, ids ? `objects: ${ids.join(' ')}` : 'no objects in the answer');
  }
  return found;
}
