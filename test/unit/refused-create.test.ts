import { describe, expect, it } from 'vitest';
import { decideRefusedCreate } from '../../src/domain/refused-create.js';

const ten = Array.from({ length: 10 }, (_, i) => `cus_${i}`);

describe('decideRefusedCreate: a create refused for a lock, with no code naming the object', () => {
  it('splits a pack in halves, never reading which object Stripe meant', () => {
    expect(decideRefusedCreate({ objectIds: ten, replayedCreate: false })).toEqual({ kind: 'split', halves: [ten.slice(0, 5), ten.slice(5)] });
    expect(decideRefusedCreate({ objectIds: ['cus_a', 'cus_b', 'cus_c'], replayedCreate: false })).toEqual({
      kind: 'split',
      halves: [['cus_a', 'cus_b'], ['cus_c']],
    });
  });

  it('looks for a twin of a replayed create first, and drives the twin Stripe holds', () => {
    expect(decideRefusedCreate({ objectIds: ten, replayedCreate: true })).toEqual({ kind: 'look_for_twin' });
    expect(decideRefusedCreate({ objectIds: ten, replayedCreate: true, twin: { id: 'prj_twin' } })).toEqual({ kind: 'adopt_twin', twin: { id: 'prj_twin' } });
    expect(decideRefusedCreate({ objectIds: ten, replayedCreate: true, twin: null }).kind).toBe('split');
  });

  it('lets a lone identifier held by a job of this state wait for that job', () => {
    expect(decideRefusedCreate({ objectIds: ['pi_1'], replayedCreate: false })).toEqual({ kind: 'find_own_holder' });
    expect(decideRefusedCreate({ objectIds: ['pi_1'], replayedCreate: false, ownHolder: 7 })).toEqual({ kind: 'wait_for_own', owner: 7 });
  });

  it("reports a lone identifier no job of this state holds as another's: the listed holder, or none known", () => {
    expect(decideRefusedCreate({ objectIds: ['cus_1'], replayedCreate: false, ownHolder: null })).toEqual({ kind: 'find_listed_holder' });
    expect(decideRefusedCreate({ objectIds: ['cus_1'], replayedCreate: false, ownHolder: null, listedHolders: ['prj_a', 'prj_b'] })).toEqual({
      kind: 'held_by_other',
      holder: 'prj_a',
    });
    expect(decideRefusedCreate({ objectIds: ['cus_1'], replayedCreate: false, ownHolder: null, listedHolders: [] })).toEqual({ kind: 'held_by_other', holder: null });
  });
});
