/**
 * The emulator's one clock: real time plus an offset that only grows. Every `created`, job phase,
 * event time, search lag, hold age and settle period reads it, so a test moves Stripe's time forward
 * (`POST /_emulator/clock/advance?seconds=N`) instead of sleeping.
 */
export class EmulatorClock {
  #offsetMs = 0;

  /** @param realNowMs the real time, in ms. @default Date.now */
  constructor(private readonly realNowMs: () => number = Date.now) {}

  /** Now on the emulator's clock, in ms (bound: pass it around as a function). */
  readonly nowMs = (): number => this.realNowMs() + this.#offsetMs;

  /** How far the clock is ahead of real time, in ms. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Moves the clock forward by `seconds` (an integer from 0 to {@link MAX_ADVANCE_SECONDS}); returns the new time in ms. */
  advance(seconds: number): number {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_ADVANCE_SECONDS) {
      throw new RangeError(`Expected \`seconds\` to be an integer from 0 to ${MAX_ADVANCE_SECONDS}, got \`${String(seconds)}\``);
    }
    this.#offsetMs += seconds * 1000;
    return this.nowMs();
  }
}

/** The most one advance may move the clock: ten years, in seconds. */
export const MAX_ADVANCE_SECONDS = 10 * 366 * 86_400;

/**
 * The clock's state as `/_emulator/clock` answers it: `now` in unix seconds (as Stripe's `created`),
 * how far it runs ahead of real time, and by how much the request moved it.
 */
export function presentClock(clock: EmulatorClock, advancedSeconds = 0): Record<string, unknown> {
  return {
    object: 'emulator.clock',
    now: Math.floor(clock.nowMs() / 1000),
    offset_seconds: Math.floor(clock.offsetMs / 1000),
    advanced_seconds: advancedSeconds,
  };
}

/**
 * `seconds` of `POST /_emulator/clock/advance?seconds=N` as given: digits only; `undefined` for a
 * missing or malformed value (the route answers 400 naming the parameter).
 */
export function parseAdvanceSeconds(raw: string | null): number | undefined {
  if (raw === null || !/^\d{1,12}$/.test(raw)) return undefined;
  const seconds = Number(raw);
  return seconds <= MAX_ADVANCE_SECONDS ? seconds : undefined;
}
