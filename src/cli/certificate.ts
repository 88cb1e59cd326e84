/**
 * A certificate of erasure for one person (`show <email|id> --certificate`): what the state records of
 * their request — the account and mode, the request's key and id, received, due and settled dates,
 * each Stripe object with the status Stripe last stated and when, the jobs and what Stripe's fix
 * changed, the runs with their ledger hashes — and, in plain words, what it covers and what it cannot.
 * Built from the request's story (request-story.ts, the same derivation as results.csv), the register
 * and the ledger; the email appears only because the command was given it.
 */
import type { Classified } from '../domain/identifier.js';
import type { Certificate } from '../domain/certificate.js';
import type { StateReader } from '../state/state-store.js';

export type { Certificate } from '../domain/certificate.js';
import { packageVersion } from '../io/package-version.js';
import { readRequestStory, type RequestStory } from './request-story.js';
import type { Recipient } from '../domain/recipients.js';
import type { StoredRun } from '../state/run-ledger.js';

/** The recipients the latest of these runs named (summary.json `recipients`), newest first; null when none could read them. */
function latestRecipients(runs: readonly StoredRun[]): Certificate['recipients'] {
  for (const run of [...runs].reverse()) {
    const recipients = run.summary?.recipients;
    if (Array.isArray(recipients)) return { runId: run.id, endpoints: recipients as Recipient[] };
  }
  return null;
}

/** The certificate of a known identifier; undefined when no run of the state read it. */
export function buildCertificate(store: StateReader, statePath: string, given: string, classified: Exclude<Classified, { kind: 'invalid' }>): Certificate | undefined {
  const story: RequestStory = readRequestStory(store, statePath, given, classified);
  if (!story.known) return undefined;
  const key = store.keyOf(classified);
  const account = store.account();
  const ledger = new Map(store.ledgerEntries().map((e) => [e.runId, e]));
  return {
    kind: 'stripe-redact certificate of erasure',
    issuedAt: new Date().toISOString(),
    toolVersion: packageVersion(),
    state: statePath,
    account: account?.accountId ?? null,
    livemode: account?.livemode ?? null,
    identifier: given,
    identifierType: story.identifierType,
    requestKey: store.requestKeyOf(key),
    requests: store.requestRecordsOf(key).map((r) => ({
      requestId: r.requestId,
      received: r.received,
      firstSeen: r.firstSeen,
      dueBy: r.dueBy,
      extendedOn: r.extendedOn,
      settledOn: r.settledOn,
      outcome: r.outcome,
      basis: r.outcome === 'erased' || r.outcome === 'no_data' ? null : r.basis,
    })),
    status: story.outcome?.status ?? null,
    statusAt: story.outcome?.updatedAt ?? null,
    objects: story.objects.map((o) => ({
      id: o.id,
      status: o.status,
      statedAt: o.updatedAt,
      stripeStated: o.stripe?.stated ?? null,
      readAt: o.stripe?.readAt ?? null,
      verifiedAt: o.stripe?.verifiedAt ?? null,
      fixes: o.fixes,
      blockers: o.blockers,
    })),
    jobs: story.jobs.map((j) => ({ jobId: j.jobId, status: j.status, validationBehavior: j.validationBehavior, events: j.events.map((e) => ({ status: e.status, at: e.at })) })),
    runs: story.runs.map((r) => ({
      runId: r.runId,
      mode: r.mode,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      input: r.input,
      inputSha256: r.inputSha256,
      ledgerEntry: ledger.get(r.runId)?.seq ?? null,
      ledgerHash: ledger.get(r.runId)?.hash ?? null,
    })),
    recipients: latestRecipients(store.identifierRuns(key)),
    scope: {
      covers: [
        `The Stripe account ${account?.accountId ?? '(unknown)'} in ${account?.livemode ? 'live' : 'test'} mode, and only it.`,
        'The Stripe objects listed here: the customers this email or id resolved to when the runs looked it up, the id given, and the objects Stripe redacted with them through its redaction jobs.',
        "Each object's status is the one Stripe last stated to this tool, at the time shown; the runs and their ledger hashes tie this record to the reports they wrote.",
      ],
      cannot: [
        'Copies of the data made before the erasure, outside this Stripe account: webhook deliveries, exports, data warehouses, e-mail, backups, and connected systems.',
        'Data Stripe keeps for its own legal obligations (e.g. anti-money-laundering, tax and card-network rules), which a redaction job does not remove.',
        'Customers or objects that carry this person under another email or id, or that were created after the runs listed here.',
        'That the request itself was valid or verified: the tool acts on the requests it is given.',
      ],
    },
  };
}
