/**
 * The hash-chained ledger of runs (docs/ledger.md): one entry per run that ended, each holding the
 * SHA-256 of the entry before it, so that changing, removing or reordering an entry breaks the chain
 * at that place. An entry is hashed in its canonical encoding — JSON with object keys sorted by
 * code unit, no whitespace, as `JSON.stringify` writes strings and integers — so anyone can recompute
 * it with any JSON library. With `STRIPE_REDACT_LEDGER_KEY`, each entry also carries an HMAC-SHA-256
 * of the same bytes under that key: whoever lacks the key cannot rewrite the chain and its HMACs.
 * The ledger holds no email and no API key: digests, counts, times, ids of runs and the account.
 */
import { createHash, createHmac } from 'node:crypto';

/** The `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a run's entry records (every field hashed). */
export interface LedgerEntry {
  /** The entry format's version. */
  v: 1;
  seq: number;
  runId: string;
  mode: string;
  startedAt: string;
  endedAt: string;
  interrupted: boolean;
  account: string | null;
  livemode: boolean;
  toolVersion: string;
  inputSha256: string;
  resultsSha256: string;
  /** SHA-256 of results.csv in its expired form (`expire`): `ledger verify` accepts either. */
  resultsExpiredSha256: string;
  summarySha256: string;
  rows: number;
  statuses: Record<string, number>;
  /** 0-based input column of the request id (kept by `expire`), or null. */
  requestIdColumn: number | null;
  prevHash: string;
}

/** An entry as the state stores it. */
export interface StoredLedgerEntry {
  seq: number;
  runId: string;
  /** The canonical encoding, as hashed. */
  entry: string;
  hash: string;
  hmac: string | null;
}

/** The canonical encoding: sorted keys, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`the ledger holds integers only, got ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function hmacHex(key: string, text: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(text, 'utf8').digest('hex');
}

/** Seals an entry: its canonical text, hash, and HMAC when a key is given. */
export function sealEntry(entry: LedgerEntry, ledgerKey?: string): StoredLedgerEntry {
  const text = canonicalJson(entry);
  return { seq: entry.seq, runId: entry.runId, entry: text, hash: sha256Hex(text), hmac: ledgerKey ? hmacHex(ledgerKey, text) : null };
}

/** A run as `ledger verify` compares it with the ledger. */
export interface LedgerRun {
  id: string;
  startedAt: string;
  endedAt: string | null;
  ledgerHash: string | null;
}

/** What `ledger verify` found. `problems` name the first place each break shows, in ledger order. */
export interface LedgerVerdict {
  entries: number;
  problems: string[];
  /** HMACs present but not checked: no key given. */
  hmacsUnchecked: number;
}

/**
 * Recomputes the chain: sequence without gaps, each entry's hash over its canonical text, each
 * `prevHash` the hash before it, each HMAC (with a key), each run's recorded hash the entry's, and
 * every run that ended since the ledger began holding an entry.
 */
export function verifyLedger(entries: readonly StoredLedgerEntry[], runs: readonly LedgerRun[], ledgerKey?: string): LedgerVerdict {
  const problems: string[] = [];
  let hmacsUnchecked = 0;
  let prevHash = GENESIS_HASH;
  const byRun = new Map(runs.map((run) => [run.id, run]));
  const hashes = new Set<string>();
  entries.forEach((stored, index) => {
    const expectedSeq = index + 1;
    const where = `entry ${stored.seq} (run ${stored.runId})`;
    if (stored.seq !== expectedSeq) problems.push(`entry ${expectedSeq} is missing: the ledger goes from entry ${expectedSeq - 1} to entry ${stored.seq}`);
    let entry: Partial<LedgerEntry> = {};
    try {
      entry = JSON.parse(stored.entry) as Partial<LedgerEntry>;
      if (canonicalJson(entry) !== stored.entry) problems.push(`${where}: its text is not in the canonical encoding`);
    } catch {
      problems.push(`${where}: its text is not JSON`);
    }
    if (sha256Hex(stored.entry) !== stored.hash) problems.push(`${where}: its content does not match its hash (the entry was changed)`);
    if (entry.seq !== stored.seq || entry.runId !== stored.runId) problems.push(`${where}: the entry names seq ${String(entry.seq)}, run ${String(entry.runId)}`);
    if (entry.prevHash !== prevHash) {
      problems.push(`${where}: its previous hash is not the hash of ${stored.seq === 1 ? 'the chain\'s start' : `entry ${stored.seq - 1}`} (an entry before it was changed, removed or inserted)`);
    }
    if (ledgerKey) {
      if (stored.hmac === null) problems.push(`${where}: it has no HMAC, though STRIPE_REDACT_LEDGER_KEY is set`);
      else if (hmacHex(ledgerKey, stored.entry) !== stored.hmac) problems.push(`${where}: its HMAC does not match under STRIPE_REDACT_LEDGER_KEY`);
    } else if (stored.hmac !== null) hmacsUnchecked += 1;
    const run = byRun.get(stored.runId);
    if (!run) problems.push(`${where}: the state has no record of run ${stored.runId}`);
    else if (run.ledgerHash !== stored.hash) problems.push(`${where}: the state's record of run ${stored.runId} holds hash ${run.ledgerHash ?? 'none'}, the entry's is ${stored.hash}`);
    hashes.add(stored.hash);
    prevHash = stored.hash;
  });
  const first = entries[0];
  const start = first ? byRun.get(first.runId)?.startedAt : undefined;
  for (const run of runs) {
    if (run.ledgerHash !== null && !hashes.has(run.ledgerHash)) problems.push(`run ${run.id}: its entry (hash ${run.ledgerHash}) is missing from the ledger`);
    else if (run.ledgerHash === null && run.endedAt !== null && start !== undefined && run.startedAt > start) {
      problems.push(`run ${run.id}: it ended after the ledger began, but has no entry`);
    }
  }
  return { entries: entries.length, problems, hmacsUnchecked };
}

/** The entries that name a file by its SHA-256: as results.csv (either form) or summary.json. */
export function entriesNaming(entries: readonly StoredLedgerEntry[], sha256: string): { seq: number; runId: string; as: 'results.csv' | 'results.csv (expired)' | 'summary.json' }[] {
  const found: { seq: number; runId: string; as: 'results.csv' | 'results.csv (expired)' | 'summary.json' }[] = [];
  for (const stored of entries) {
    let entry: Partial<LedgerEntry>;
    try {
      entry = JSON.parse(stored.entry) as Partial<LedgerEntry>;
    } catch {
      continue;
    }
    if (entry.resultsSha256 === sha256) found.push({ seq: stored.seq, runId: stored.runId, as: 'results.csv' });
    else if (entry.resultsExpiredSha256 === sha256) found.push({ seq: stored.seq, runId: stored.runId, as: 'results.csv (expired)' });
    else if (entry.summarySha256 === sha256) found.push({ seq: stored.seq, runId: stored.runId, as: 'summary.json' });
  }
  return found;
}
