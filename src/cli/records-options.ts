/**
 * The `run` options of the records (issue 17): `--holidays FILE`, `--extension`, and the columns
 * `--extension-column`, `--channel-column` (`--request-id-column` is run-config.ts's). Checked with the rest of the
 * command line (run-config.ts): every problem names its option, and a holidays file is read here,
 * before anything is sent, each bad line named.
 */
import { readFileSync } from 'node:fs';
import { parseDeadlineSpec, type DeadlineSpec } from '../domain/deadline.js';
import { parseHolidays } from '../domain/due-date.js';
import type { RecordColumnOptions } from '../input/request-record-columns.js';

export interface RawRecordOptions {
  holidays?: string;
  extension?: string;
  extensionColumn?: string;
  channelColumn?: string;
}

export interface RecordsConfig {
  /** `--holidays`: the dates read from the file; empty without it. */
  holidays: ReadonlySet<string>;
  /** `--extension`; `undefined`: 2m for a month deadline, 45d otherwise. */
  extension?: DeadlineSpec;
  recordColumns: RecordColumnOptions;
}

export function parseRecordOptions(raw: RawRecordOptions, problems: { option: string; message: string }[]): RecordsConfig {
  let holidays: ReadonlySet<string> = new Set();
  if (raw.holidays !== undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(raw.holidays, 'utf8');
    } catch (error) {
      problems.push({ option: '--holidays', message: `--holidays ${raw.holidays}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    }
    if (text !== undefined) {
      const parsed = parseHolidays(text);
      if ('problems' in parsed) problems.push({ option: '--holidays', message: `--holidays ${raw.holidays}: ${parsed.problems.join('; ')}` });
      else holidays = parsed.holidays;
    }
  }
  let extension: DeadlineSpec | undefined;
  if (raw.extension !== undefined) {
    const parsed = parseDeadlineSpec(raw.extension);
    if ('problem' in parsed) problems.push({ option: '--extension', message: `--extension: ${parsed.problem}` });
    else extension = parsed;
  }
  const recordColumns: RecordColumnOptions = {};
  for (const [key, option] of [
    ['extensionColumn', '--extension-column'],
    ['channelColumn', '--channel-column'],
  ] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (value.trim() === '') problems.push({ option, message: `${option} must name a column` });
    else recordColumns[key] = value;
  }
  return { holidays, ...(extension ? { extension } : {}), recordColumns };
}
