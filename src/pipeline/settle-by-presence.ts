import type { ObjectType } from '../domain/identifier.js';
import { verdictAfterJob, type StripeReading } from '../domain/verification.js';
import type { IdentifierLedger, JobLedger, ObjectLedger } from '../state/state-store.js';
import type { Logger } from '../io/logger.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { settleDeletedCustomer } from './deleted-customer.js';

/** What settling an object by its presence needs: Stripe, and the state's objects and jobs. */
export interface PresenceContext {
  gateway: StripeGateway;
  store: ObjectLedger &
    Partial<Pick<IdentifierLedger, 'addRelatedObjects'>> &
    Pick<JobLedger, 'succeededJobHolding' | 'linkObjectToJob' | 'stripeIdOf'> &
    Partial<Pick<JobLedger, 'liveJobHolding'>>;
  /** The customer a related object belongs to; the gateway's lookup unless the run remembers them. */
  customerOf?: (id: string, objectType: string) => Promise<string | null>;
  /**
   * Queues jobs for objects. Present in runs that write to Stripe: a customer deleted before any job
   * of this state is then redacted through its payments and sessions. Absent (a plan run), such a
   * customer is left for a redact run to put in a job.
   */
  spawn?: (objectIds: string[]) => void;
  logger?: Logger;
}

/**
 * Asks Stripe whether an object exists and settles it in the state when it does not need a job:
 * - `not_found` when Stripe has no such object;
 * - when Stripe holds it redacted — or, for a kind other than customers, deleted — `redacted` with
 *   the job if a job of this state that succeeded redacted its customer (the cascade took it), else
 *   `already_redacted`: redacted before this tool acted;
 * - in a redaction still `processing` or `validated` that a job of this state's cascade started:
 *   `redaction_pending`, for verification to follow;
 * - a customer that reads `deleted: true` is not redacted for that (a `DELETE /v1/customers/:id`
 *   leaves its payments' data in place): unless a job of this state redacted it, its payments and
 *   sessions are redacted in jobs of their own (deleted-customer.ts).
 * Returns whether it was settled (`false`: it is there, waiting to be redacted). Every read is
 * recorded as Stripe stated it.
 */
export async function settleByPresence(id: string, type: ObjectType, ctx: PresenceContext): Promise<boolean> {
  const reading = await ctx.gateway.readObject(id, type, 'lookup');
  switch (reading.stated) {
    case 'missing':
      ctx.store.setObjectStatus([id], { status: 'not_found', jobLocalId: null, reasons: [{ code: 'no_such_object' }] });
      ctx.store.recordReading(id, reading);
      return true;
    case 'deleted':
      if (type === 'customer') return settleDeletedCustomerRead(id, reading, ctx);
      return settleRedactedRead(id, type, reading, ctx);
    case 'redacted':
      return settleRedactedRead(id, type, reading, ctx);
    case 'processing':
    case 'validated': {
      // In a redaction already: if our own cascade started it, only Stripe's proof is missing.
      const owner = await redactedByOwnJob(id, type, ctx);
      if (owner === undefined) return false;
      settleAsCascade(id, owner, reading, false, ctx);
      return true;
    }
    case 'none':
    case 'no_field':
    case 'unknown':
      return false;
  }
}

/** A customer reading `deleted: true`: redacted by a job of this state, or deleted before and redacted through its objects. */
async function settleDeletedCustomerRead(id: string, reading: StripeReading, ctx: PresenceContext): Promise<boolean> {
  const own = ctx.store.succeededJobHolding(id);
  if (own !== undefined) {
    ctx.store.setObjectStatus([id], { status: 'redaction_pending', jobLocalId: own, deferredOn: null, errorCodes: [], blockers: [] });
    ctx.store.recordReading(id, reading, { verified: verdictAfterJob('customer', reading).kind === 'redacted' });
    return true;
  }
  // A plan run sends no job: the redact run puts the customer in one first, as any other.
  const { store, spawn } = ctx;
  if (!spawn || !canAddRelatedObjects(store)) return false;
  await settleDeletedCustomer(id, reading, { gateway: ctx.gateway, store, spawn, ...(ctx.logger ? { logger: ctx.logger } : {}) });
  return true;
}

function canAddRelatedObjects(store: PresenceContext['store']): store is PresenceContext['store'] & Pick<IdentifierLedger, 'addRelatedObjects'> {
  return typeof store.addRelatedObjects === 'function';
}

/** Stripe holds the object redacted: by this state's cascade, or before this tool acted. */
async function settleRedactedRead(id: string, type: ObjectType, reading: StripeReading, ctx: PresenceContext): Promise<boolean> {
  const owner = type === 'customer' ? undefined : await redactedByOwnJob(id, type, ctx);
  if (owner !== undefined) {
    settleAsCascade(id, owner, reading, true, ctx);
  } else {
    ctx.store.setObjectStatus([id], { status: 'already_redacted', jobLocalId: null, reasons: [{ code: 'already_redacted' }] });
    ctx.store.recordReading(id, reading);
  }
  return true;
}

/** The object went with the cascade of this state's job `owner`: redacted once Stripe shows it so. */
function settleAsCascade(id: string, owner: number, reading: StripeReading, verified: boolean, ctx: PresenceContext): void {
  ctx.store.linkObjectToJob(id, owner);
  // What blocked it before (a lock by the job that took it) blocks it no more.
  ctx.store.setObjectStatus([id], {
    status: 'redaction_pending',
    jobLocalId: owner,
    deferredOn: null,
    errorCodes: [],
    blockers: [],
    reasons: [{ code: 'redacted_by_cascade', job: ctx.store.stripeIdOf(owner) as string }],
  });
  ctx.store.recordReading(id, reading, { verified });
}

/**
 * An object that waited for job `owner` of this state, which succeeded: whether that job's cascade
 * took it, as Stripe states it now (redacted, or in a redaction still `processing`/`validated`).
 * Settled then (`redacted` with Stripe's proof, or `redaction_pending`); otherwise it needs a job
 * of its own. A read that fails says nothing: the object gets its own job, which settles it.
 */
export async function settleAfterOwnCascade(id: string, type: ObjectType, owner: number, ctx: PresenceContext): Promise<boolean> {
  const reading = await ctx.gateway.readObject(id, type, 'verify').catch(() => undefined);
  if (reading === undefined) return false;
  switch (reading.stated) {
    case 'redacted':
    case 'deleted':
    case 'processing':
    case 'validated':
      settleAsCascade(id, owner, reading, verdictAfterJob(type, reading).kind === 'redacted', ctx);
      return true;
    case 'missing':
    case 'none':
    case 'no_field':
    case 'unknown':
      return false;
  }
}

/** The local id of this state's succeeded job that holds the customer a redacted object belongs to. */
async function redactedByOwnJob(id: string, type: ObjectType, ctx: PresenceContext): Promise<number | undefined> {
  const customerOf = ctx.customerOf ?? ((objectId: string, objectType: string) => ctx.gateway.customerOf(objectId, objectType));
  const customer = await customerOf(id, type).catch(() => null);
  return customer ? ctx.store.succeededJobHolding(customer) : undefined;
}
