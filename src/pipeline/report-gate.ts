/**
 * When the report may write a row while the run's jobs still run (docs/architecture.md#the-report-begins-early).
 *
 * A cumulative export holds mostly requests settled on earlier nights: nothing this run does can
 * change their rows, so the report writes them while Stripe works through the new ones, instead of
 * after. A row may go once the reading has noted it, and only while reading itself waits on Stripe
 * (the reading must not be slowed: Stripe's work for the new rows starts when it reaches them), and
 * only when the run found its request settled for good when it noted it. Every other row waits
 * until the jobs are over.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Rows written between two turns of the event loop: the jobs' timers must not wait behind the report. */
const ROWS_PER_TURN = 64;

export class ReportGate {
  #notedThrough = 0;
  #readingWaits = false;
  #readingDone = false;
  #open = false;
  #failure: { error: unknown } | undefined;
  #changed = deferred();
  #sinceTurn = 0;

  /** `settledWhenNoted`: whether the run found an identifier settled for good when it noted it. */
  constructor(private readonly settledWhenNoted: (key: string) => boolean) {}

  /** Every row up to `row` is noted in the state. */
  noted(row: number): void {
    this.#notedThrough = Math.max(this.#notedThrough, row);
    this.#change();
  }

  /** Reading waits on Stripe or on room for jobs (`true`), or goes on (`false`). */
  readingWaits(waiting: boolean): void {
    this.#readingWaits = waiting;
    this.#change();
  }

  /** Reading is over: from now on it never competes with the report. */
  readingDone(): void {
    this.#readingDone = true;
    this.#change();
  }

  /** The run's jobs are over (or it was interrupted): every row may be written. */
  open(): void {
    this.#open = true;
    this.#change();
  }

  /** The run stops with `error`: a row waiting, or asked for from now on, fails with it. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#change();
  }

  /** `undefined` when row `row` (its identifier's key, if any) may be written now; else when it may. */
  ready(row: number, key: string | undefined): Promise<void> | undefined {
    if (this.#open && this.#failure === undefined) return undefined;
    return this.#whenReady(row, key);
  }

  async #whenReady(row: number, key: string | undefined): Promise<void> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#open) return;
      const readingIdle = this.#readingDone || this.#readingWaits;
      if (readingIdle && this.#notedThrough >= row && (key === undefined || this.settledWhenNoted(key))) {
        this.#sinceTurn += 1;
        if (this.#sinceTurn >= ROWS_PER_TURN) {
          this.#sinceTurn = 0;
          await nextTurn();
        }
        return;
      }
      await this.#changed.promise;
    }
  }

  #change(): void {
    const changed = this.#changed;
    this.#changed = deferred();
    changed.resolve();
  }
}

/** A promise and its resolve (Promise.withResolvers needs Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
