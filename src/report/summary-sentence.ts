/** report.html's opening sentence: the run's rows counted in words. */
import { ROW_STATUSES } from '../domain/row-status.js';
import { isPreview, type ReportCollector } from './report-collector.js';
import { STATUS_WORDS, type Tally } from './status-words.js';

/** The opening sentence's phrases, in the order it says them: singular, plural. */
const TALLIES: Record<Tally, [string, string]> = {
  erased: ['is erased', 'are erased'],
  held: ['is erased but held by Stripe until eligible', 'are erased but held by Stripe until eligible'],
  would_erase: ['would be erased by a redact run', 'would be erased by a redact run'],
  found: ['was found in Stripe, to be erased by a redact run', 'were found in Stripe, to be erased by a redact run'],
  no_data: ['had no data in Stripe', 'had no data in Stripe'],
  person: ['needs a person', 'need a person'],
  unusable: ['is unusable', 'are unusable'],
  in_progress: ['is still in progress', 'are still in progress'],
  not_request: ['line was not a request', 'lines were not requests'],
};

export const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The report's first sentence: "Of 46 requests, 31 are erased, 9 had no data in Stripe, 4 need a
 * person, 2 are unusable; 3 were erased late." ("settled late" when some of the late ones had no
 * data or were otherwise closed rather than erased). Lines that are no request (an export's footer) are
 * not requests and are said apart; a preview says that nothing was erased.
 */
export function summarySentence(mode: string, collected: Pick<ReportCollector, 'counts' | 'overdue' | 'settledLate'> & { erasedLate?: number }): string {
  const byTally = new Map<Tally, number>();
  for (const status of ROW_STATUSES) {
    const n = collected.counts[status];
    if (n > 0) byTally.set(STATUS_WORDS[status].tally, (byTally.get(STATUS_WORDS[status].tally) ?? 0) + n);
  }
  const notRequests = byTally.get('not_request') ?? 0;
  byTally.delete('not_request');
  const requests = [...byTally.values()].reduce((a, b) => a + b, 0);
  const parts = (Object.keys(TALLIES) as Tally[]).flatMap((tally) => {
    const n = byTally.get(tally);
    return n === undefined ? [] : [`${n} ${(TALLIES[tally] as [string, string])[n === 1 ? 0 : 1]}`];
  });
  const deadlines = [
    collected.settledLate > 0
      ? `${collected.settledLate} ${collected.settledLate === 1 ? 'was' : 'were'} ${collected.erasedLate === collected.settledLate ? 'erased' : 'settled'} late`
      : '',
    collected.overdue > 0 ? `${collected.overdue} ${collected.overdue === 1 ? 'is' : 'are'} overdue` : '',
  ].filter(Boolean);
  let sentence = requests === 0 ? 'The input holds no request' : `Of ${plural(requests, 'request', 'requests')}, ${parts.join(', ')}`;
  if (deadlines.length > 0) sentence += `; ${deadlines.join(', ')}`;
  sentence += '.';
  if (notRequests > 0) sentence += ` ${plural(notRequests, ...(TALLIES.not_request as [string, string]))}.`;
  if (isPreview(mode)) sentence += ' This was a preview: nothing was erased.';
  return sentence;
}
