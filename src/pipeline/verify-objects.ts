/**
 * Verification: after a job of this state succeeds, and in every later run until Stripe shows it,
 * each object the job carried is read for Stripe's own word that it is redacted
 * (domain/verification.ts). What Stripe states is recorded with the time read; an object whose
 * read proves it becomes `redacted` with `verified_at`, any other stays `redaction_pending`.
 *
 * Cost: one read per object per run while it is pending, plus re-reads of objects Stripe reports
 * `processing` (they settle within minutes to days; `validated` ones wait for months and are read
 * once a run). A verified object is never read again.
 */
import { objectTypeOfId, type ObjectType } from '../domain/identifier.js';
import { verdictAfterJob, type StatedStatus } from '../domain/verification.js';
import type { ObjectLedger } from '../state/state-store.js';
import type { Logger } from '../io/logger.js';
import type { StripeGateway } from '../stripe/gateway.js';

export interface VerifierOptions {
  /** The first wait before a `processing` object is read again while the run has other work; doubles each time. @default 1000 (ms) */
  recheckMs?: number;
  /** The longest wait between two reads of a `processing` object. @default 30000 (ms) */
  maxRecheckMs?: number;
  /** Reads sent at once in the final pass (the rate budget paces them). @default 50 */
  batchSize?: number;
}

export interface VerifierPorts {
  gateway: Pick<StripeGateway, 'readObject'>;
  store: Pick<ObjectLedger, 'recordReading' | 'objectsAwaitingProof' | 'objectStatus'>;
  logger: Logger;
  signal?: AbortSignal;
}

/** Counts of a run's verification, for logs and the summary. */
export interface VerificationCounts {
  /** Objects read (each counted once however often re-read). */
  objects: number;
  /** Reads sent. */
  reads: number;
  /** Objects this run found redacted. */
  verified: number;
}

export class ObjectVerifier {
  readonly #ports: VerifierPorts;
  readonly #recheckMs: number;
  readonly #maxRecheckMs: number;
  readonly #batchSize: number;
  /** What the last read of this run stated, per object. */
  readonly #stated = new Map<string, StatedStatus>();
  /** Objects this run sent a read for, answered or not. */
  readonly #tried = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;
  readonly counts: VerificationCounts = { objects: 0, reads: 0, verified: 0 };

  constructor(ports: VerifierPorts, options: VerifierOptions = {}) {
    this.#ports = ports;
    this.#recheckMs = options.recheckMs ?? 1000;
    this.#maxRecheckMs = options.maxRecheckMs ?? 30_000;
    this.#batchSize = options.batchSize ?? 50;
    for (const [name, value] of [['recheckMs', this.#recheckMs], ['maxRecheckMs', this.#maxRecheckMs], ['batchSize', this.#batchSize]] as const) {
      if (!Number.isFinite(value) || value < 1) throw new RangeError(`Expected \`${name}\` to be a number from 1 and up, got \`${String(value)}\``);
    }
  }

  /** Reads these objects soon (their job just succeeded); `processing` ones are read again while the run goes on. */
  enqueue(ids: readonly string[]): void {
    for (const id of ids) this.#track(this.#readAndRecheck(id, this.#recheckMs));
  }

  /**
   * Ends the run's verification: stops re-reading, waits for reads in flight, then reads once
   * more every object of the run's identifiers still waiting for proof — unless this run already
   * read it in a state that cannot change within a run (`validated`: held for weeks).
   */
  async finish(runId: string): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
    const awaiting = this.#ports.store.objectsAwaitingProof(runId).filter(({ id }) => {
      const stated = this.#stated.get(id);
      return stated === undefined || stated === 'processing';
    });
    for (let start = 0; start < awaiting.length; start += this.#batchSize) {
      if (this.#ports.signal?.aborted) return;
      await Promise.all(awaiting.slice(start, start + this.#batchSize).map(({ id }) => this.#readOnce(id)));
    }
  }

  /** Stops re-reading without a final pass (an interrupted or aborted run). */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  async #readAndRecheck(id: string, waitMs: number): Promise<void> {
    const stated = await this.#readOnce(id);
    if (stated !== 'processing' || this.#closed) return;
    // Still being redacted: read again later while the run has other work (finish() reads it last).
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) this.#track(this.#readAndRecheck(id, Math.min(waitMs * 2, this.#maxRecheckMs)));
    }, waitMs);
    timer.unref();
    this.#timers.add(timer);
  }

  /** One read, recorded as Stripe stated it; a failed read records nothing (the object stays pending). */
  async #readOnce(id: string): Promise<StatedStatus | undefined> {
    const type = objectTypeOfId(id) as ObjectType | undefined;
    if (type === undefined || this.#ports.signal?.aborted) return undefined;
    if (this.#ports.store.objectStatus(id) !== 'redaction_pending') return undefined;
    if (!this.#tried.has(id)) this.counts.objects += 1;
    this.#tried.add(id);
    this.counts.reads += 1;
    try {
      const reading = await this.#ports.gateway.readObject(id, type, 'verify');
      const verified = verdictAfterJob(type, reading).kind === 'redacted';
      this.#ports.store.recordReading(id, reading, { verified });
      this.#stated.set(id, reading.stated);
      if (verified) this.counts.verified += 1;
      return reading.stated;
    } catch (error) {
      // Proof is missing, not the redaction: the row stays redaction_pending and the next run reads again.
      this.#ports.logger.warn('could not read an object to verify its redaction; the next run reads it again', {
        object: id,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }
}
