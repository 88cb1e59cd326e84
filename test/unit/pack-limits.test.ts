import { describe, expect, it } from 'vitest';
import { buildEmailSearchQuery } from '../../src/domain/email-search-query.js';
import type { JobObjects } from '../../src/domain/job.js';
import { JobPacker, chunk, slotOf, toJobObjects } from '../../src/domain/pack.js';

describe('packing at the limits', () => {
  it('packs one id a job when asked to, and ten ids into one job', () => {
    const single = new JobPacker(1);
    expect(single.add('cus_a')).toEqual(['cus_a']);
    expect(single.flush()).toBeUndefined();
    const ten = Array.from({ length: 10 }, (_, i) => `cus_${i}`);
    expect(toJobObjects(ten)).toEqual({ customers: ten });
  });

  it('chunks a list that divides evenly without an empty chunk at the end', () => {
    expect(chunk([1, 2, 3, 4], 2)).toEqual([[1, 2], [3, 4]]);
    expect(chunk([], 3)).toEqual([]);
  });

  it('finds a slot only for a whole param naming a kind the job holds, two-digit indexes included', () => {
    const objects: JobObjects = { customers: Array.from({ length: 12 }, (_, i) => `cus_${i}`) };
    expect(slotOf(objects, 'objects[customers][11]')).toBe('cus_11');
    expect(slotOf(objects, 'objects[customers][1]x')).toBeUndefined();
    expect(slotOf(objects, 'x[objects[customers][1]')).toBeUndefined();
    expect(slotOf(objects, 'objects[charges][0]')).toBeUndefined();
  });

  it('refuses an empty email in a search query, saying so', () => {
    expect(() => buildEmailSearchQuery(['a@example.com', ''])).toThrow('Expected non-empty emails for a search query, got an empty one');
  });
});
