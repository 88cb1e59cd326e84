/** The requests file's delimiter, told from its first record. */
import { pipeline } from 'node:stream';
import { openDecoded, type DecodedSource } from './parse-records.js';
import { MAX_RECORD_CHARS, toInputFileError } from './request-errors.js';

/** The delimiters {@link inspectRequestFile} tells apart; tab is Excel's "Unicode text" export. */
export type RequestDelimiter = ',' | ';' | '\t';

/** Everything up to the end of the first non-blank record, read chunk by chunk. */
export async function readFirstRecordText(info: DecodedSource): Promise<string> {
  const { file: source, decoded } = openDecoded(info);
  pipeline(source, decoded, () => {});
  let text = '';
  try {
    // The decoder passes whole characters only, so each chunk decodes on its own.
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      text += chunk.toString('utf8');
      if (endOfFirstRecord(text) !== -1 || text.length >= MAX_RECORD_CHARS) break;
    }
  } catch (error) {
    throw toInputFileError(error, info.name, undefined);
  } finally {
    decoded.destroy();
    source.destroy();
  }
  const end = endOfFirstRecord(text);
  return end === -1 ? text : text.slice(0, end);
}

/** Index of the line break ending the first record with content, outside quotes; -1 if none yet. */
function endOfFirstRecord(text: string): number {
  let isQuoted = false;
  let hasContent = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '"') isQuoted = !isQuoted;
    else if (!isQuoted && (char === '\n' || char === '\r')) {
      if (hasContent) return i;
    } else if (char !== undefined && !/\s|\uFEFF/.test(char)) hasContent = true;
  }
  return -1;
}

/**
 * The delimiter the first record holds most of outside quotes: `;` (a European spreadsheet
 * export) or a tab (Excel's "Unicode text") when it outnumbers the others, else `,` — also for a
 * single-column file, which holds none.
 */
export function detectDelimiter(firstRecord: string): RequestDelimiter {
  let isQuoted = false;
  const counts = { ',': 0, ';': 0, '\t': 0 };
  for (const char of firstRecord) {
    if (char === '"') isQuoted = !isQuoted;
    else if (!isQuoted && (char === ',' || char === ';' || char === '\t')) counts[char] += 1;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return ',';
}
