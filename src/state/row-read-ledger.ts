/** The state port's row reads (state-store.ts): which rows of each run's input named what. */

/** How an `invalid` row's read is keyed: by its whole cell, or by an address found inside it. */
export type InvalidReadVia = 'cell' | 'address_in_cell';

/**
 * The rows each run read that were unusable. (Which row first named an identifier is noted with
 * the identifier itself: IdentifierLedger.noteIdentifier.)
 */
export interface RowReadLedger {
  /** Records a row reported `invalid`, under each of `keys`; a repeat in the same run counts one more row. */
  noteInvalidCell(keys: ReadonlyArray<{ key: string; via: InvalidReadVia }>, runId: string, row: number, reason: string): void;
}

/** One run's reading of unusable rows under one key. */
export interface InvalidRead {
  runId: string;
  input: string;
  via: InvalidReadVia;
  /** The first such row of that run's input, and how many there were. */
  firstRow: number;
  rows: number;
  /** Why it was unusable, as results.csv said. */
  reason: string;
  /** When the run read it (ISO-8601). */
  at: string;
}

/** What the report and `show` read of {@link RowReadLedger}. */
export interface RowReadHistory {
  /** The first row of a run's input that named an identifier; undefined if none did (or the state predates it). */
  firstRowOf(key: string, runId: string): number | undefined;
  /**
   * Whether this connection's run found the identifier settled for good when it noted it: its
   * report row can be written before the run's jobs are over, since nothing the run does changes it.
   */
  foundSettledWhenNoted(key: string, runId: string): boolean;
  /** Every run's unusable rows under any of `keys`, oldest first. */
  invalidReads(keys: readonly string[]): InvalidRead[];
}
