import { describe, expect, it } from 'vitest';
import { blockerOf } from '../../src/domain/blocker.js';

describe('blockerOf', () => {
  it("keeps a lock's holder as the whole job id its message names, and reads no holder into other codes", () => {
    const lock = { id: 'prjve_1', code: 'locked_by_other_job', message: 'Locked by prj_1AbC9z, try later.', erroringObject: null };
    expect(blockerOf(lock, 'untried')).toEqual({ code: 'locked_by_other_job', message: lock.message, erroringObject: null, underFix: 'untried', heldBy: 'prj_1AbC9z' });
    const other = { ...lock, code: 'invalid_state', message: 'Blocked while prj_1AbC9z runs.' };
    expect(blockerOf(other, 'listed_under_fix')).toEqual({ code: 'invalid_state', message: other.message, erroringObject: null, underFix: 'listed_under_fix' });
  });
});
