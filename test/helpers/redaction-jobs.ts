/**
 * Follow a redaction job through the emulator's timed statuses by polling, never by sleeping a
 * fixed time: a test asserts on the status reached, and a stuck job fails with its last status.
 */
import type Stripe from 'stripe';

type RedactionJob = Stripe.Privacy.RedactionJob;

export interface WaitOptions {
  /** Give up after this long. @default 5000 (ms) */
  timeoutMs?: number;
  /** Between two retrieves. @default 10 (ms) */
  intervalMs?: number;
  /** Passed to retrieve, e.g. `['validation_errors']`. */
  expand?: string[];
}

/** Retrieve the job until its status is one of `statuses`; resolves to that retrieve. */
export async function waitForJobStatus(
  stripe: Stripe,
  jobId: string,
  statuses: string | readonly string[],
  options: WaitOptions = {},
): Promise<RedactionJob> {
  const wanted = typeof statuses === 'string' ? [statuses] : statuses;
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    const job = await stripe.privacy.redactionJobs.retrieve(jobId, options.expand ? { expand: options.expand } : {});
    if (wanted.includes(job.status)) return job;
    if (Date.now() > deadline) {
      throw new Error(`Redaction job ${jobId} is still ${job.status} after ${options.timeoutMs ?? 5000} ms; expected ${wanted.join(' or ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
}

/** The validation errors of the job's current attempt, every page. */
export async function allValidationErrors(stripe: Stripe, jobId: string): Promise<Stripe.Privacy.RedactionJobValidationError[]> {
  const errors: Stripe.Privacy.RedactionJobValidationError[] = [];
  for await (const error of stripe.privacy.redactionJobs.listValidationErrors(jobId, { limit: 100 })) errors.push(error);
  return errors;
}
