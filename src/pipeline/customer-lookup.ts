import { resolveIdentifiers, type PendingLookup, type ResolveContext } from './resolve-identifiers.js';

/**
 * A run's look-ups of identifiers, owning its search fallback: once the account shows it cannot
 * search (`--lookup auto`), the list filter answers for the rest of the run.
 */
export class CustomerLookup {
  readonly #searchUsable = { value: true };
  readonly #ctx: Omit<ResolveContext, 'searchUsable' | 'onLookedUp'>;

  constructor(ctx: Omit<ResolveContext, 'searchUsable' | 'onLookedUp'>) {
    this.#ctx = ctx;
  }

  /** Whether customer search is still used (false once the account refused it). */
  get searchUsable(): boolean {
    return this.#searchUsable.value;
  }

  /** Resolves a batch and records what each identifier resolved to; `onLookedUp` counts answers. */
  resolve(batch: readonly PendingLookup[], onLookedUp?: (count: number) => void): Promise<void> {
    return resolveIdentifiers(batch, { ...this.#ctx, searchUsable: this.#searchUsable, ...(onLookedUp ? { onLookedUp } : {}) });
  }
}
