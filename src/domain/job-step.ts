import type { JobStatus, ValidationBehavior } from './job.js';

/** What the driver knows when Stripe reports a job settled (or still working). */
export interface JobFacts {
  /** The job's status, as Stripe reported it. */
  status: JobStatus;
  /** The job's validation behaviour, as Stripe reported it. */
  behavior: ValidationBehavior;
  /**
   * Whether the job's latest validation started, as this run saw Stripe confirm, after its last
   * change of behaviour: only then are its validation errors this behaviour's answer.
   */
  fresh: boolean;
  /** Validations this run already sent for the job. */
  validations: number;
  /** `validate` stops at ready/failed and cancels; `redact` runs ready jobs. */
  mode: 'validate' | 'redact';
  /** What this run may do about blockers. */
  runBehavior: ValidationBehavior;
  /** Whether an identifier of the job was already replaced once this run after an outside cancel. */
  replacedBefore: boolean;
}

/** The driver's next step for a job: a closed union it carries out with an exhaustive switch. */
export type JobStep =
  /** Stripe is still working: wait for the job to settle. */
  | { kind: 'wait' }
  /** Ready, clean or with fixes known: run it (irreversible). */
  | { kind: 'run' }
  /** Ready in validate mode: report it ready, then cancel it. */
  | { kind: 'report_ready_and_cancel' }
  /** Ready under fix in a run not allowed to fix: cancel, and put its identifiers in a job of this run's behaviour. */
  | { kind: 'cancel_and_repack' }
  /** Failed, but the errors on record are not this run's answer: validate again (switching back to `error` first if the run may not fix). */
  | { kind: 'revalidate'; switchTo?: ValidationBehavior }
  /** Failed with errors this run saw come: decide on them (decideAfterFailedValidation). */
  | { kind: 'settle_failure' }
  /** Failed again and again in this run: stop trying; the next run starts over. */
  | { kind: 'give_up' }
  /** Succeeded: its identifiers are redacted, with the fixes on record. */
  | { kind: 'settle_redacted' }
  /** Canceled by someone else: its identifiers go into a new job, once per run. */
  | { kind: 'replace_canceled' }
  /** Canceled from outside again: leave its identifiers for the next run. */
  | { kind: 'leave_canceled' };

/** Validations of one job in one run before the run gives up on it (each needs Stripe to fail it again). */
export const MAX_VALIDATIONS_PER_RUN = 4;

/**
 * The job's life as one decision: given what the state and Stripe say of a job, its next step.
 * Pure; the pipeline carries steps out and records what Stripe confirms.
 */
export function nextJobStep(facts: JobFacts): JobStep {
  switch (facts.status) {
    case 'created':
    case 'validating':
    case 'redacting':
    case 'canceling':
      return { kind: 'wait' };
    case 'ready':
      if (facts.mode === 'validate') return { kind: 'report_ready_and_cancel' };
      if (facts.behavior === 'fix' && facts.runBehavior !== 'fix') return { kind: 'cancel_and_repack' };
      return { kind: 'run' };
    case 'failed':
      if (facts.fresh) return { kind: 'settle_failure' };
      if (facts.validations >= MAX_VALIDATIONS_PER_RUN) return { kind: 'give_up' };
      return facts.behavior === 'fix' && facts.runBehavior !== 'fix' ? { kind: 'revalidate', switchTo: 'error' } : { kind: 'revalidate' };
    case 'succeeded':
      return { kind: 'settle_redacted' };
    case 'canceled':
      return facts.replacedBefore ? { kind: 'leave_canceled' } : { kind: 'replace_canceled' };
  }
}

/** Whether a job in `status` refuses `action` because it is past it, rather than for another reason. */
export function isRefusedBecauseMovedOn(action: 'validate' | 'run' | 'cancel' | 'update', status: JobStatus): boolean {
  switch (action) {
    case 'update':
      // Stripe: a job can be updated "without running or canceling" it; once it redacts or ends, it cannot.
      return status === 'redacting' || status === 'succeeded' || status === 'canceling' || status === 'canceled';
    case 'validate':
      return status !== 'failed';
    case 'run':
      return status !== 'ready';
    case 'cancel':
      return status !== 'ready' && status !== 'failed';
  }
}
