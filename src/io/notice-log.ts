import type { Logger } from './logger.js';

/** What a run does with Stripe's `Stripe-Notice` response headers. */
export interface NoticeLog {
  /** Takes one notice as Stripe sent it; the first time a text is seen it is logged at warn. */
  note(notice: string): void;
  /** The distinct notices seen, in the order first seen. */
  seen(): string[];
}

/**
 * Stripe's notices (a deprecation, a coming change) through the logger: once per distinct text per
 * run, at warn — so the log file always keeps them, stderr shows them at the default cron level, and
 * `--quiet` keeps them off stderr. Every response of a run may carry the same notice: repeating it
 * would bury the log.
 */
export function createNoticeLog(logger: Logger): NoticeLog {
  const seen = new Set<string>();
  return {
    note(notice) {
      const text = notice.trim();
      if (text === '' || seen.has(text)) return;
      seen.add(text);
      logger.warn('Stripe sent a notice', { notice: text });
    },
    seen: () => [...seen],
  };
}
