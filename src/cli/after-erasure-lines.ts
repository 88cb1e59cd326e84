import { resolve } from 'node:path';
import type { Recipient } from '../domain/recipients.js';

/** What the stderr summary says of the watch, the recipients and the files (run and `watch`). */
export function afterErasureLines(summary: {
  reappeared: number | null;
  watch: { source: string; note?: string } | null;
  recipients?: readonly Recipient[] | null;
  reappearedPath: string | null;
  downstreamPath?: string | null;
}): string[] {
  const lines: string[] = [];
  if (summary.reappeared !== null) {
    const how = summary.watch?.source === 'customers' ? ' (customers created since the cursor: events older than 30 days are gone)' : '';
    lines.push(
      summary.reappeared > 0
        ? `  reappeared: ${summary.reappeared} people came back after their erasure${how}: ${resolve(summary.reappearedPath ?? 'reappeared.csv')} (nothing was done to them: a person decides)`
        : `  reappeared: 0${how}`,
    );
  } else if (summary.watch?.source === 'skipped') {
    lines.push('  reappeared: not watched (the key may read neither events nor customers)');
  } else if (summary.downstreamPath) {
    lines.push('  reappeared: not watched (Stripe could not be read; see the log)');
  }
  if (summary.recipients !== undefined) {
    if (summary.recipients === null) lines.push('  recipients: unknown (the key may not read webhook endpoints)');
    else if (summary.recipients.length > 0) {
      lines.push(`  recipients: ${summary.recipients.length} webhook endpoint(s) received personal data: ${summary.recipients.map((r) => `${r.host} (${r.id})`).join(', ')}`);
    }
  }
  if (summary.downstreamPath) lines.push(`  downstream: ${resolve(summary.downstreamPath)}`);
  return lines;
}
