/**
 * What a run remembers across its jobs: which identifiers it replaced after an outside cancel,
 * which of its jobs succeeded, and each related object's customer. One object per run, shared by
 * every driver; the job machine is told what it says as facts.
 */
export class RunMemory {
  readonly #canceledOutside = new Set<string>();
  readonly #succeeded = new Set<number>();

  /** `customerOf`: the customer a related object belongs to, looked up once per run (customer-owners.ts). */
  constructor(readonly customerOf: (id: string, objectType: string) => Promise<string | null>) {}

  /** A job of these identifiers was canceled outside stripe-redact: they are replaced once this run. */
  noteCanceledOutside(objectIds: readonly string[]): void {
    for (const id of objectIds) this.#canceledOutside.add(id);
  }

  /** Whether one of these identifiers was already replaced after an outside cancel this run. */
  replacedAfterOutsideCancel(objectIds: readonly string[]): boolean {
    return objectIds.some((id) => this.#canceledOutside.has(id));
  }

  /** Job `localId` of this state succeeded in this run. */
  noteSucceeded(localId: number): void {
    this.#succeeded.add(localId);
  }

  /**
   * Whether job `localId` succeeded in this run. A lock Stripe reported while such a job was
   * finishing was ours: the identifier goes on (once) instead of being called foreign.
   */
  succeeded(localId: number): boolean {
    return this.#succeeded.has(localId);
  }
}
