import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/io/logger.js';
import { createNoticeLog } from '../../src/io/notice-log.js';

function recordingLogger() {
  const entries: [string, string, unknown][] = [];
  const at = (level: string) => (msg: string, fields?: unknown) => void entries.push([level, msg, fields]);
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), close: async () => {} };
  return { logger, entries };
}

describe('createNoticeLog', () => {
  it('logs each distinct notice once, at warn, and lists them in the order first seen', () => {
    const { logger, entries } = recordingLogger();
    const notices = createNoticeLog(logger);
    for (const notice of ['Version 2026-08-26.preview is deprecated.', 'Other notice', 'Version 2026-08-26.preview is deprecated.', ' Other notice ', '']) notices.note(notice);
    expect(entries).toEqual([
      ['warn', 'Stripe sent a notice', { notice: 'Version 2026-08-26.preview is deprecated.' }],
      ['warn', 'Stripe sent a notice', { notice: 'Other notice' }],
    ]);
    expect(notices.seen()).toEqual(['Version 2026-08-26.preview is deprecated.', 'Other notice']);
  });
});
