import type { Blocker } from '../domain/blocker.js';
import type { JobStatus, ValidationBehavior } from '../domain/job.js';
import type { ObjectStatus } from '../domain/object-status.js';
import type { ObjectOutcome } from '../domain/row-outcome.js';
import type { RunMode } from '../domain/row-status.js';
import type { StatedStatus, StripeRecord } from '../domain/verification.js';
import { sqlList, type StateSql } from './state-sql.js';
import { parseEventReason, parseReasons } from './state-reasons.js';
import type { StateHistory } from './history-reader.js';
import type { StoredRun } from './run-ledger.js';

/** Statuses of jobs that no longer carry their objects: the report lists them as earlier jobs only. */
const RELEASED_JOB_SQL = sqlList(['canceled' satisfies JobStatus, 'abandoned']);

/** The last read of an object, as its columns hold it; null when it was never read. */
function stripeRecordOf(o: {
  stripe_stated: StatedStatus | null;
  stripe_raw: string | null;
  stripe_created: number | null;
  stripe_read_at: string | null;
  verified_at: string | null;
}): StripeRecord | null {
  if (o.stripe_stated === null || o.stripe_read_at === null) return null;
  return {
    stated: o.stripe_stated,
    ...(o.stripe_raw !== null ? { raw: o.stripe_raw } : {}),
    created: o.stripe_created,
    readAt: o.stripe_read_at,
    verifiedAt: o.verified_at,
  };
}

/**
 * The read-only queries of the report, `history` and `show`. They read states of schema version 2
 * and 3 too, which a read-only open does not migrate: runs per identifier come from `seen_run`
 * when there is no `identifier_runs`, and sentences stored as reasons become `text` reasons.
 */
export function sqliteStateHistory(sql: StateSql): StateHistory {
  const runs = (): StoredRun[] => {
    // Ties in started_at (runs of one millisecond) go by insertion, not by the id's random tail.
    const rows = sql.prepare('SELECT id, mode, input_path, started_at, ended_at, summary FROM runs ORDER BY started_at, rowid').all() as {
      id: string;
      mode: RunMode;
      input_path: string;
      started_at: string;
      ended_at: string | null;
      summary: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      mode: r.mode,
      input: r.input_path,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      summary: r.summary === null ? null : (JSON.parse(r.summary) as Record<string, unknown>),
    }));
  };

  const identifierRecord: StateHistory['identifierRecord'] = (key) => {
    const r = sql.prepare('SELECT type, resolved_at, updated_at, seen_run FROM identifiers WHERE key = ?').get(key) as
      { type: string; resolved_at: string | null; updated_at: string; seen_run: string | null } | undefined;
    return r && { type: r.type, resolvedAt: r.resolved_at, updatedAt: r.updated_at, latestRun: r.seen_run };
  };

  // A state before schema version 5, read as it is, records no read of Stripe: its objects have none.
  let readColumns: string | undefined;
  const stripeReadColumns = () => {
    readColumns ??= (sql.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?').get('objects', 'verified_at') !== undefined)
      ? 'o.stripe_stated, o.stripe_raw, o.stripe_created, o.stripe_read_at, o.verified_at'
      : 'NULL AS stripe_stated, NULL AS stripe_raw, NULL AS stripe_created, NULL AS stripe_read_at, NULL AS verified_at';
    return readColumns;
  };

  return {
    identifierOutcome(key) {
      const id = sql.prepare('SELECT resolved_at, messages, updated_at FROM identifiers WHERE key = ?').get(key) as
        { resolved_at: string | null; messages: string; updated_at: string } | undefined;
      if (!id) return undefined;
      const objects = sql
        .prepare(
          `SELECT o.id, o.status, o.error_codes, o.messages, o.blockers, o.fixes, o.updated_at, ${stripeReadColumns()},
                  CASE WHEN j.status IN (${RELEASED_JOB_SQL}) THEN NULL ELSE j.stripe_id END AS job
             FROM resolutions r JOIN objects o ON o.id = r.object_id LEFT JOIN jobs j ON j.id = o.job_id
             WHERE r.identifier_key = ? ORDER BY o.id`,
        )
        .all(key) as {
        id: string;
        status: ObjectStatus;
        error_codes: string;
        messages: string;
        blockers: string;
        fixes: string;
        updated_at: string;
        job: string | null;
        stripe_stated: StatedStatus | null;
        stripe_raw: string | null;
        stripe_created: number | null;
        stripe_read_at: string | null;
        verified_at: string | null;
      }[];
      const jobsOf = sql.prepare(
        `SELECT j.stripe_id FROM job_objects jo JOIN jobs j ON j.id = jo.job_id
           WHERE jo.object_id = ? AND j.stripe_id IS NOT NULL ORDER BY j.id`,
      );
      return {
        resolved: id.resolved_at !== null,
        reasons: parseReasons(id.messages),
        updatedAt: id.updated_at,
        objects: objects.map(
          (o): ObjectOutcome => ({
            id: o.id,
            status: o.status,
            jobId: o.job,
            jobIds: (jobsOf.all(o.id) as { stripe_id: string }[]).map((j) => j.stripe_id),
            errorCodes: JSON.parse(o.error_codes) as string[],
            reasons: parseReasons(o.messages),
            blockers: JSON.parse(o.blockers) as Blocker[],
            fixes: JSON.parse(o.fixes) as Blocker[],
            updatedAt: o.updated_at,
            stripe: stripeRecordOf(o),
          }),
        ),
      };
    },

    runs,

    identifierRecord,

    identifierRuns(key) {
      const hasTable = sql.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'identifier_runs'").get() !== undefined;
      const ids = new Set(
        hasTable
          ? (sql.prepare('SELECT run_id FROM identifier_runs WHERE identifier_key = ?').all(key) as { run_id: string }[]).map((r) => r.run_id)
          : [identifierRecord(key)?.latestRun].filter((id): id is string => typeof id === 'string'),
      );
      return runs().filter((run) => ids.has(run.id));
    },

    jobsOfIdentifier(key) {
      const jobs = sql
        .prepare(
          `SELECT DISTINCT j.id, j.stripe_id, j.status, j.validation_behavior, j.run_id, j.created_at
             FROM resolutions r JOIN job_objects jo ON jo.object_id = r.object_id JOIN jobs j ON j.id = jo.job_id
             WHERE r.identifier_key = ? ORDER BY j.id`,
        )
        .all(key) as { id: number; stripe_id: string | null; status: string; validation_behavior: ValidationBehavior; run_id: string; created_at: string }[];
      const events = sql.prepare('SELECT status, at, detail FROM job_events WHERE job_id = ? ORDER BY rowid');
      // States written before job_behaviors know only the latest behaviour.
      const hasBehaviors = sql.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_behaviors'").get() !== undefined;
      const behaviors = (id: number, current: ValidationBehavior, createdAt: string): { behavior: ValidationBehavior; at: string }[] => {
        const rows = hasBehaviors
          ? (sql.prepare('SELECT behavior, at FROM job_behaviors WHERE job_id = ? ORDER BY rowid').all(id) as { behavior: ValidationBehavior; at: string }[])
          : [];
        return rows.length > 0 ? rows : [{ behavior: current, at: createdAt }];
      };
      const objects = sql.prepare('SELECT object_id FROM job_objects WHERE job_id = ? ORDER BY rowid');
      return jobs.map((j) => ({
        localId: j.id,
        stripeId: j.stripe_id,
        status: j.status,
        validationBehavior: j.validation_behavior,
        behaviors: behaviors(j.id, j.validation_behavior, j.created_at),
        runId: j.run_id,
        createdAt: j.created_at,
        objectIds: (objects.all(j.id) as { object_id: string }[]).map((o) => o.object_id),
        events: (events.all(j.id) as { status: string; at: string; detail: string | null }[]).map((e) => ({ status: e.status, at: e.at, reason: parseEventReason(e.detail) ?? null })),
      }));
    },
  };
}
