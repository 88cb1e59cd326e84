import { DOCUMENTED_TOPICS, VARIANT_FLAGS, type Findings } from './findings.js';
import type { Observations } from './observations.js';

/** The selftest's report for a person: what held, which variants Stripe matches, what was cleaned up. */
export function formatFindings(findings: Findings, observations: Observations, header: string): string {
  const lines = [header, '', 'What Stripe documents and the tool relies on:'];
  for (const d of findings.documented) {
    const verdict = d.held === true ? 'held' : d.held === false ? 'DID NOT HOLD' : 'not shown';
    lines.push(`  ${verdict.padEnd(12)} ${DOCUMENTED_TOPICS[d.behaviour]}: ${d.observed}`);
  }
  lines.push('', 'Where Stripe documents nothing (the emulator variants: stripe-redact emulator --help):');
  for (const v of findings.variants) {
    const { flag, topic } = VARIANT_FLAGS[v.variant];
    const verdict =
      v.matches === '' ? `matches the emulator without ${flag}`
      : v.matches !== null ? `matches ${flag} ${shellWord(v.matches)}`
      : !v.probed ? 'not probed'
      : v.copes ? 'no emulator value matches exactly; the tool copes with it'
      : 'MATCHES NO EMULATOR VARIANT THE TOOL COPES WITH';
    lines.push(`  ${topic}: ${v.observed} — ${verdict}`);
  }
  const matched = findings.variants.filter((v) => v.matches !== null && v.matches !== '');
  if (matched.length > 0) {
    lines.push('', `The emulator that behaves like this account: stripe-redact emulator ${matched.map((v) => `${VARIANT_FLAGS[v.variant].flag} ${shellWord(v.matches as string)}`).join(' ')}`);
  }
  lines.push('', 'Cleanup:');
  for (const done of observations.cleanup.done) lines.push(`  ${done}`);
  for (const left of observations.cleanup.left) lines.push(`  NOT REMOVED: ${left}`);
  if (observations.cleanup.done.length + observations.cleanup.left.length === 0) lines.push('  nothing to remove');
  lines.push('');
  if (findings.ok) {
    lines.push('Result: every documented behaviour held and every undocumented one is a behaviour the tool copes with (an emulator variant it is tested under).');
  } else {
    lines.push('Result: the tool cannot rely on this account as it is tested:');
    for (const problem of findings.problems) lines.push(`  - ${problem}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A flag value as a shell word: as is when plain, else single-quoted. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9._:/=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
