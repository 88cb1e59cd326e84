import { describe, expect, it } from 'vitest';
import { JobPacker, chunk, slotOf, toJobObjects } from '../../src/domain/pack.js';

describe('packing', () => {
  it('cuts 25 ids into jobs of 10, 10 and 5, each id once', () => {
    const packer = new JobPacker();
    const ids = Array.from({ length: 25 }, (_, i) => `cus_${i}`);
    const jobs = ids.map((id) => packer.add(id)).filter((b): b is string[] => b !== undefined);
    const last = packer.flush();
    if (last) jobs.push(last);
    expect(jobs.map((j) => j.length)).toEqual([10, 10, 5]);
    expect(jobs.flat()).toEqual(ids);
    expect(packer.flush()).toBeUndefined();
  });

  it('takes an id offered twice into the open batch once', () => {
    const packer = new JobPacker(3);
    expect(packer.add('cus_a')).toBeUndefined();
    expect(packer.add('cus_a')).toBeUndefined();
    expect(packer.add('cus_b')).toBeUndefined();
    expect(packer.add('cus_c')).toEqual(['cus_a', 'cus_b', 'cus_c']);
  });

  it('refuses a job size Stripe does not allow', () => {
    expect(() => new JobPacker(11)).toThrow(/maxPerJob/);
    expect(() => new JobPacker(0)).toThrow(/maxPerJob/);
  });

  it('builds the objects hash by kind and finds the id Stripe blamed by its slot', () => {
    const objects = toJobObjects(['cus_a', 'pi_b', 'cus_c', 'cs_test_d', 'ich_e', 'ic_f']);
    expect(objects).toEqual({
      customers: ['cus_a', 'cus_c'],
      payment_intents: ['pi_b'],
      checkout_sessions: ['cs_test_d'],
      issuing_cardholders: ['ich_e'],
      issuing_cards: ['ic_f'],
    });
    expect(slotOf(objects, 'objects[customers][1]')).toBe('cus_c');
    expect(slotOf(objects, 'objects[customers][7]')).toBeUndefined();
    expect(slotOf(objects, 'objects')).toBeUndefined();
  });

  it('refuses more than 10 ids or an id of no redactable kind', () => {
    expect(() => toJobObjects(Array.from({ length: 11 }, (_, i) => `cus_${i}`))).toThrow(/at most 10/);
    expect(() => toJobObjects(['sub_1'])).toThrow(/Not a redactable/);
  });

  it('chunks in order', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
