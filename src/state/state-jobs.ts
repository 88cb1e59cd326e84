import type { JobStatus, ValidationBehavior } from '../domain/job.js';
import { TERMINAL_JOB_SQL, type StateSql } from './state-sql.js';
import { serializeEventReason } from './state-reasons.js';
import type { JobLedger, StoredJob } from './job-ledger.js';
import type { ObjectLedger } from './object-ledger.js';

/**
 * The `jobs`, `job_objects` and `job_events` tables: every job this state created or adopted, the
 * objects it carried, each status seen. Idempotency keys derive from the state's id and a job's
 * local id, so they survive restarts and never collide across states.
 */
export function sqliteJobLedger(sql: StateSql, stateId: string, objects: Pick<ObjectLedger, 'setObjectStatus'>): JobLedger {
  const recordEvent = (localId: number, status: string, detail: string | null, at: string) => {
    sql.prepare('INSERT INTO job_events (job_id, status, at, detail) VALUES (?, ?, ?, ?)').run(localId, status, at, detail);
  };

  const toStoredJob = (r: { id: number; stripe_id: string | null; status: JobStatus | 'unsent'; validation_behavior: ValidationBehavior }): StoredJob => {
    const objectIds = (sql.prepare('SELECT object_id FROM job_objects WHERE job_id = ? ORDER BY rowid').all(r.id) as { object_id: string }[]).map(
      (o) => o.object_id,
    );
    return { localId: r.id, stripeId: r.stripe_id, status: r.status, validationBehavior: r.validation_behavior, objectIds };
  };

  return {
    insertJob(objectIds, validationBehavior, runId) {
      const now = sql.now();
      return sql.transaction(() => {
        const { lastInsertRowid } = sql
          .prepare(`INSERT INTO jobs (status, validation_behavior, run_id, created_at, updated_at) VALUES ('unsent', ?, ?, ?, ?)`)
          .run(validationBehavior, runId, now, now);
        const localId = Number(lastInsertRowid);
        const link = sql.prepare('INSERT INTO job_objects (job_id, object_id) VALUES (?, ?)');
        for (const id of objectIds) link.run(localId, id);
        // Blockers and fixes stay: they are what Stripe said of the object, until a new validation says otherwise.
        objects.setObjectStatus(objectIds, { status: 'in_job', jobLocalId: localId, deferredOn: null, errorCodes: [], reasons: [] });
        recordEvent(localId, 'unsent', null, now);
        sql.prepare('INSERT INTO job_behaviors (job_id, behavior, at) VALUES (?, ?, ?)').run(localId, validationBehavior, now);
        return { localId, stripeId: null, status: 'unsent' as const, validationBehavior, objectIds: [...objectIds] };
      });
    },

    linkObjectToJob(objectId, jobLocalId) {
      sql.prepare('INSERT OR IGNORE INTO job_objects (job_id, object_id) VALUES (?, ?)').run(jobLocalId, objectId);
    },

    createKey(job) {
      return `stripe-redact-${stateId}-job-${job.localId}-create`;
    },

    nextActionKey(job, action) {
      const { actions } = sql.prepare('UPDATE jobs SET actions = actions + 1 WHERE id = ? RETURNING actions').get(job.localId) as { actions: number };
      return `stripe-redact-${stateId}-job-${job.localId}-${action}-${actions}`;
    },

    recordJobCreated(job, stripeId, status, created) {
      const now = sql.now();
      sql.prepare('UPDATE jobs SET stripe_id = ?, status = ?, updated_at = ? WHERE id = ?').run(stripeId, status, now, job.localId);
      recordEvent(job.localId, status, stripeId, now);
      job.stripeId = stripeId;
      job.status = status;
      if (created !== undefined) job.created = created;
    },

    recordJobStatus(job, status, reason) {
      if (job.status === status) return;
      const now = sql.now();
      sql.prepare('UPDATE jobs SET status = ?, updated_at = ? WHERE id = ?').run(status, now, job.localId);
      recordEvent(job.localId, status, reason ? serializeEventReason(reason) : null, now);
      if (status !== 'abandoned') job.status = status;
    },

    recordJobBehavior(job, behavior) {
      const now = sql.now();
      sql.transaction(() => {
        // A job from before job_behaviors existed: its first behaviour is the one the jobs row holds.
        sql
          .prepare(
            `INSERT INTO job_behaviors (job_id, behavior, at) SELECT id, validation_behavior, created_at FROM jobs
               WHERE id = ? AND NOT EXISTS (SELECT 1 FROM job_behaviors WHERE job_id = ?)`,
          )
          .run(job.localId, job.localId);
        sql.prepare('UPDATE jobs SET validation_behavior = ?, updated_at = ? WHERE id = ?').run(behavior, now, job.localId);
        sql.prepare('INSERT INTO job_behaviors (job_id, behavior, at) VALUES (?, ?, ?)').run(job.localId, behavior, now);
      });
      job.validationBehavior = behavior;
    },

    liveJobs() {
      const rows = sql
        .prepare(`SELECT id, stripe_id, status, validation_behavior FROM jobs WHERE status NOT IN (${TERMINAL_JOB_SQL}) ORDER BY id`)
        .all() as { id: number; stripe_id: string | null; status: JobStatus | 'unsent'; validation_behavior: ValidationBehavior }[];
      return rows.map(toStoredJob);
    },

    isJobOfRun(jobLocalId, runId) {
      const r = sql
        .prepare(
          `SELECT COUNT(*) AS total,
                  SUM(CASE WHEN EXISTS (SELECT 1 FROM resolutions r JOIN identifiers i ON i.key = r.identifier_key
                                         WHERE r.object_id = jo.object_id AND i.seen_run = ?) THEN 1 ELSE 0 END) AS own
             FROM job_objects jo WHERE jo.job_id = ?`,
        )
        .get(runId, jobLocalId) as { total: number; own: number | null };
      return r.total > 0 && r.own === r.total;
    },

    knowsJob(stripeId) {
      return sql.prepare('SELECT 1 FROM jobs WHERE stripe_id = ?').get(stripeId) !== undefined;
    },

    stripeIdOf(jobLocalId) {
      return (sql.prepare('SELECT stripe_id FROM jobs WHERE id = ?').get(jobLocalId) as { stripe_id: string | null } | undefined)?.stripe_id ?? null;
    },

    succeededJobHolding(objectId, exceptJob = 0) {
      const r = sql
        .prepare(
          `SELECT j.id FROM job_objects jo JOIN jobs j ON j.id = jo.job_id
             WHERE jo.object_id = ? AND j.id != ? AND j.status = 'succeeded' ORDER BY j.id DESC LIMIT 1`,
        )
        .get(objectId, exceptJob) as { id: number } | undefined;
      return r?.id;
    },

    liveJobHolding(objectId, exceptJob = 0) {
      const r = sql
        .prepare(
          `SELECT j.id FROM job_objects jo JOIN jobs j ON j.id = jo.job_id
             WHERE jo.object_id = ? AND j.id != ? AND j.status NOT IN (${TERMINAL_JOB_SQL}) ORDER BY j.id DESC LIMIT 1`,
        )
        .get(objectId, exceptJob) as { id: number } | undefined;
      return r?.id;
    },

    jobCounts(runId) {
      const rows = sql.prepare('SELECT status, COUNT(*) AS n FROM jobs WHERE run_id = ? GROUP BY status').all(runId) as { status: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
  };
}
