/**
 * The state's records for regulators (issue 17): the register of requests and the hash-chained
 * ledger of runs. Kept in their own tables, beside the run's working tables, so `expire` can drop
 * the identifying half (identifiers, resolutions, objects) and keep these.
 *
 * - requests: one row per request — the input's own request id when it had one (`ref` `rid:<id>`),
 *   else the identifier (`ref` `key:<identifier key>`, `invalid:<digest>` for an unusable cell);
 *   no email, no identifier once expired (`identifier_key` is null then);
 * - ledger: one entry per run that ended, chained by hash (docs/ledger.md); `run_ledger` holds each
 *   run's entry hash beside the run's record, so an entry removed from the end is caught like any other.
 */
export const RECORDS_TABLES = `
CREATE TABLE IF NOT EXISTS requests (
  ref TEXT PRIMARY KEY, request_key TEXT NOT NULL, identifier_key TEXT, request_id TEXT,
  received TEXT, first_seen TEXT NOT NULL, manner TEXT, due_by TEXT, extended_on TEXT,
  settled_on TEXT, outcome TEXT NOT NULL, basis TEXT,
  runs TEXT NOT NULL DEFAULT '[]', jobs TEXT NOT NULL DEFAULT '[]', expired_at TEXT
);
CREATE INDEX IF NOT EXISTS requests_by_identifier ON requests (identifier_key);
CREATE TABLE IF NOT EXISTS ledger (
  seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, entry TEXT NOT NULL, hash TEXT NOT NULL, hmac TEXT
);
CREATE TABLE IF NOT EXISTS run_ledger (run_id TEXT PRIMARY KEY, hash TEXT NOT NULL);
`;

/** The migration step to the records' schema version: new tables only. */
export const RECORDS_MIGRATION = RECORDS_TABLES;
