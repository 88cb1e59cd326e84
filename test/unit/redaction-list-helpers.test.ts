import { describe, expect, it } from 'vitest';
import { paginate } from '../../src/emulator/resources/list-helpers.js';

const items = ['e', 'd', 'c', 'b', 'a'].map((id) => ({ id }));
const page = (query: Record<string, string>) => paginate(items, query, '/v1/things');

describe('paginate (Stripe list envelope)', () => {
  it('returns the first page with has_more and the url', () => {
    expect(page({ limit: '2' })).toEqual({ object: 'list', data: [{ id: 'e' }, { id: 'd' }], has_more: true, url: '/v1/things' });
  });

  it('defaults to 10 and reports the last page', () => {
    expect(page({})).toMatchObject({ data: items, has_more: false });
  });

  it('walks forward with starting_after and back with ending_before', () => {
    expect(page({ limit: '2', starting_after: 'd' })).toMatchObject({ data: [{ id: 'c' }, { id: 'b' }], has_more: true });
    expect(page({ limit: '2', starting_after: 'b' })).toMatchObject({ data: [{ id: 'a' }], has_more: false });
    expect(page({ limit: '2', ending_before: 'b' })).toMatchObject({ data: [{ id: 'd' }, { id: 'c' }], has_more: true });
    expect(page({ limit: '2', ending_before: 'c' })).toMatchObject({ data: [{ id: 'e' }, { id: 'd' }], has_more: false });
  });

  it.each(['0', '101', 'ten', '1.5'])('refuses limit=%s', (limit) => {
    expect(() => page({ limit })).toThrow(expect.objectContaining({ status: 400, param: 'limit' }));
  });

  it('refuses an unknown cursor and both cursors at once', () => {
    expect(() => page({ starting_after: 'zz' })).toThrow(expect.objectContaining({ code: 'resource_missing', param: 'starting_after' }));
    expect(() => page({ starting_after: 'a', ending_before: 'b' })).toThrow(expect.objectContaining({ status: 400 }));
  });
});
