/**
 * `node --import tsx test/compare-variant-reports.ts <first-dir> <second-dir>`: the last step of
 * `npm test`. Compares the report snapshots that two passes of the suite saved (report-snapshot.ts)
 * — the default (least helpful) emulator variants, then the helpful ones — and exits 1 naming each
 * scenario whose reports differ and where they first differ. Scenarios that ran in one pass only
 * are listed, not failures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LISTED_COLUMNS, compareSnapshots, describeScenario, type Exclusion } from './helpers/compare-reports.js';
import type { ReportSnapshot } from './helpers/report-snapshot.js';

/**
 * Scenarios whose reports may differ between variants, each with why. Prefer making the
 * normalisation exact over adding one here: every entry is a scenario the comparison does not cover.
 */
export const EXCLUSIONS: readonly Exclusion[] = [
  {
    file: 'test/cli/run-resume.test.ts',
    test: 'kill and resume > a plan run over the state of a killed run reports the rows of its live jobs pending and sends no job',
    run: 2,
    why:
      'the plan run reports what the killed run had written down, and whether SIGKILL landed before or after a created job was recorded is timing: ' +
      'its rows are pending either way (the test accepts both), with a job id only in the second case. The resumed run after it (run 3) is compared.',
  },
];

function readSnapshots(dir: string): ReportSnapshot[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch (error) {
    throw new Error(`no report snapshots in ${dir}: was the pass run with STRIPE_REDACT_REPORT_DIR=${dir}? (${(error as Error).message})`);
  }
  return names.map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as ReportSnapshot);
}

function main(argv: readonly string[]): number {
  const [firstDir, secondDir] = argv;
  if (!firstDir || !secondDir) {
    console.error('usage: compare-variant-reports <first-dir> <second-dir>');
    return 2;
  }
  const [first, second] = [basename(firstDir), basename(secondDir)];
  const comparison = compareSnapshots(readSnapshots(firstDir), readSnapshots(secondDir), EXCLUSIONS);
  for (const { scenario, why } of comparison.excluded) console.log(`excluded: ${describeScenario(scenario)}: ${why}`);
  for (const scenario of comparison.onlyInFirst) console.log(`only under ${first}: ${describeScenario(scenario)}`);
  for (const scenario of comparison.onlyInSecond) console.log(`only under ${second}: ${describeScenario(scenario)}`);
  for (const { scenario, where, first: a, second: b } of comparison.listed) {
    console.log(`listed, not a failure (see LISTED_COLUMNS): ${describeScenario(scenario)}: ${where}: ${first} ${JSON.stringify(a)}, ${second} ${JSON.stringify(b)}`);
  }
  for (const { scenario, where, first: a, second: b } of comparison.differences) {
    console.error(`DIFFERS: ${describeScenario(scenario)}\n  ${where}:\n    ${first}: ${JSON.stringify(a)}\n    ${second}: ${JSON.stringify(b)}`);
  }
  const verdict = `${comparison.compared} end-to-end reports compared between ${first} and ${second} variants: ${comparison.differences.length} differ` +
    ` (${comparison.excluded.length} excluded, ${comparison.onlyInFirst.length + comparison.onlyInSecond.length} in one pass only, ` +
    `${comparison.listed.length} with differences in ${LISTED_COLUMNS.join(', ')} listed)`;
  if (comparison.differences.length > 0) {
    console.error(verdict);
    return 1;
  }
  console.log(verdict);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
