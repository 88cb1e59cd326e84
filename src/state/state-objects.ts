import type { Blocker } from '../domain/blocker.js';
import { JOB_BOUND_OBJECT_STATUSES, UNCARRIED_OBJECT_STATUSES, type ObjectStatus } from '../domain/object-status.js';
import { sqlList, TERMINAL_JOB_SQL, type StateSql } from './state-sql.js';
import { serializeReasons } from './state-reasons.js';
import type { ObjectLedger } from './object-ledger.js';

/**
 * The `objects` table: each Stripe object's status, the job holding it or the job it waits for,
 * its reasons, and the blockers and fixes Stripe's validations listed for it (JSON data).
 */
export function sqliteObjectLedger(sql: StateSql): ObjectLedger {
  const setObjectStatus: ObjectLedger['setObjectStatus'] = (ids, change) => {
    const now = sql.now();
    const sets = ['status = @status', 'updated_at = @now'];
    if (change.errorCodes !== undefined) sets.push('error_codes = @codes');
    if (change.reasons !== undefined) sets.push('messages = @reasons');
    if (change.blockers !== undefined) sets.push('blockers = @blockers');
    if (change.fixes !== undefined) sets.push('fixes = @fixes');
    if (change.jobLocalId !== undefined) sets.push('job_id = @job');
    if (change.deferredOn !== undefined) sets.push('deferred_on = @deferred');
    const statement = sql.prepare(`UPDATE objects SET ${sets.join(', ')} WHERE id = @id`);
    sql.transaction(() => {
      for (const id of ids) {
        statement.run({
          id,
          now,
          status: change.status,
          codes: JSON.stringify(change.errorCodes ?? []),
          reasons: serializeReasons(change.reasons ?? []),
          blockers: JSON.stringify(change.blockers ?? []),
          fixes: JSON.stringify(change.fixes ?? []),
          job: change.jobLocalId ?? null,
          deferred: change.deferredOn ?? null,
        });
      }
    });
  };

  return {
    objectsNeedingJobOf(key) {
      return (
        sql
          .prepare(
            `SELECT o.id FROM resolutions r JOIN objects o ON o.id = r.object_id
               LEFT JOIN jobs j ON j.id = CASE WHEN o.status = 'deferred' THEN o.deferred_on ELSE o.job_id END
               WHERE r.identifier_key = ? AND (
                 o.status IN (${sqlList(UNCARRIED_OBJECT_STATUSES)})
                 OR (o.status IN (${sqlList(JOB_BOUND_OBJECT_STATUSES)})
                     AND (j.id IS NULL OR j.status IN (${TERMINAL_JOB_SQL}))))
               ORDER BY o.id`,
          )
          .all(key) as { id: string }[]
      ).map((r) => r.id);
    },

    objectsDeferredOn(jobLocalId) {
      return (sql.prepare(`SELECT id FROM objects WHERE status = 'deferred' AND deferred_on = ?`).all(jobLocalId) as { id: string }[]).map((r) => r.id);
    },

    objectStatus(id) {
      return (sql.prepare('SELECT status FROM objects WHERE id = ?').get(id) as { status: ObjectStatus } | undefined)?.status;
    },

    setObjectStatus,

    blockersOf(ids) {
      const get = sql.prepare('SELECT blockers FROM objects WHERE id = ?');
      return new Map(ids.map((id) => [id, JSON.parse((get.get(id) as { blockers: string } | undefined)?.blockers ?? '[]') as Blocker[]]));
    },

    fixesOf(ids) {
      const get = sql.prepare('SELECT fixes FROM objects WHERE id = ?');
      return new Map(ids.map((id) => [id, JSON.parse((get.get(id) as { fixes: string } | undefined)?.fixes ?? '[]') as Blocker[]]));
    },

    promoteBlockersToFixes(ids) {
      const promote = sql.prepare(`UPDATE objects SET fixes = blockers, blockers = '[]', updated_at = ? WHERE id = ? AND blockers != '[]'`);
      const now = sql.now();
      sql.transaction(() => {
        for (const id of ids) promote.run(now, id);
      });
    },

    clearBlockers(ids) {
      const clear = sql.prepare(`UPDATE objects SET fixes = '[]', blockers = '[]' WHERE id = ?`);
      sql.transaction(() => {
        for (const id of ids) clear.run(id);
      });
    },

    recordReading(id, reading, { verified = false } = {}) {
      const now = sql.now();
      // updated_at moves when the row can read differently: a new status, or Stripe stating something new.
      sql
        .prepare(
          `UPDATE objects SET
             updated_at = CASE WHEN @verified = 1 AND status != 'redacted' OR stripe_stated IS NOT @stated THEN @now ELSE updated_at END,
             status = CASE WHEN @verified = 1 THEN 'redacted' ELSE status END,
             verified_at = CASE WHEN @verified = 1 THEN @now ELSE verified_at END,
             stripe_stated = @stated, stripe_raw = @raw, stripe_created = COALESCE(@created, stripe_created), stripe_read_at = @now
           WHERE id = @id`,
        )
        .run({ id, now, verified: verified ? 1 : 0, stated: reading.stated, raw: reading.raw ?? null, created: reading.created });
    },

    objectsAwaitingProof(runId) {
      return sql
        .prepare(
          `SELECT DISTINCT o.id, o.type FROM identifier_runs ir
             JOIN resolutions r ON r.identifier_key = ir.identifier_key JOIN objects o ON o.id = r.object_id
             WHERE ir.run_id = ? AND o.status = 'redaction_pending' ORDER BY o.id`,
        )
        .all(runId) as { id: string; type: string }[];
    },
  };
}
