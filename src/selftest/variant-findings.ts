/**
 * For each behaviour Stripe does not document, which emulator variant (docs/stripe.md#emulator-variants)
 * Stripe's answer matches, as a pure function of the selftest's observations.
 */
import type { VariantFinding, VariantName } from './findings.js';
import type { Observations } from './observations.js';
import { describeErrors, describeRefusal, isLockRefusal, isRefusalStatus } from './probe-answers.js';

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
