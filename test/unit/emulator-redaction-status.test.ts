/**
 * The pure rules of what a redacted object reads (src/emulator/redaction/redaction-status.ts) and of
 * the emulator's clock (src/emulator/clock.ts).
 */
import { describe, expect, it } from 'vitest';
import { EmulatorClock, MAX_ADVANCE_SECONDS, parseAdvanceSeconds, presentClock } from '../../src/emulator/clock.js';
import { leastAdvanced, objectRedactionStatus, type ObjectStatusInput } from '../../src/emulator/redaction/redaction-status.js';

const DAY_MS = 86_400_000;
const T = 1_800_000_000_000;

function status(overrides: Partial<ObjectStatusInput>) {
  return objectRedactionStatus({ nowMs: T, succeededAtMs: T, createdSeconds: T / 1000 - 200 * 86_400, heldWhileYoung: false, settleMs: 1000, youngDays: 90, ...overrides });
}

describe('objectRedactionStatus', () => {
  it('reads processing for settleMs after the job succeeded, then redacted for good', () => {
    expect(status({ nowMs: T })).toEqual({ status: 'processing', changesAtMs: T + 1000 });
    expect(status({ nowMs: T + 999 })).toEqual({ status: 'processing', changesAtMs: T + 1000 });
    expect(status({ nowMs: T + 1000 })).toEqual({ status: 'redacted', changesAtMs: null });
    expect(status({ settleMs: 0 })).toEqual({ status: 'redacted', changesAtMs: null });
  });

  it('holds a young object validated until it is youngDays old, then settles from that moment', () => {
    const createdSeconds = T / 1000 - 5 * 86_400;
    const agedAtMs = createdSeconds * 1000 + 90 * DAY_MS;
    const young = { heldWhileYoung: true, createdSeconds };
    expect(status({ ...young, nowMs: T + 10_000 })).toEqual({ status: 'validated', changesAtMs: agedAtMs });
    expect(status({ ...young, nowMs: agedAtMs - 1 }).status).toBe('validated');
    expect(status({ ...young, nowMs: agedAtMs })).toEqual({ status: 'processing', changesAtMs: agedAtMs + 1000 });
    expect(status({ ...young, nowMs: agedAtMs + 1000 }).status).toBe('redacted');
  });

  it('does not hold an object already old enough, nor a young one that is not held', () => {
    expect(status({ heldWhileYoung: true }).status).toBe('processing');
    expect(status({ heldWhileYoung: false, createdSeconds: T / 1000 }).status).toBe('processing');
    expect(status({ heldWhileYoung: true, createdSeconds: T / 1000, youngDays: 0 }).status).toBe('processing');
  });
});

describe('leastAdvanced', () => {
  it('orders validated < processing < redacted', () => {
    expect(leastAdvanced(['redacted', 'processing', 'validated'])).toBe('validated');
    expect(leastAdvanced(['redacted', 'processing'])).toBe('processing');
    expect(leastAdvanced(['processing', 'validated'])).toBe('validated');
    expect(leastAdvanced(['redacted'])).toBe('redacted');
    expect(leastAdvanced([])).toBe('redacted');
  });
});

describe('EmulatorClock', () => {
  it('runs at real time plus what was advanced, and never backwards', () => {
    let real = 1_000_000;
    const clock = new EmulatorClock(() => real);
    expect(clock.nowMs()).toBe(1_000_000);
    expect(clock.advance(60)).toBe(1_060_000);
    real += 5;
    expect(clock.nowMs()).toBe(1_060_005);
    expect(presentClock(clock, 60)).toEqual({ object: 'emulator.clock', now: 1060, offset_seconds: 60, advanced_seconds: 60 });
    expect(() => clock.advance(-1)).toThrow('Expected `seconds` to be an integer from 0');
    expect(() => clock.advance(1.5)).toThrow(RangeError);
    expect(clock.offsetMs).toBe(60_000);
  });

  it('parses seconds= as digits only, up to ten years', () => {
    expect(parseAdvanceSeconds('0')).toBe(0);
    expect(parseAdvanceSeconds('86400')).toBe(86_400);
    expect(parseAdvanceSeconds(String(MAX_ADVANCE_SECONDS))).toBe(MAX_ADVANCE_SECONDS);
    for (const bad of [null, '', '-1', '1.5', '1e3', ' 5', 'abc', String(MAX_ADVANCE_SECONDS + 1)]) expect(parseAdvanceSeconds(bad), String(bad)).toBeUndefined();
  });
});
