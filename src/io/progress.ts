/**
 * A one-line progress bar for a person watching a manual run. Drawn only on a TTY: under cron or
 * in CI stderr is a file or a pipe, and carriage returns there would only clutter the log.
 */

/** What to show. */
export interface ProgressUpdate {
  /** Units finished so far. */
  done: number;
  /** Units in all, when known; without it only the count is shown. */
  total?: number;
  /** The current step, e.g. `resolving`. */
  label: string;
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
  /** Off for `--log-format json` or a quiet run; even when on, nothing is drawn unless the stream is a TTY. */
  enabled: boolean;
  /**
   * Minimum time between redraws, in milliseconds.
   * @default 100
   */
  minRedrawIntervalMs?: number;
}

const BAR_WIDTH = 24;
/** Erase the whole line and return to its start (ECMA-48 EL 2, then CR). */
const CLEAR_LINE = '\r\u001b[2K';

/** A progress bar on `stream` when it is a TTY and `enabled`; otherwise a no-op. */
export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, options: ProgressOptions): Progress {
  if (!options.enabled || stream.isTTY !== true) {
    return { update: () => undefined, stop: () => undefined, writeAbove: (text) => void stream.write(text) };
  }
  const minRedrawIntervalMs = options.minRedrawIntervalMs ?? 100;

  let latest: ProgressUpdate | undefined;
  let lastDrawnAt = Number.NEGATIVE_INFINITY;
  let isStopped = false;

  const draw = (): void => {
    if (latest === undefined) return;
    const line = renderProgress(latest);
    // Cut to the terminal width: a wrapped line would not be erased by the next redraw.
    const width = stream.columns || 80; // 0 when the terminal does not say
    stream.write(CLEAR_LINE + line.slice(0, Math.max(0, width - 1)));
    lastDrawnAt = Date.now();
  };

  return {
    update(progress) {
      if (isStopped) return;
      latest = progress;
      if (Date.now() - lastDrawnAt >= minRedrawIntervalMs) draw();
    },
    stop() {
      if (isStopped) return;
      isStopped = true;
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

/** `resolving [##########--------------]  42% 420/1000`, or `resolving 420` without a total. */
export function renderProgress({ done, total, label }: ProgressUpdate): string {
  if (total === undefined || total <= 0) return `${label} ${done}`;
  const ratio = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(ratio * BAR_WIDTH);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent} ${done}/${total}`;
}
