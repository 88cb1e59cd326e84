/**
 * The register's rows in the state (state-records-schema.ts `requests`): written at each run's
 * report, one upsert per request, and read by `register`, `metrics`, the certificate and `expire`.
 */
import { isSettledOutcome, type RegisterOutcome, type RequestRecord } from '../domain/register.js';
import type { StateSql } from './state-sql.js';

/** What one report row tells the register about its request. */
export interface RequestFacts {
  /** `rid:<request id>`, `key:<identifier key>` or `invalid:<digest>`. */
  ref: string;
  requestKey: string;
  /** The state's identifier key; null for an invalid row. */
  identifierKey: string | null;
  requestId: string | null;
  received: string | null;
  manner: string | null;
  dueBy: string | null;
  extendedOn: string | null;
  outcome: RegisterOutcome;
  basis: string | null;
  /** The day the row's settling was recorded, when the outcome settles it. */
  settledDay: string | null;
  jobIds: string[];
}

/** Writes the register: each run's report records what it said of every request. */
export interface RequestRegisterWriter {
  /** Records a run's facts about requests, in one transaction; expired requests stay as they are. */
  recordRequests(facts: readonly RequestFacts[], runId: string): void;
}

/** Reads the register. */
export interface RequestRegisterReader {
  /** Every request, by the day it counts from, then key. Empty for a state before the register. */
  requestRecords(): RequestRecord[];
  /** The requests an identifier made (its key as the state names it). */
  requestRecordsOf(identifierKey: string): RequestRecord[];
}

interface Row {
  request_key: string;
  request_id: string | null;
  received: string | null;
  first_seen: string;
  manner: string | null;
  due_by: string | null;
  extended_on: string | null;
  settled_on: string | null;
  outcome: RegisterOutcome;
  basis: string | null;
  runs: string;
  jobs: string;
  expired_at: string | null;
}

const toRecord = (r: Row): RequestRecord => ({
  requestKey: r.request_key,
  requestId: r.request_id,
  received: r.received,
  firstSeen: r.first_seen,
  manner: r.manner,
  dueBy: r.due_by,
  extendedOn: r.extended_on,
  settledOn: r.settled_on,
  outcome: r.outcome,
  basis: r.basis,
  runs: JSON.parse(r.runs) as string[],
  jobs: JSON.parse(r.jobs) as string[],
  expiredAt: r.expired_at,
});

/**
 * A register line's columns that a run writes, each with its value's name: one list for the read,
 * the insert, the update and the comparison that skips an unchanged line.
 */
const LINE_COLUMNS = [
  ['request_key', 'requestKey'],
  ['identifier_key', 'identifierKey'],
  ['request_id', 'requestId'],
  ['received', 'received'],
  ['manner', 'manner'],
  ['due_by', 'dueBy'],
  ['extended_on', 'extendedOn'],
  ['settled_on', 'settledOn'],
  ['outcome', 'outcome'],
  ['basis', 'basis'],
  ['runs', 'runs'],
  ['jobs', 'jobs'],
] as const;

type LineValues = { [C in (typeof LINE_COLUMNS)[number] as C[1]]: string | null };
type StoredLine = { [C in (typeof LINE_COLUMNS)[number] as C[0]]: string | null } & { expired_at: string | null };

export function sqliteRequestRegisterWriter(sql: StateSql): RequestRegisterWriter {
  return {
    recordRequests(facts, runId) {
      if (facts.length === 0) return;
      const today = sql.now().slice(0, 10);
      const columns = LINE_COLUMNS.map(([column]) => column);
      const get = sql.prepare(`SELECT ${columns.join(', ')}, expired_at FROM requests WHERE ref = ?`);
      const insert = sql.prepare(
        `INSERT INTO requests (ref, first_seen, ${columns.join(', ')}) VALUES (@ref, @today, ${LINE_COLUMNS.map(([, value]) => `@${value}`).join(', ')})`,
      );
      const update = sql.prepare(`UPDATE requests SET ${LINE_COLUMNS.map(([column, value]) => `${column} = @${value}`).join(', ')} WHERE ref = @ref`);
      sql.transaction(() => {
        for (const f of facts) {
          const known = get.get(f.ref) as StoredLine | undefined;
          // An expired request keeps its accountability half as it was when it expired.
          if (known?.expired_at) continue;
          const runs = known ? (JSON.parse(known.runs as string) as string[]) : [];
          // The runs that read it until it settled: a later run that reads a settled request again
          // only reports it, and a cumulative export would otherwise add every night to every line.
          if (!runs.includes(runId) && !(known?.settled_on && isSettledOutcome(f.outcome))) runs.push(runId);
          const jobs = known ? (JSON.parse(known.jobs as string) as string[]) : [];
          for (const job of f.jobIds) if (!jobs.includes(job)) jobs.push(job);
          // The first day it settled stays; a request that no longer reads settled has no such day.
          const settledOn = isSettledOutcome(f.outcome) ? (known?.settled_on ?? f.settledDay ?? today) : null;
          const line: LineValues = {
            requestKey: f.requestKey,
            identifierKey: f.identifierKey,
            requestId: f.requestId,
            received: f.received,
            manner: f.manner,
            dueBy: f.dueBy,
            extendedOn: f.extendedOn,
            settledOn,
            outcome: f.outcome,
            basis: f.basis,
            runs: JSON.stringify(runs),
            jobs: JSON.stringify(jobs),
          };
          if (known === undefined) insert.run({ ...line, ref: f.ref, today });
          // A line that would read the same is not written again: an unchanged update still writes its page.
          else if (LINE_COLUMNS.some(([column, value]) => known[column] !== line[value])) update.run({ ...line, ref: f.ref });
        }
      });
    },
  };
}

export function sqliteRequestRegisterReader(sql: StateSql): RequestRegisterReader {
  const hasTable = () => sql.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests'").get() !== undefined;
  const columns = 'request_key, request_id, received, first_seen, manner, due_by, extended_on, settled_on, outcome, basis, runs, jobs, expired_at';
  return {
    requestRecords() {
      if (!hasTable()) return [];
      return (sql.prepare(`SELECT ${columns} FROM requests ORDER BY COALESCE(received, first_seen), request_key, request_id`).all() as Row[]).map(toRecord);
    },
    requestRecordsOf(identifierKey) {
      if (!hasTable()) return [];
      return (sql.prepare(`SELECT ${columns} FROM requests WHERE identifier_key = ? ORDER BY COALESCE(received, first_seen), request_id`).all(identifierKey) as Row[]).map(toRecord);
    },
  };
}
