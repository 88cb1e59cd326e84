/**
 * A platform's run over an input whose rows name their connected accounts: an orchestration above
 * `runPipeline`, which stays a one-account run. The input is split by account (input/split-by-account.ts);
 * each account's rows run as an input of their own — their own `Stripe-Account` gateway, rate budget
 * (Stripe limits each account apart), state and jobs — up to `--account-concurrency` accounts at once;
 * then the accounts' reports are merged back into one results.csv in input order, and one
 * summary.json with totals and a block per account. An account the key cannot reach fails its own
 * rows with Stripe's answer; the others go on.
 */
import { dirname, join } from 'node:path';
import PQueue from 'p-queue';
import { formatDeadlineSpec } from '../domain/deadline.js';
import type { RowStatus } from '../domain/row-status.js';
import { ConfigError, GatewayError, StripeRedactError } from '../errors.js';
import type { Logger, LogFields } from '../io/logger.js';
import { RESULT_CSV_VERSION, writeJsonFileAtomic } from '../report/result-writer.js';
import { partColumnName, type AccountPart, type AccountSplit } from '../input/split-by-account.js';
import { checkInput, runPipeline, type CheckedInput, type RunSummary } from '../pipeline/run-pipeline.js';
import { INTERRUPTED_MESSAGE } from '../pipeline/write-report.js';
import { recordRunInLedger } from '../pipeline/record-run-in-ledger.js';
import { platformRecipients } from './platform-recipients.js';
import type { OpenedState } from './open-state.js';
import { openBudget, openGateway, openState, ResourceStack } from './run-resources.js';
import type { RunConfig } from './run-config.js';
import { accountStatePath } from './state-path.js';
import { mergeReports, totalsOf, zeroStatuses } from './merge-account-reports.js';

/** What one account's share of the run came to. */
export interface AccountOutcome {
  /** `acct_…`, or the key's own account's id once read (`''` until then). */
  account: string;
  /** True for the key's own account (rows with an empty account cell). */
  own: boolean;
  rows: number;
  statePath: string | null;
  stateIsNew: boolean;
  /** The account's run, when it ran. */
  summary?: RunSummary;
  /** Why it did not run: Stripe's answer (its rows are `failed`), or the interrupt (its rows `pending`). */
  error?: { status: 'failed' | 'pending'; message: string; code?: string };
  /** The account's state, open until its ledger entry is written (after the merge). */
  state?: OpenedState;
  /** What the account holds open (budget, state and lock), closed with its state. */
  resources?: ResourceStack;
}

/** The whole platform run: what summary.json and the exit code are made of. */
export interface AccountsRunResult {
  summary: Record<string, unknown> & { statuses: Record<RowStatus, number>; deadlines: { overdue: number }; stateIsNew: boolean; interrupted: boolean; rows: number; reappeared: number | null };
  outcomes: AccountOutcome[];
}

/** A logger whose every entry names the account it is about. */
function accountLogger(logger: Logger, account: string): Logger {
  const add = (fields?: LogFields): LogFields => ({ ...fields, account: account === '' ? 'own' : account });
  return {
    debug: (msg, fields) => logger.debug(msg, add(fields)),
    info: (msg, fields) => logger.info(msg, add(fields)),
    warn: (msg, fields) => logger.warn(msg, add(fields)),
    error: (msg, fields) => logger.error(msg, add(fields)),
    ...(logger.fileOnly ? { fileOnly: (level, msg, fields) => logger.fileOnly?.(level, msg, add(fields)) } : {}),
    close: async () => {},
  };
}

/**
 * Runs every account's rows and merges their reports. Errors that concern every account (the key
 * refused outright, an unreadable state) are thrown; an account the key cannot act for, one without
 * redaction jobs, or one whose state belongs elsewhere fails its own rows only.
 */
export async function runAccounts(
  config: RunConfig,
  context: { apiBase?: string; checked: CheckedInput; split: AccountSplit; logger: Logger; signal: AbortSignal },
): Promise<AccountsRunResult> {
  const { checked, split, logger, signal } = context;
  const info = checked.info;
  const startedAt = new Date().toISOString();
  const partsDir = join(config.outDir, 'accounts');
  const accounts = new PQueue({ concurrency: config.accountConcurrency });
  logger.info(`account column ${JSON.stringify(split.column.name)} (${split.column.chosenBy}): ${split.parts.length} account(s)`, {
    accounts: split.parts.map((p) => p.account || 'own'),
  });

  // An error that concerns every account stops the others too (`stop`), and is thrown once all of
  // them have closed their states.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const settled = await Promise.allSettled(split.parts.map((part) => accounts.add(() => runPart(part))));
  signal.removeEventListener('abort', onAbort);
  const fatal = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  const ran = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const closeStates = async () => {
    for (const outcome of ran) {
      await outcome.resources?.close();
      delete outcome.resources;
      delete outcome.state;
    }
  };
  if (fatal) {
    await closeStates();
    throw fatal.reason;
  }
  try {
    return await finish(ran);
  } finally {
    await closeStates();
  }

  async function runPart(part: AccountPart): Promise<AccountOutcome> {
    const own = part.account === '';
    const outcome: AccountOutcome = { account: part.account, own, rows: part.rows, statePath: null, stateIsNew: false };
    if (stop.signal.aborted) {
      outcome.error = { status: 'pending', message: INTERRUPTED_MESSAGE };
      return outcome;
    }
    const log = accountLogger(logger, part.account);
    // The account's own resources (its budget, its state and lock), closed after its ledger entry.
    const resources = new ResourceStack();
    outcome.resources = resources;
    const budget = openBudget(resources, { maxRps: config.maxRps, maxSearchRps: config.maxSearchRps, maxEndpointRps: config.maxEndpointRps });
    try {
      const gateway = openGateway({
        apiKey: config.apiKey,
        ...(context.apiBase ? { apiBase: context.apiBase } : {}),
        budget,
        logger: log,
        signal: stop.signal,
        ...(config.stripeVersion !== undefined ? { stripeVersion: config.stripeVersion } : {}),
        ...(own ? {} : { stripeAccount: part.account }),
      });
      // The part was written from the checked input: its columns are named (`input column N`) as
      // the whole input's were found, so no part guesses them again from its own rows.
      const input = {
        inputPath: part.path,
        inputName: info.name,
        column: partColumnName(info.identifierColumn),
        ...(info.receivedColumn !== null ? { receivedColumn: partColumnName(info.receivedColumn) } : {}),
        ...(info.requestIdColumn !== null ? { requestIdColumn: partColumnName(info.requestIdColumn) } : {}),
      };
      const partChecked = await checkInput(input);
      const statePath = accountStatePath(config.statePath, part.account);
      const state = await openState(resources, {
        gateway,
        statePath,
        livemode: config.livemode,
        ...(process.env.STRIPE_REDACT_HASH_KEY ? { hashKey: process.env.STRIPE_REDACT_HASH_KEY } : {}),
        logger: log,
        ...(own ? {} : { stripeAccount: part.account }),
      });
      outcome.account = state.account.id;
      outcome.statePath = state.path;
      outcome.state = state;
      outcome.stateIsNew = state.isNew;
      outcome.summary = await runPipeline(
        {
          ...input,
          outDir: join(partsDir, own ? 'own' : part.account),
          mode: config.mode,
          validationBehavior: config.validationBehavior,
          lookup: config.lookup,
          guests: config.guests,
          deadline: config.deadline,
          ...(config.dateOrder !== undefined ? { dateOrder: config.dateOrder } : {}),
          jobConcurrency: config.concurrency,
          pollIntervalMs: config.pollIntervalMs,
          jobTimeoutMs: config.jobTimeoutMs,
          livemode: config.livemode,
          account: state.account.id,
          checkedInput: partChecked,
          stateIsNew: state.isNew,
        },
        { gateway, budget, store: state.store, logger: log, signal: stop.signal },
      );
      return outcome;
    } catch (error) {
      // The key refused outright, an unreadable state, a bug: the run stops as a one-account run does.
      if ((error instanceof GatewayError && error.kind === 'auth') || !(error instanceof GatewayError || error instanceof ConfigError)) {
        stop.abort();
        throw error;
      }
      const message = error.message;
      log.error(`account ${part.account || 'own'}: its ${part.rows} row(s) failed: ${message}`, { code: error instanceof StripeRedactError ? error.code : undefined });
      outcome.error = { status: 'failed', message, ...(error instanceof GatewayError && error.stripeCode ? { code: error.stripeCode } : {}) };
      return outcome;
    } finally {
      // Kept open for the ledger entry after the merge; closed now when the account did not run.
      if (outcome.summary === undefined) {
        await resources.close();
        delete outcome.resources;
        delete outcome.state;
      }
    }
  }

  async function finish(outcomes: AccountOutcome[]): Promise<AccountsRunResult> {

  const merged = await mergeReports(config, info, split, outcomes);
  const totals = totalsOf(outcomes, merged);
  const ownOutcome = outcomes.find((o) => o.own);
  // The platform's own endpoints — its Connect endpoints receive every connected account's events —
  // named once: by the key's own account's run, or read here when the input had no row for it.
  const recipients = ownOutcome?.summary ? ownOutcome.summary.recipients : await platformRecipients(config, { ...(context.apiBase ? { apiBase: context.apiBase } : {}), logger, signal });
  const summary = {
    runId: merged.runIds.join(' '),
    interrupted: signal.aborted,
    mode: config.mode,
    validationBehavior: config.validationBehavior,
    livemode: config.livemode,
    toolVersion: outcomes.find((o) => o.summary)?.summary?.toolVersion,
    resultCsvVersion: RESULT_CSV_VERSION,
    startedAt,
    endedAt: new Date().toISOString(),
    input: info.name,
    inputSha256: checked.sha256,
    resultsPath: merged.resultsPath,
    resultsSha256: merged.sha256,
    reportPath: merged.reportPath,
    deadline: formatDeadlineSpec(config.deadline),
    accountColumn: { name: split.column.name, chosenBy: split.column.chosenBy },
    ...totals,
    stateIsNew: outcomes.some((o) => o.stateIsNew && (o.own || config.statePath === undefined)),
    // Each account's watch reads its own account: the people who came back, over all of them
    // (their files are in each account's folder).
    reappeared: outcomes.some((o) => typeof o.summary?.reappeared === 'number') ? outcomes.reduce((n, o) => n + (o.summary?.reappeared ?? 0), 0) : null,
    recipients,
    account: ownOutcome?.account ?? null,
    state_path: ownOutcome?.statePath ?? null,
    accounts: Object.fromEntries(
      outcomes.map((o) => [
        o.own ? 'own' : o.account,
        {
          account: o.account || null,
          own: o.own,
          rows: o.rows,
          state_path: o.statePath,
          stateIsNew: o.stateIsNew,
          ...(o.summary
            ? {
                runId: o.summary.runId,
                statuses: o.summary.statuses,
                jobs: o.summary.jobs,
                otherInputs: o.summary.otherInputs,
                apiCalls: o.summary.apiCalls,
                verification: o.summary.verification,
                deadlines: o.summary.deadlines,
                resultsPath: o.summary.resultsPath,
                reportPath: o.summary.reportPath,
                reappeared: o.summary.reappeared,
                reappearedPath: o.summary.reappearedPath,
                downstreamPath: o.summary.downstreamPath,
                recipients: o.summary.recipients,
              }
            : { statuses: { ...zeroStatuses(), [o.error?.status ?? 'failed']: o.rows } }),
          ...(o.error ? { error: o.error.message, ...(o.error.code ? { stripeCode: o.error.code } : {}) } : {}),
        },
      ]),
    ),
  };
  await writeJsonFileAtomic(join(config.outDir, 'summary.json'), summary);
  // Each account's state records the run in its ledger: its own summary.json (beside its own
  // results.csv) names the shared results.csv and its digest, which the entry's summary digest seals.
  const ledgerKey = process.env.STRIPE_REDACT_LEDGER_KEY?.trim() || undefined;
  for (const outcome of outcomes) {
    if (!outcome.summary || !outcome.state) continue;
    const summaryPath = join(dirname(outcome.summary.resultsPath), 'summary.json');
    await writeJsonFileAtomic(summaryPath, {
      ...outcome.summary,
      account: outcome.account,
      livemode: outcome.state.livemode,
      state_path: outcome.state.path,
      platformRun: { resultsPath: merged.resultsPath, resultsSha256: merged.sha256, summaryPath: join(config.outDir, 'summary.json') },
    });
    await recordRunInLedger(outcome.state.store, outcome.summary, { account: outcome.account, summaryPath, ...(ledgerKey ? { ledgerKey } : {}) });
  }
  return { summary, outcomes };
  }
}
