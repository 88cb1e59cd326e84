import { describe, expect, it } from 'vitest';
import { createProgress, renderProgress } from '../../src/io/progress.js';

/** A stand-in terminal: records what is written. */
function terminal(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  const stream = { write: (text: string) => writes.push(text) > 0, isTTY, columns };
  return { writes, stream: stream as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

describe('progress', () => {
  it('draws a bar with percent and counts', () => {
    expect(renderProgress({ done: 42, total: 100, label: 'rows' })).toBe('rows [##########--------------]  42% 42/100');
    expect(renderProgress({ done: 7, label: 'rows' })).toBe('rows 7');
  });

  it('writes nothing but passed-through lines when stderr is not a terminal', () => {
    const { writes, stream } = terminal(false);
    const progress = createProgress(stream, { enabled: true });
    progress.update({ done: 1, total: 2, label: 'rows' });
    progress.writeAbove('log line\n');
    progress.stop();
    expect(writes).toEqual(['log line\n']);
  });

  it('puts a log line above the bar and draws the bar again below it', () => {
    const { writes, stream } = terminal(true);
    const progress = createProgress(stream, { enabled: true, minRedrawIntervalMs: 0 });
    progress.update({ done: 1, total: 2, label: 'rows' });
    progress.writeAbove('log line\n');
    progress.stop();
    const screen = writes.join('');
    expect(screen).toContain('\r\u001b[2Klog line\n\r\u001b[2Krows [');
    expect(screen.endsWith('1/2\n')).toBe(true);
  });

  it('still draws when the terminal does not tell its width', () => {
    const { writes, stream } = terminal(true, 0);
    const progress = createProgress(stream, { enabled: true, minRedrawIntervalMs: 0 });
    progress.update({ done: 1, total: 2, label: 'rows' });
    expect(writes.join('')).toContain('rows [');
  });
});
