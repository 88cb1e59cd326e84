/**
 * A platform's run over an input whose rows name their connected accounts: an orchestration above
 * `runPipeline`, which stays a one-account run. The input is split by account (input/split-by-account.ts);
 * each account's rows run as an input of their own — their own `Stripe-Account` gateway, rate budget
 * (Stripe limits each account apart), state and jobs — up to `--account-concurrency` accounts at once;
 * then the accounts' reports are merged back into one results.csv in input order, and one
 * summary.json with totals and a block per account. An account the key cannot reach fails its own
 * rows with Stripe's answer; the others go on.
 */
import { createReadStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse';
import pLimit from 'p-limit';
import { formatDeadlineSpec } from '../domain/deadline.js';
import { describeNonRequest } from '../domain/export-footer.js';
import { classifyIdentifier } from '../domain/identifier.js';
import { ROW_STATUSES, type RowStatus } from '../domain/row-status.js';
import { ConfigError, GatewayError, StripeRedactError } from '../errors.js';
import type { Logger, LogFields } from '../io/logger.js';
import { inspectRequestFile, readRequestRows, type RequestFileInfo } from '../input/request-reader.js';
import { inputColumnNames, RESULT_COLUMNS, RESULT_CSV_VERSION, resultRecord, writeJsonFileAtomic, writeResultRecordsFile, writeTextFileAtomic, type ResultRow } from '../report/result-writer.js';
import { escapeHtml } from '../report/escape-html.js';
import { partColumnName, type AccountPart, type AccountSplit } from '../input/split-by-account.js';
import { checkInput, runPipeline, type CheckedInput, type RunSummary } from '../pipeline/run-pipeline.js';
import { INTERRUPTED_MESSAGE } from '../pipeline/write-report.js';
import { recordRunInLedger } from '../pipeline/record-run-in-ledger.js';
import type { OpenedState } from './open-state.js';
import { openBudget, openGateway, openState, ResourceStack } from './run-resources.js';
import type { RunConfig } from './run-config.js';
import { accountStatePath } from './state-path.js';

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
  const limit = pLimit(config.accountConcurrency);
  logger.info(`account column ${JSON.stringify(split.column.name)} (${split.column.chosenBy}): ${split.parts.length} account(s)`, {
    accounts: split.parts.map((p) => p.account || 'own'),
  });

  // An error that concerns every account stops the others too (`stop`), and is thrown once all of
  // them have closed their states.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const settled = await Promise.allSettled(split.parts.map((part) => limit(() => runPart(part))));
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

function zeroStatuses(): Record<RowStatus, number> {
  return Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])) as Record<RowStatus, number>;
}

/** Totals over the accounts: rows per status from the merged file itself; jobs, calls and deadlines summed. */
function totalsOf(outcomes: AccountOutcome[], merged: { statuses: Record<RowStatus, number>; rows: number }) {
  const jobs = { driven: 0, byStatus: {} as Record<string, number> };
  const otherInputs = { jobs: 0, byStatus: {} as Record<string, number> };
  const apiCalls = { total: 0, byOperation: {} as Record<string, number>, rateLimited: 0, peakPerSecond: 0 };
  const deadlines = { overdue: 0, dueWithin7Days: 0, withoutDate: 0, settledLate: 0 };
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
  };
  for (const { summary } of outcomes) {
    if (!summary) continue;
    jobs.driven += summary.jobs.driven;
    add(jobs.byStatus, summary.jobs.byStatus);
    otherInputs.jobs += summary.otherInputs.jobs;
    add(otherInputs.byStatus, summary.otherInputs.byStatus);
    apiCalls.total += summary.apiCalls.total;
    add(apiCalls.byOperation, summary.apiCalls.byOperation);
    apiCalls.rateLimited += summary.apiCalls.rateLimited;
    // Each account has its own limit: the peak that matters is each account's, the largest shown here.
    apiCalls.peakPerSecond = Math.max(apiCalls.peakPerSecond, summary.apiCalls.peakPerSecond);
    add(deadlines, summary.deadlines);
  }
  return { rows: merged.rows, statuses: merged.statuses, jobs, otherInputs, apiCalls, deadlines };
}

/**
 * One results.csv in input order from the accounts' own: each input row takes the next row of its
 * account's report, with the input's row number; a failed account's rows and blank separator lines
 * are written here. Also an index report.html naming each account's report.
 */
async function mergeReports(config: RunConfig, info: RequestFileInfo, split: AccountSplit, outcomes: AccountOutcome[]) {
  const width = Math.max(info.columnCount, info.header?.length ?? 0);
  const columns = [...inputColumnNames(info.header, width), ...RESULT_COLUMNS];
  const statusAt = RESULT_COLUMNS.indexOf('status');
  const rowAt = RESULT_COLUMNS.indexOf('row');
  const statuses = zeroStatuses();
  const now = new Date().toISOString();
  const runIds = outcomes.flatMap((o) => (o.summary ? [o.summary.runId] : []));
  const fallbackRunId = runIds[0] ?? '';
  let rows = 0;

  /** The rows of each account, as its report wrote them or as they stand when it did not run. */
  const sources = split.parts.map((part, index) => partRecords(part, outcomes[index]!));
  async function* partRecords(part: AccountPart, outcome: AccountOutcome): AsyncGenerator<string[]> {
    if (outcome.summary) {
      const parser = createReadStream(outcome.summary.resultsPath).pipe(parse({ bom: true, relax_column_count: true }));
      let first = true;
      for await (const record of parser as AsyncIterable<string[]>) {
        if (first) {
          first = false;
          continue;
        }
        const inputCells = record.slice(0, record.length - RESULT_COLUMNS.length);
        while (inputCells.length < width) inputCells.push('');
        yield [...inputCells.slice(0, width), ...record.slice(record.length - RESULT_COLUMNS.length)];
      }
      return;
    }
    const partInfo = await inspectRequestFile(part.path, { name: info.name, column: partColumnName(info.identifierColumn) });
    for await (const row of readRequestRows(partInfo)) {
      const classified = classifyIdentifier(row.identifier);
      const result: ResultRow = {
        fields: row.fields,
        row: row.row,
        identifierType: classified.type,
        status: outcome.error?.status ?? 'failed',
        objectIds: [],
        jobId: null,
        earlierJobIds: [],
        blockingCodes: [],
        fixes: [],
        messages: [outcome.error?.message ?? 'this account did not run'],
        dueBy: null,
        runId: fallbackRunId,
        livemode: config.livemode,
        updatedAt: now,
        verifiedAt: null,
      };
      yield resultRecord(result, width);
    }
  }

  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  // Each part's rows in its own numbering → the input's: a message naming a row ("duplicate of row
  // 3") names the part's row, and must name the input's.
  const globalRows = split.parts.map((part) => new Int32Array(part.rows));
  {
    const seen = new Int32Array(split.parts.length);
    for (let k = 0; k < split.order.length; k += 1) {
      const index = split.order[k]!;
      if (index >= 0) globalRows[index]![seen[index]!++] = split.rowNumbers[k]!;
    }
  }
  const messagesAt = RESULT_COLUMNS.indexOf('messages');
  async function* records(): AsyncGenerator<string[]> {
    for (let k = 0; k < split.order.length; k += 1) {
      const index = split.order[k]!;
      const row = split.rowNumbers[k]!;
      let record: string[];
      if (index === -1) {
        const separator = split.separators.get(row);
        record = resultRecord(
          {
            fields: separator?.fields ?? [],
            row,
            identifierType: 'unknown',
            status: 'skipped',
            objectIds: [],
            jobId: null,
            earlierJobIds: [],
            blockingCodes: [],
            fixes: [],
            messages: separator?.kind !== undefined ? [describeNonRequest(separator.kind)] : ['a blank line: no request'],
            dueBy: null,
            runId: fallbackRunId,
            livemode: config.livemode,
            updatedAt: now,
            verifiedAt: null,
          },
          width,
        );
      } else {
        const next = await iterators[index]!.next();
        if (next.done) throw new Error(`internal: the report of account ${split.parts[index]?.account || 'own'} ended before input row ${row}`);
        record = next.value;
        record[width + rowAt] = String(row);
        const rowsOfPart = globalRows[index]!;
        const messages = record[width + messagesAt];
        if (messages?.includes('of row ')) {
          record[width + messagesAt] = messages.replace(/\bof row (\d+)\b/g, (whole, local: string) => {
            const global = rowsOfPart[Number(local) - 1];
            return global === undefined ? whole : `of row ${global}`;
          });
        }
      }
      const status = record[width + statusAt] as RowStatus;
      if (status in statuses) statuses[status] += 1;
      rows += 1;
      yield record;
    }
  }

  const resultsPath = join(config.outDir, 'results.csv');
  await writeResultRecordsFile(resultsPath, columns, records(), config.excel ? { excel: { delimiter: info.delimiter } } : {});
  const sha256 = await fileSha256(resultsPath);
  const reportPath = join(config.outDir, 'report.html');
  await writeTextFileAtomic(reportPath, accountsIndexHtml(outcomes, statuses, config));
  return { resultsPath, sha256, reportPath, statuses, rows, runIds };
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** report.html of a platform run: the totals, and for each account its counts and a link to its own report. */
function accountsIndexHtml(outcomes: AccountOutcome[], statuses: Record<RowStatus, number>, config: RunConfig): string {
  const counts = (s: Record<string, number>) =>
    Object.entries(s)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${escapeHtml(status)} ${n}`)
      .join(', ') || 'none';
  const rows = outcomes
    .map((o) => {
      const name = o.own ? `${escapeHtml(o.account || 'the key’s own account')} (own)` : escapeHtml(o.account);
      const statusCounts = o.summary ? counts(o.summary.statuses) : `${o.error?.status ?? 'failed'} ${o.rows}`;
      const link = o.summary ? `<a href="accounts/${o.own ? 'own' : escapeHtml(o.account)}/report.html">report</a>` : escapeHtml(o.error?.message ?? '');
      return `<tr><td>${name}</td><td>${o.rows}</td><td>${statusCounts}</td><td>${link}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stripe-redact ${escapeHtml(config.mode)} run over ${outcomes.length} account(s)</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;text-align:left}</style></head>
<body><h1>stripe-redact ${escapeHtml(config.mode)} run over ${outcomes.length} account(s)</h1>
<p>All rows: ${counts(statuses)}. Every row is in results.csv, in input order; each account's own report is linked below.</p>
<table><thead><tr><th>account</th><th>rows</th><th>statuses</th><th>report</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}

/** The end summary on stderr: totals, then one line per account. */
export function describeAccountsRun(result: AccountsRunResult, config: RunConfig): string {
  const { summary, outcomes } = result;
  const counts = (statuses: Record<string, number>) =>
    Object.entries(statuses)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ') || 'none';
  const lines = [
    `stripe-redact ${config.mode} run over ${outcomes.length} account(s)${summary.interrupted ? ' (interrupted; run again to continue)' : ''}: ${summary.rows} ${summary.rows === 1 ? 'row' : 'rows'} — ${counts(summary.statuses)}`,
    ...outcomes.map((o) => {
      const name = o.own ? `${o.account || 'own account'} (the key's own)` : o.account;
      if (!o.summary) return `  ${name}: ${o.rows} row(s) ${o.error?.status ?? 'failed'}: ${o.error?.message ?? ''}`;
      return `  ${name}: ${o.rows} row(s) — ${counts(o.summary.statuses)}; jobs ${o.summary.jobs.driven}; API calls ${o.summary.apiCalls.total}; state ${o.statePath}`;
    }),
    `  results: ${resolve(String(summary.resultsPath))}`,
    `  report: ${resolve(String(summary.reportPath))}`,
    `  summary: ${resolve(join(config.outDir, 'summary.json'))}`,
    '',
  ];
  return lines.join('\n');
}
