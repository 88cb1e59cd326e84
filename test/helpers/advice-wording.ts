/**
 * The fixture of test/fixtures/state-v3 was written before advice on blockers came from the
 * advice table (domain/fix-advice.ts): its blocker lines end in the advice of that time. Reasons
 * and Stripe's own messages must read as they did; the advice after ` — `, and the operator's
 * line, are today's. These compare a messages cell with its advice left out.
 */

/** A messages cell without the operator's lines and without the advice after ` — ` on each line. */
export function withoutAdvice(messages: string): string {
  return messages
    .split('\n')
    .filter((line) => !line.startsWith('operator: '))
    .map((line) => line.replace(/ — .*$/, ''))
    .join('\n');
}

/** The fixture's run was in `error` mode and never tried fix: the advice it had then. */
export const OLD_UNTRIED_ADVICE = ' — resolve it, or run with --validation-behavior fix to let Stripe clear what it can';
