/** The state port's runs (state-store.ts): each run that used the state. */
import type { RunMode } from '../domain/row-status.js';

/** A run as the state records it. */
export interface StoredRun {
  id: string;
  mode: RunMode;
  /** The input's name as the run gave it. */
  input: string;
  startedAt: string;
  /** Null while the run goes on, or when it was killed. */
  endedAt: string | null;
  /** The run's summary (pipeline RunSummary), written when it ended. */
  summary: Record<string, unknown> | null;
}

/** The runs that used the state. */
export interface RunLedger {
  /** Records a run's start; returns its id. */
  startRun(mode: RunMode, inputPath: string): string;
  endRun(runId: string, summary: unknown): void;
}
