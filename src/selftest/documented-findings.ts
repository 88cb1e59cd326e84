/** Whether each behaviour Stripe documents and the tool relies on held, as a pure function of the selftest's observations. */
import { JOB_STATUSES } from '../domain/job.js';
import type { DocumentedFinding, DocumentedName } from './findings.js';
import type { Observations } from './observations.js';
import { describeErrors, describeRefusal, isLockRefusal, isRefusalStatus } from './probe-answers.js';

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
