import { describe, expect, it } from 'vitest';
import { cascadeOf, type GraphNode, type ObjectGraph } from '../../src/emulator/redaction/object-graph.js';
import { blockerOf, isFixable, validateJob, type ObjectRef } from '../../src/emulator/redaction/validate-job.js';

function node(id: string, objectType: string, status: string | null = null, children: string[] = [], openDisputeId: string | null = null): GraphNode {
  return { id, objectType, status, children, openDisputeId };
}

function graphOf(...nodes: GraphNode[]): ObjectGraph {
  return new Map(nodes.map((n) => [n.id, n]));
}

const customer: ObjectRef = { id: 'cus_1', object_type: 'customer' };

describe('blockerOf: the rule table of docs/stripe.md#what-fix-does', () => {
  it.each([
    ['payment_intent', 'requires_payment_method', 'invalid_state', 'cancel_payment_intent'],
    ['payment_intent', 'requires_confirmation', 'invalid_state', 'cancel_payment_intent'],
    ['payment_intent', 'requires_action', 'invalid_state', 'cancel_payment_intent'],
    ['payment_intent', 'requires_capture', 'invalid_state', 'cancel_payment_intent'],
    ['payment_intent', 'processing', 'invalid_state', 'cancel_payment_intent'],
    ['setup_intent', 'requires_payment_method', 'invalid_state', 'cancel_setup_intent'],
    ['setup_intent', 'requires_confirmation', 'invalid_state', 'cancel_setup_intent'],
    ['subscription', 'active', 'invalid_cascading_source', 'cancel_subscription'],
    ['subscription', 'trialing', 'invalid_cascading_source', 'cancel_subscription'],
    ['subscription', 'past_due', 'invalid_cascading_source', 'cancel_subscription'],
    ['subscription', 'unpaid', 'invalid_cascading_source', 'cancel_subscription'],
    ['subscription', 'incomplete', 'invalid_cascading_source', 'cancel_subscription'],
    ['subscription', 'paused', 'invalid_cascading_source', 'cancel_subscription'],
    ['invoice', 'draft', 'invalid_state', 'delete_invoice'],
    ['invoice', 'open', 'invalid_state', 'void_invoice'],
    ['checkout.session', 'open', 'invalid_state', 'expire_checkout_session'],
  ])('%s %s → %s, fixed by %s', (type, status, code, fix) => {
    expect(blockerOf(node('x_1', type, status))).toMatchObject({ code, fix });
  });

  it.each([
    ['payment_intent', 'succeeded'],
    ['payment_intent', 'canceled'],
    ['setup_intent', 'succeeded'],
    ['setup_intent', 'canceled'],
    ['subscription', 'canceled'],
    ['subscription', 'incomplete_expired'],
    ['invoice', 'paid'],
    ['invoice', 'void'],
    ['invoice', 'uncollectible'],
    ['checkout.session', 'complete'],
    ['checkout.session', 'expired'],
    ['charge', 'succeeded'],
    ['customer', null],
    ['payment_method', null],
  ])('%s %s does not block', (type, status) => {
    expect(blockerOf(node('x_1', type, status))).toBeNull();
  });

  it('blocks a charge with an open dispute, with no fix', () => {
    const blocker = blockerOf(node('ch_1', 'charge', 'succeeded', [], 'dp_1'));
    expect(blocker).toMatchObject({ code: 'invalid_state', fix: null });
    expect(blocker?.message).toContain('dp_1');
  });

  it('words the PaymentIntent message as Stripe does', () => {
    expect(blockerOf(node('pi_1', 'payment_intent', 'requires_confirmation'))?.message).toBe(
      'PaymentIntent pi_1 is not finalized. Confirm or cancel the PaymentIntent.',
    );
  });
});

describe('cascadeOf', () => {
  it('reaches each object once, the root first, breadth first', () => {
    const graph = graphOf(
      node('cus_1', 'customer', null, ['pi_1', 'ch_1', 'sub_1']),
      node('pi_1', 'payment_intent', 'succeeded', ['ch_1']),
      node('ch_1', 'charge', 'succeeded'),
      node('sub_1', 'subscription', 'active', ['in_1']),
      node('in_1', 'invoice', 'paid'),
    );
    expect(cascadeOf(graph, 'cus_1', 'customer').map((n) => n.id)).toEqual(['cus_1', 'pi_1', 'ch_1', 'sub_1', 'in_1']);
  });

  it('treats an unmodelled root as a cascade of itself', () => {
    expect(cascadeOf(new Map(), 'vs_1', 'identity.verification_session')).toEqual([
      { id: 'vs_1', objectType: 'identity.verification_session', status: null, openDisputeId: null, children: [] },
    ]);
  });
});

describe('validateJob', () => {
  const base = { lockHolders: [], maxJobObjects: 100, lockErrors: 'named' } as const;

  it('finds nothing for a customer whose objects are all final', () => {
    const graph = graphOf(node('cus_1', 'customer', null, ['pi_1']), node('pi_1', 'payment_intent', 'succeeded'));
    expect(validateJob({ ...base, roots: [customer], graph })).toEqual([]);
  });

  it('names the blocking object, and no root: Stripe has no such field', () => {
    const graph = graphOf(node('cus_1', 'customer', null, ['pi_1']), node('pi_1', 'payment_intent', 'requires_payment_method'));
    expect(validateJob({ ...base, roots: [customer], graph })).toEqual([
      {
        code: 'invalid_state',
        message: 'PaymentIntent pi_1 is not finalized. Confirm or cancel the PaymentIntent.',
        erroringObject: { id: 'pi_1', object_type: 'payment_intent' },
        fix: 'cancel_payment_intent',
      },
    ]);
  });

  it('reports an object reached from two roots once', () => {
    const graph = graphOf(node('cus_1', 'customer', null, ['pi_1']), node('pi_1', 'payment_intent', 'requires_confirmation'));
    const pi: ObjectRef = { id: 'pi_1', object_type: 'payment_intent' };
    const findings = validateJob({ ...base, roots: [customer, pi], graph });
    expect(findings.map((f) => f.erroringObject?.id)).toEqual(['pi_1']);
  });

  it('fails a missing root with invalid_state naming it, without walking its cascade', () => {
    const graph = graphOf(node('cus_1', 'customer', null, ['pi_1']), node('pi_1', 'payment_intent', 'requires_confirmation'));
    const findings = validateJob({ ...base, roots: [customer], graph, missingRoots: new Set(['cus_1']) });
    expect(findings).toEqual([
      { code: 'invalid_state', message: "No such customer: 'cus_1'. It does not exist, was deleted or is already redacted.", erroringObject: customer, fix: null },
    ]);
  });

  it("words a plain lock with Stripe's documented text, naming no job", () => {
    const graph = graphOf(node('cus_1', 'customer', null, ['pi_1']), node('pi_1', 'payment_intent', 'succeeded'));
    const lockHolders = [{ jobId: 'prj_old', status: 'ready', objectIds: new Set(['pi_1']) }];
    const findings = validateJob({ ...base, lockErrors: 'plain', roots: [customer], graph, lockHolders });
    expect(findings).toEqual([
      { code: 'locked_by_other_job', message: 'This object is being processed by another active job.', erroringObject: { id: 'pi_1', object_type: 'payment_intent' }, fix: null },
    ]);
  });

  it('reports a lock by an older live job, naming that job, with no fix', () => {
    const graph = graphOf(node('cus_1', 'customer', null, ['pi_1']), node('pi_1', 'payment_intent', 'succeeded'));
    const findings = validateJob({
      ...base,
      roots: [customer],
      graph,
      lockHolders: [{ jobId: 'prj_old', status: 'ready', objectIds: new Set(['pi_1']) }],
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'locked_by_other_job', erroringObject: { id: 'pi_1' }, fix: null });
    expect(findings[0]!.message).toContain('prj_old');
    expect(isFixable(findings)).toBe(false);
  });

  it('fails a root whose cascade alone exceeds the cap, naming that root', () => {
    const graph = graphOf(node('cus_1', 'customer', null, ['pi_1', 'pi_2']), node('pi_1', 'payment_intent', 'succeeded'), node('pi_2', 'payment_intent', 'succeeded'));
    const findings = validateJob({ ...base, maxJobObjects: 2, roots: [customer], graph });
    expect(findings).toEqual([expect.objectContaining({ code: 'too_many_objects', erroringObject: customer, fix: null })]);
  });

  it('fails the job as a whole when only the union of the roots exceeds the cap', () => {
    const graph = graphOf(node('cus_1', 'customer'), node('cus_2', 'customer'), node('cus_3', 'customer'));
    const roots = ['cus_1', 'cus_2', 'cus_3'].map((id) => ({ id, object_type: 'customer' }));
    const findings = validateJob({ ...base, maxJobObjects: 2, roots, graph });
    expect(findings).toEqual([expect.objectContaining({ code: 'too_many_objects', erroringObject: null })]);
  });

  it('is fixable only when every finding has a fix', () => {
    const graph = graphOf(
      node('cus_1', 'customer', null, ['pi_1', 'ch_1']),
      node('pi_1', 'payment_intent', 'requires_capture'),
      node('ch_1', 'charge', 'succeeded', [], 'dp_1'),
    );
    const findings = validateJob({ ...base, roots: [customer], graph });
    expect(findings.map((f) => f.code)).toEqual(['invalid_state', 'invalid_state']);
    expect(isFixable(findings)).toBe(false);
    expect(isFixable(findings.filter((f) => f.fix !== null))).toBe(true);
  });
});
