/**
 * vitest globalSetup: empties `STRIPE_REDACT_REPORT_DIR` before a pass, so the snapshots compared
 * afterwards are this pass's only (report-snapshot.ts).
 */
import { rmSync } from 'node:fs';
import { reportDir } from './report-snapshot.js';

export default function clearReportDir(): void {
  const dir = reportDir();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
