/**
 * What the selftest concludes, as pure functions of its observations: for each behaviour Stripe
 * does not document, which emulator variant (docs/stripe.md#emulator-variants) Stripe's answer matches; for each
 * behaviour it documents and the tool relies on, whether it held (variant-findings.ts,
 * documented-findings.ts; the findings' shapes in findings.ts).
 */
import { documentedFindings } from './documented-findings.js';
import { DOCUMENTED_TOPICS, VARIANT_FLAGS, type Findings } from './findings.js';
import type { Observations } from './observations.js';
import {
  deletedCustomers,
  expandValidationErrors,
  fixListing,
  lockErrors,
  lockRefusal,
  notice,
  refusalStatus,
  settleMs,
  transitionErrors,
  unknownIds,
  youngCharges,
} from './variant-findings.js';

/** Judges a selftest's observations. */
export function classifyObservations(o: Observations): Findings {
  const variants = [
    unknownIds(o),
    transitionErrors(o),
    lockErrors(o),
    fixListing(o),
    expandValidationErrors(o),
    lockRefusal(o),
    refusalStatus(o),
    deletedCustomers(o),
    settleMs(o),
    youngCharges(o),
    notice(o),
  ];
  const documented = documentedFindings(o);
  const problems: string[] = [];
  for (const d of documented) {
    if (d.held === false) problems.push(`${DOCUMENTED_TOPICS[d.behaviour]} did not hold: ${d.observed}`);
  }
  for (const v of variants) {
    if (v.probed && !v.copes) problems.push(`${VARIANT_FLAGS[v.variant].topic}: Stripe matched no emulator variant the tool copes with: ${v.observed}`);
  }
  for (const f of o.stepFailures) problems.push(`step '${f.step}' failed: ${f.message}`);
  return { variants, documented, ok: problems.length === 0, problems };
}
