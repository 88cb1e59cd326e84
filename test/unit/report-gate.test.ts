import { describe, expect, it } from 'vitest';
import { ReportGate } from '../../src/pipeline/report-gate.js';

/** Whether `promise` has settled once pending callbacks ran; how it settled. */
async function state(promise: Promise<void> | undefined): Promise<'now' | 'waiting' | 'resolved' | 'rejected'> {
  if (promise === undefined) return 'now';
  let result: 'waiting' | 'resolved' | 'rejected' = 'waiting';
  promise.then(
    () => (result = 'resolved'),
    () => (result = 'rejected'),
  );
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
  return result;
}

const SETTLED = new Set(['email:settled']);
const gate = () => new ReportGate((key) => SETTLED.has(key));

describe('ReportGate: which rows the report writes while the jobs run', () => {
  it('writes a row settled before the run once reading noted it and waits on Stripe', async () => {
    const g = gate();
    const early = g.ready(3, 'email:settled');
    expect(await state(early)).toBe('waiting');
    // Noted, but reading is busy parsing: the report must not slow it.
    g.noted(500);
    expect(await state(early)).toBe('waiting');
    g.readingWaits(true);
    expect(await state(early)).toBe('resolved');
    // Reading goes on: the next settled row waits again.
    g.readingWaits(false);
    expect(await state(g.ready(4, 'email:settled'))).toBe('waiting');
  });

  it('never writes a row reading has not noted yet, even a settled one', async () => {
    const g = gate();
    g.readingWaits(true);
    g.noted(500);
    const beyond = g.ready(501, 'email:settled');
    expect(await state(beyond)).toBe('waiting');
    g.noted(1000);
    expect(await state(beyond)).toBe('resolved');
  });

  it('holds every row the run may still change until its jobs are over', async () => {
    const g = gate();
    g.noted(10);
    g.readingDone();
    const open = g.ready(2, 'email:new');
    expect(await state(g.ready(1, undefined))).toBe('resolved');
    expect(await state(open)).toBe('waiting');
    g.open();
    expect(await state(open)).toBe('resolved');
    // Once the jobs are over, nothing waits.
    expect(g.ready(9, 'email:new')).toBeUndefined();
  });

  it('fails the rows waiting, and those asked for later, when the run must stop', async () => {
    const g = gate();
    const waiting = g.ready(1, 'email:new');
    const error = new Error('authentication refused');
    g.fail(error);
    await expect(waiting).rejects.toBe(error);
    g.open();
    await expect(g.ready(2, 'email:settled')).rejects.toBe(error);
  });

  it('writes a row as soon as reading has noted that very row, and never forgets rows noted before', async () => {
    const g = gate();
    g.readingWaits(true);
    g.noted(500);
    expect(await state(g.ready(500, 'email:settled'))).toBe('resolved');
    // A later note of an earlier row (reading never goes back) does not take rows back.
    g.noted(10);
    expect(await state(g.ready(400, 'email:settled'))).toBe('resolved');
  });

  it('writes the settled rows waiting once reading is over, though it never waited on Stripe', async () => {
    const g = gate();
    g.noted(3);
    const settled = g.ready(2, 'email:settled');
    const invalid = g.ready(3, undefined);
    expect(await state(settled)).toBe('waiting');
    g.readingDone();
    expect(await state(settled)).toBe('resolved');
    expect(await state(invalid)).toBe('resolved');
  });

  it("lets the event loop turn every 64 rows written early, so the jobs' timers never wait behind the report", async () => {
    const g = gate();
    g.readingDone();
    g.noted(1000);
    let turned = false;
    const turn = () => new Promise<void>((resolve) => setImmediate(() => ((turned = true), resolve())));
    for (const block of [0, 64]) {
      turned = false;
      const next = turn();
      // 63 rows go within the turn (their promises resolve without the loop turning)...
      for (let row = block + 1; row < block + 64; row += 1) await g.ready(row, 'email:settled');
      expect(turned).toBe(false);
      // ...the 64th only after it.
      await g.ready(block + 64, 'email:settled');
      expect(turned).toBe(true);
      await next;
    }
  });
});
