/**
 * A one-line progress bar for a person watching a manual run: the step, a bar, counts, the rate
 * and an ETA. Drawn only on a TTY: under cron or in CI stderr is a file or a pipe, and carriage
 * returns there would only clutter the log.
 *
 * Kept rather than cli-progress: its single bar cannot put a log line above itself (only its
 * multi-bar buffers lines until the next redraw), which a run that logs warnings needs.
 */

/** What to show. */
export interface ProgressUpdate {
  /** The current step, e.g. `looking up`. Rate and ETA start afresh when it changes. */
  label: string;
  /** Units finished so far; absent for a step that has no count. */
  done?: number;
  /** Units in all, when known; without it only the count and rate are shown. */
  total?: number;
  /** What is counted, e.g. `rows`. */
  unit?: string;
  /** Shown after the counts, e.g. `jobs 3/10`. */
  detail?: string;
}

/** Speed and time left, as measured by {@link createProgress}. */
export interface ProgressPace {
  /** Units per second over the last few seconds of the step; absent until measurable. */
  ratePerSecond?: number;
  /** Seconds left at that rate; absent without a total or a rate. */
  etaSeconds?: number;
}

export interface Progress {
  /** Records the latest state; redraws at most once per `minRedrawIntervalMs`. */
  update(progress: ProgressUpdate): void;
  /** Draws the final state and ends the line; later updates are ignored. */
  stop(): void;
  /** Writes other output (a log line) to the same stream: the bar steps aside, then comes back below it. */
  writeAbove(text: string): void;
}

export interface ProgressOptions {
  /** Off for a quiet run or `--no-progress`; even when on, nothing is drawn unless the stream is a TTY. */
  enabled: boolean;
  /**
   * Minimum time between redraws, in milliseconds.
   * @default 100
   */
  minRedrawIntervalMs?: number;
  /**
   * Redraw at least this often, so that rate and ETA stay true while no update arrives (a long
   * lookup batch); 0 turns the timer off.
   * @default 1000 (ms)
   */
  tickMs?: number;
  /**
   * The clock, in milliseconds.
   * @default Date.now
   */
  now?: () => number;
}

const BAR_WIDTH = 24;
/** Erase the whole line and return to its start (ECMA-48 EL 2, then CR). */
const CLEAR_LINE = '\r\u001b[2K';
/** The rate is measured over this much of the recent past: fast to follow a change of pace, steady enough to read. */
const RATE_WINDOW_MS = 10_000;
/** A rate over less time than this is noise. */
const MIN_RATE_SPAN_MS = 1_000;

/** A progress bar on `stream` when it is a TTY and `enabled`; otherwise a no-op. */
export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, options: ProgressOptions): Progress {
  if (!options.enabled || stream.isTTY !== true) {
    return { update: () => undefined, stop: () => undefined, writeAbove: (text) => void stream.write(text) };
  }
  const minRedrawIntervalMs = options.minRedrawIntervalMs ?? 100;
  const now = options.now ?? Date.now;
  const pace = new PaceMeter();

  let latest: ProgressUpdate | undefined;
  let lastDrawnAt = Number.NEGATIVE_INFINITY;
  let isStopped = false;

  const draw = (): void => {
    if (latest === undefined) return;
    const line = renderProgress(latest, pace.measure(latest, now()));
    // Cut to the terminal width: a wrapped line would not be erased by the next redraw.
    const width = stream.columns || 80; // 0 when the terminal does not say
    stream.write(CLEAR_LINE + line.slice(0, Math.max(0, width - 1)));
    lastDrawnAt = now();
  };
  const tickMs = options.tickMs ?? 1000;
  const timer = tickMs > 0 ? setInterval(draw, tickMs) : undefined;
  timer?.unref();

  return {
    update(progress) {
      if (isStopped) return;
      latest = progress;
      pace.record(progress, now());
      if (now() - lastDrawnAt >= minRedrawIntervalMs) draw();
    },
    stop() {
      if (isStopped) return;
      isStopped = true;
      clearInterval(timer);
      if (latest === undefined) return;
      draw();
      stream.write('\n');
    },
    writeAbove(text) {
      if (isStopped || latest === undefined) {
        stream.write(text);
        return;
      }
      stream.write(CLEAR_LINE + text);
      draw();
    },
  };
}

/**
 * Rate and ETA of the current step from the counts seen over the last {@link RATE_WINDOW_MS}.
 * Invariant: `samples` hold counts of the current label only, oldest first.
 */
class PaceMeter {
  #label: string | undefined;
  #samples: { atMs: number; done: number }[] = [];

  record(progress: ProgressUpdate, atMs: number): void {
    if (progress.label !== this.#label) {
      this.#label = progress.label;
      this.#samples = [];
    }
    if (progress.done === undefined) return;
    this.#samples.push({ atMs, done: progress.done });
    // Keep one sample older than the window, so the window is always spanned.
    while (this.#samples.length > 2 && this.#samples[1]!.atMs <= atMs - RATE_WINDOW_MS) this.#samples.shift();
  }

  measure(progress: ProgressUpdate, atMs: number): ProgressPace {
    const first = this.#samples[0];
    if (progress.label !== this.#label || first === undefined || progress.done === undefined) return {};
    const spanMs = atMs - first.atMs;
    if (spanMs < MIN_RATE_SPAN_MS) return {};
    const ratePerSecond = ((progress.done - first.done) * 1000) / spanMs;
    if (progress.total === undefined || ratePerSecond <= 0) return { ratePerSecond };
    return { ratePerSecond, etaSeconds: Math.max(0, progress.total - progress.done) / ratePerSecond };
  }
}

/**
 * `looking up [######------------------]  25% 750/3000 rows · 42 rows/s · ETA 54s · jobs 12/30`;
 * without a total `checking the input 12000 rows · 8000 rows/s`; without a count the label alone.
 */
export function renderProgress(progress: ProgressUpdate, pace: ProgressPace = {}): string {
  const { label, done, total, unit, detail } = progress;
  const parts: string[] = [];
  const units = unit ? ` ${unit}` : '';
  if (done !== undefined && total !== undefined && total > 0) {
    const ratio = Math.min(1, Math.max(0, done / total));
    const filled = Math.round(ratio * BAR_WIDTH);
    const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
    parts.push(`${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent} ${done}/${total}${units}`);
  } else if (done !== undefined) {
    parts.push(`${label} ${done}${units}`);
  } else {
    parts.push(label);
  }
  if (done !== undefined && pace.ratePerSecond !== undefined) parts.push(`${formatRate(pace.ratePerSecond)}${unit ? ` ${unit}` : ''}/s`);
  if (done !== undefined && pace.etaSeconds !== undefined && done < (total ?? 0)) parts.push(`ETA ${formatDuration(pace.etaSeconds)}`);
  if (detail) parts.push(detail);
  return parts.join(' · ');
}

function formatRate(perSecond: number): string {
  return perSecond >= 10 ? String(Math.round(perSecond)) : perSecond.toFixed(1);
}

/** `45s`, `3m05s`, `2h07m`. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
