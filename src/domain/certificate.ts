import type { Recipient } from './recipients.js';
/** What a certificate of erasure states (cli/certificate.ts builds it; report/certificate-html.ts prints it). */
import type { RequestRecord } from './register.js';

export interface Certificate {
  kind: 'stripe-redact certificate of erasure';
  issuedAt: string;
  toolVersion: string;
  state: string;
  account: string | null;
  livemode: boolean | null;
  /** As the command was given it. */
  identifier: string;
  identifierType: string;
  /** The register's keyed digest of the identifier. */
  requestKey: string;
  /** The register's lines for this identifier: one per request id (or one without). */
  requests: Pick<RequestRecord, 'requestId' | 'received' | 'firstSeen' | 'dueBy' | 'extendedOn' | 'settledOn' | 'outcome' | 'basis'>[];
  /** The row's status as results.csv derives it, and when it last changed. */
  status: string | null;
  statusAt: string | null;
  /**
   * `status`: where the state has it; `stripeStated`/`readAt`: what Stripe itself stated when last
   * read, and when (null when never read); `verifiedAt`: when a read last showed it redacted.
   */
  objects: { id: string; status: string; statedAt: string; stripeStated: string | null; readAt: string | null; verifiedAt: string | null; fixes: { blocked: string; fix: string }[]; blockers: string[] }[];
  jobs: { jobId: string | null; status: string; validationBehavior: string; events: { status: string; at: string }[] }[];
  runs: { runId: string; mode: string; startedAt: string; endedAt: string | null; input: string; inputSha256: string | null; ledgerEntry: number | null; ledgerHash: string | null }[];
  /**
   * Who else received this account's personal data (GDPR art. 19, CCPA §7022(b)): the webhook
   * endpoints the latest run that read them named (summary.json `recipients`), and that run; null
   * when no run of this request could read them.
   */
  recipients: { runId: string; endpoints: Recipient[] } | null;
  scope: { covers: string[]; cannot: string[] };
}
