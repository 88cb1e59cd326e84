import { addressesInCell, classifyIdentifier } from '../domain/identifier.js';
import { JobPacker } from '../domain/pack.js';
import type { RunMode } from '../domain/row-status.js';
import type { RequestRow } from '../input/request-reader.js';
import type { StateStore } from '../state/state-store.js';
import type { CustomerLookup } from './customer-lookup.js';
import type { PendingLookup } from './resolve-identifiers.js';

/** Rows noted in the state per transaction. */
const NOTE_CHUNK_ROWS = 500;

export interface IntakeOptions {
  store: Pick<StateStore, 'transaction' | 'cellKey' | 'emailKey' | 'noteInvalidCell' | 'keyOf' | 'noteIdentifier' | 'objectsNeedingJobOf'>;
  runId: string;
  mode: RunMode;
  guests: boolean;
  lookup: Pick<CustomerLookup, 'resolve'>;
  /** Identifiers resolved together before their jobs are packed. */
  batchSize: number;
  /** Queues a job for a full pack. */
  submit(objectIds: string[]): void;
  /** Back-pressure: resolves when the run may read on (few jobs wait for a slot). */
  waitForRoom(): Promise<void>;
  /** Told when identifiers were queued for a look-up (`queued`) or answered (`done`). */
  onLookups?(change: { queued?: number; done?: number }): void;
  /** Told when every row up to `row` is noted in the state. */
  onNoted?(row: number): void;
  /** Told when reading waits on Stripe or on room for jobs (`true`), and when it goes on (`false`). */
  onWaiting?(waiting: boolean): void;
}

/**
 * The requests as they come in: each row noted in the state (a chunk of rows per transaction: a
 * million rows must not cost a million commits), identifiers needing a look-up batched and
 * resolved, their objects packed into jobs — and reading held back while enough jobs wait.
 */
export class RequestIntake {
  readonly #options: IntakeOptions;
  readonly #packer = new JobPacker();
  #rows: RequestRow[] = [];
  #batch: PendingLookup[] = [];

  constructor(options: IntakeOptions) {
    this.#options = options;
  }

  /** Notes one row; resolves and packs a batch once it is full (then waits for room). */
  async take(row: RequestRow): Promise<void> {
    this.#rows.push(row);
    if (this.#rows.length >= NOTE_CHUNK_ROWS) this.noteRows();
    if (this.#batch.length >= this.#options.batchSize) await this.resolveBatch();
  }

  /** Notes the rows taken so far in one transaction. */
  noteRows(): void {
    const rows = this.#rows;
    this.#rows = [];
    const { store, runId, guests } = this.#options;
    store.transaction(() => {
      for (const { identifier: cell, row, notARequest } of rows) {
        if (notARequest !== undefined) continue;
        const classified = classifyIdentifier(cell);
        if (classified.kind === 'invalid') {
          // Kept by keyed digest only, so that `show` can tell what became of the row.
          const keys = [
            { key: store.cellKey(cell), via: 'cell' as const },
            ...addressesInCell(cell).map((address) => ({ key: store.emailKey(address), via: 'address_in_cell' as const })),
          ];
          if (cell.trim() !== '') store.noteInvalidCell(keys, runId, row, classified.reason);
          continue;
        }
        const key = store.keyOf(classified);
        const seen = store.noteIdentifier(key, classified.type, runId, { guests, row });
        if (seen.first && seen.needsLookup) this.#batch.push({ key, classified });
      }
    });
    const last = rows.at(-1);
    if (last !== undefined) this.#options.onNoted?.(last.row);
  }

  /** Whether identifiers still wait for a look-up. */
  get hasPending(): boolean {
    return this.#batch.length > 0;
  }

  /** Resolves the identifiers batched so far and packs their objects; then waits for room. */
  async resolveBatch(): Promise<void> {
    const current = this.#batch;
    this.#batch = [];
    const { onLookups, onWaiting } = this.#options;
    onLookups?.({ queued: current.length });
    onWaiting?.(true);
    try {
      await this.#options.lookup.resolve(current, (count) => onLookups?.({ done: count }));
      if (this.#options.mode === 'plan') return;
      for (const pending of current) {
        for (const id of this.#options.store.objectsNeedingJobOf(pending.key)) {
          const full = this.#packer.add(id);
          if (full) this.#options.submit(full);
        }
      }
      // Back-pressure: read on only while few jobs wait for a slot.
      await this.#options.waitForRoom();
    } finally {
      onWaiting?.(false);
    }
  }

  /** The last, partly filled pack goes into a job. */
  packRest(): void {
    const last = this.#packer.flush();
    if (last) this.#options.submit(last);
  }
}
