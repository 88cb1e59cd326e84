/** Walking Stripe's cursor-paginated lists. */

/** The page size asked for: Stripe's largest. */
export const PAGE_LIMIT = 100;

/** Every item of a cursor-paginated Stripe list, one budgeted request a page. */
export async function everyPage<T extends { id: string }>(
  fetchPage: (startingAfter: string | undefined) => Promise<{ data: T[]; has_more: boolean }>,
): Promise<T[]> {
  const items: T[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await fetchPage(startingAfter);
    items.push(...page.data);
    const last = page.data.at(-1);
    if (!page.has_more || !last) return items;
    startingAfter = last.id;
  }
}

/** The `starting_after` parameter, when there is a cursor. */
export function cursor(startingAfter: string | undefined): { starting_after?: string } {
  return startingAfter ? { starting_after: startingAfter } : {};
}
