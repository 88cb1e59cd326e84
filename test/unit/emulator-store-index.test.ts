/** The store's secondary indexes and insert listeners, on a bare collection. */
import { describe, expect, it } from 'vitest';
import { EmulatorStore, type StoredObject } from '../../src/emulator/store.js';

interface Item extends StoredObject {
  tags: string[];
}

function item(id: string, tags: string[]): Item {
  return { id, object: 'item', created: 0, livemode: false, tags };
}

describe('Collection indexes', () => {
  it('file existing and new items, follow reindex and delete, and return hits oldest first', () => {
    const items = new EmulatorStore().collection<Item>('items');
    const a = items.insert(item('a', ['x']));
    items.insert(item('b', ['x', 'y']));
    items.defineIndex('tags', (i) => i.tags);
    items.insert(item('c', ['y', 'y']));
    const ids = (keys: string[]) => items.lookup('tags', keys).map((i) => i.id);

    expect(ids(['x'])).toEqual(['a', 'b']);
    expect(ids(['y', 'x'])).toEqual(['a', 'b', 'c']);
    a.tags = ['y'];
    expect(ids(['x'])).toEqual(['a', 'b']); // not yet told
    items.reindex(a);
    expect(ids(['x'])).toEqual(['b']);
    expect(ids(['y'])).toEqual(['a', 'b', 'c']);
    items.delete('b');
    expect(ids(['x', 'y'])).toEqual(['a', 'c']);
    a.tags = [];
    items.reindex(a);
    expect(ids(['x', 'y'])).toEqual(['c']);
    // Defining the same name again keeps the first definition.
    items.defineIndex('tags', () => ['z']);
    expect(ids(['z'])).toEqual([]);
    expect(() => items.lookup('missing', ['x'])).toThrow(/No index `missing`/);
  });

  it('tells insert listeners about new ids only', () => {
    const items = new EmulatorStore().collection<Item>('items');
    const seen: string[] = [];
    items.onInsert((i) => seen.push(i.id));
    items.insert(item('a', []));
    items.insert(item('a', ['again']));
    items.insert(item('b', []));
    expect(seen).toEqual(['a', 'b']);
  });
});
