import { describe, expect, it } from 'vitest';
import { RunMemory } from '../../src/pipeline/run-memory.js';

describe('RunMemory', () => {
  it('remembers identifiers replaced after an outside cancel, jobs that succeeded, and hands out its customer lookup', async () => {
    const asked: string[] = [];
    const memory = new RunMemory(async (id, type) => {
      asked.push(`${type}:${id}`);
      return 'cus_owner';
    });
    expect(memory.replacedAfterOutsideCancel(['cus_a', 'cus_b'])).toBe(false);
    memory.noteCanceledOutside(['cus_b', 'cus_c']);
    expect(memory.replacedAfterOutsideCancel(['cus_a', 'cus_b'])).toBe(true);
    expect(memory.replacedAfterOutsideCancel(['cus_c'])).toBe(true);
    expect(memory.replacedAfterOutsideCancel(['cus_a'])).toBe(false);
    expect(memory.replacedAfterOutsideCancel([])).toBe(false);
    expect(memory.succeeded(3)).toBe(false);
    memory.noteSucceeded(3);
    expect([memory.succeeded(3), memory.succeeded(4)]).toEqual([true, false]);
    expect(await memory.customerOf('pi_1', 'payment_intent')).toBe('cus_owner');
    expect(asked).toEqual(['payment_intent:pi_1']);
  });
});
