import { resolve } from 'node:path';
import type { Recipient } from '../domain/recipients.js';

/**
 * What the stderr summary says of the watch and the recipients (run and `watch`). A run's summary
 * stays as short as before when there is nothing to tell: a line only for people who came back, a
 * watch that fell back or could not run, and endpoints that received personal data (or unknown ones).
 */
export function afterErasureLines(
  summary: {
    reappeared: number | null;
    watch: { source: string } | null;
    recipients?: readonly Recipient[] | null;
    reappearedPath: string | null;
    downstreamPath?: string | null;
  },
  options: { alwaysCount?: boolean } = {},
): string[] {
  const lines: string[] = [];
  const how = summary.watch?.source === 'customers' ? ' (listed customers created since the cursor: events older than 30 days are gone)' : '';
  if (summary.reappeared !== null && summary.reappeared > 0) {
    lines.push(`  reappeared: ${summary.reappeared} people came back after their erasure${how}: ${resolve(summary.reappearedPath ?? 'reappeared.csv')} (nothing was done to them: a person decides)`);
  } else if (summary.reappeared !== null && (how !== '' || options.alwaysCount)) {
    lines.push(`  reappeared: 0${how}`);
  } else if (summary.watch?.source === 'skipped') {
    lines.push('  reappeared: not watched (the key may read neither events nor customers)');
  } else if (summary.reappeared === null && summary.downstreamPath) {
    lines.push('  reappeared: not watched (Stripe could not be read; see the log)');
  }
  if (summary.recipients === null) lines.push('  recipients: unknown (the webhook endpoints were not read: see the log)');
  else if (summary.recipients !== undefined && summary.recipients.length > 0) {
    lines.push(`  recipients: ${summary.recipients.length} webhook endpoint(s) received personal data: ${summary.recipients.map((r) => `${r.host} (${r.id})`).join(', ')}`);
  }
  return lines;
}
