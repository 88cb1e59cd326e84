import { describe, expect, it } from 'vitest';
import { ResourceStack } from '../../src/cli/run-resources.js';

describe('ResourceStack', () => {
  it('closes last opened first, each once, even when a closer throws', async () => {
    const closed: string[] = [];
    const stack = new ResourceStack();
    stack.use('logger', (name) => void closed.push(name));
    stack.use('budget', () => {
      closed.push('budget');
      throw new Error('closing failed');
    });
    const state = stack.use({ name: 'state' }, async (s) => void closed.push(s.name));
    expect(state).toEqual({ name: 'state' });
    await stack.close();
    await stack.close();
    expect(closed).toEqual(['state', 'budget', 'logger']);
  });
});
