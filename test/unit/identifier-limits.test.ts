import { describe, expect, it } from 'vitest';
import { classifyIdentifier } from '../../src/domain/identifier.js';

const reasonOf = (raw: string) => {
  const result = classifyIdentifier(raw);
  return result.kind === 'invalid' ? result.reason : undefined;
};

describe('classifyIdentifier at the limits', () => {
  it('accepts an address of exactly 254 characters with a local part of exactly 64, and refuses one more of either', () => {
    const local = 'a'.repeat(64);
    const domain = `${'b'.repeat(185)}.com`;
    expect(`${local}@${domain}`).toHaveLength(254);
    expect(classifyIdentifier(`${local}@${domain}`)).toMatchObject({ kind: 'email' });
    expect(reasonOf(`${local}@b${domain}`)).toBe('email longer than 254 characters');
    expect(reasonOf(`${local}a@example.com`)).toBe("email has more than 64 characters before '@'");
  });

  it("refuses a '.' at either end of the local part or doubled in it", () => {
    for (const raw of ['.jane@example.com', 'jane.@example.com', 'ja..ne@example.com']) {
      expect(reasonOf(raw)).toBe("email has a misplaced '.' before '@'");
    }
    expect(classifyIdentifier('ja.ne@example.com')).toMatchObject({ kind: 'email' });
  });

  it('names the prefix, never the whole value, of an id that is not redactable or holds odd characters', () => {
    expect(reasonOf('sub_1Secret')).toMatch(/^'sub_' objects cannot be redacted; redactable ids start with /);
    expect(reasonOf('sub_1Secret')).not.toContain('1Secret');
    expect(reasonOf('cus_a-b')).toBe("a Stripe id starting 'cus_' may hold only letters, digits and '_'");
  });
});
