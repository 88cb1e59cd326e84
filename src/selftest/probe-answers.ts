/** Stripe's answers to the selftest's probes, in words and by kind: what a finding says and checks. */
import type { ProbeRefusal, ProbeValidationError } from './probe.js';

export function describeRefusal(r: ProbeRefusal): string {
  const parts = [r.status === undefined ? 'no HTTP status' : `HTTP ${r.status}`, r.code ? `code ${r.code}` : 'no code'];
  if (r.param) parts.push(`param ${r.param}`);
  return `${parts.join(', ')}: "${r.message}"`;
}

export function describeErrors(errors: readonly ProbeValidationError[]): string {
  if (errors.length === 0) return 'no validation errors';
  return errors.map((e) => `${e.code}${e.erroringObject ? ` on ${e.erroringObject.objectType} ${e.erroringObject.id}` : ''}`).join('; ');
}

/** The HTTP statuses a refused transition is answered with, one per `--refusal-status` value. */
export const isRefusalStatus = (status: number | undefined): boolean => status === 400 || status === 409;

/** A lock refused at create: a 400 or 409 with no code, or with `locked_by_other_job`. */
export const isLockRefusal = (r: ProbeRefusal): boolean => isRefusalStatus(r.status) && (r.code === undefined || r.code === 'locked_by_other_job');
