import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { stripeAccountProblem } from '../domain/account-id.js';
import { parseCommandLine } from './usage.js';
import { GatewayError } from '../errors.js';
import { writeJsonFileAtomic } from '../report/result-writer.js';
import { budgetedSend } from '../pipeline/budgeted-send.js';
import { DEFAULT_RETRY_POLICY } from '../pipeline/retry.js';
import { classifyObservations } from '../selftest/classify-findings.js';
import { formatFindings } from '../selftest/format-findings.js';
import { walkGuide } from '../selftest/walk-guide.js';
import { createStripeProbe } from '../stripe/stripe-probe.js';
import { EMULATOR_API_KEY } from './run-config.js';
import { outcomeOfEarlyExit, type CommandOutcome } from './exit-codes.js';
import { openBudget, openInterrupt, ResourceStack } from './run-resources.js';


/** The selftest's options as commander hands them over (strings, unchecked). */
export interface RawSelftestOptions {
  apiBase?: string;
  json?: string;
  pollIntervalMs?: string;
  jobTimeoutMs?: string;
  settleWaitMs?: string;
  stripeAccount?: string;
}

/** Everything a selftest needs, checked. */
export interface SelftestConfig {
  apiKey: string;
  /** A Stripe-compatible base URL; Stripe itself when absent. */
  apiBase?: string;
  /** Where the findings go as JSON, when asked. */
  jsonPath?: string;
  pollIntervalMs: number;
  jobTimeoutMs: number;
  /** How long after a job succeeded its objects are read again. @default 5000 (ms) */
  settleWaitMs: number;
  /** `--stripe-account`: walk the guide on this connected account (`Stripe-Account` on every call). */
  stripeAccount?: string;
}

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;
const LIVE_KEY = /^(sk|rk)_live_/;

/**
 * Checks the selftest's options and environment; returns every problem at once, each naming its
 * option. A live key is refused outright: the selftest makes customers, payments and jobs, and runs one.
 */
export function parseSelftestConfig(raw: RawSelftestOptions, env: NodeJS.ProcessEnv): { config: SelftestConfig } | { problems: string[] } {
  const problems: string[] = [];
  let apiBase: string | undefined;
  if (raw.apiBase !== undefined) {
    try {
      const url = new URL(raw.apiBase);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      apiBase = url.origin;
    } catch {
      problems.push(`--api-base must be an http(s) URL such as http://127.0.0.1:12111; got '${raw.apiBase}'`);
    }
  }
  const envKey = env.STRIPE_API_KEY?.trim() || undefined;
  let apiKey = envKey ?? '';
  if (envKey === undefined) {
    // As `run` does: a Stripe-compatible server without a key of its own gets the emulator's.
    if (raw.apiBase !== undefined) apiKey = EMULATOR_API_KEY;
    else problems.push('STRIPE_API_KEY is not set: set it to a test-mode secret or restricted key (sk_test_…, rk_test_…)');
  } else if (LIVE_KEY.test(envKey)) {
    problems.push(
      'STRIPE_API_KEY is a live-mode key: the selftest creates customers, payments and redaction jobs and runs one, so it runs only with a test-mode key (sk_test_…, rk_test_…) of the same account',
    );
  } else if (!TEST_KEY.test(envKey)) {
    problems.push('STRIPE_API_KEY is not a Stripe test-mode secret or restricted key (sk_test_…, rk_test_…)');
  }
  const whole = (option: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < 1) {
      problems.push(`${option} must be a whole number above 0; got '${value}'`);
      return fallback;
    }
    return n;
  };
  const pollIntervalMs = whole('--poll-interval-ms', raw.pollIntervalMs, 1000);
  const jobTimeoutMs = whole('--job-timeout-ms', raw.jobTimeoutMs, 600_000);
  const settleWaitMs = whole('--settle-wait-ms', raw.settleWaitMs, 5000);
  if (raw.json !== undefined) {
    const dir = dirname(resolve(raw.json));
    if (raw.json.trim() === '') problems.push('--json must name a file');
    else if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`--json ${raw.json}: the directory ${dir} does not exist`);
  }
  const accountProblem = stripeAccountProblem(raw.stripeAccount);
  if (accountProblem !== undefined) problems.push(accountProblem);
  if (problems.length > 0) return { problems };
  return {
    config: {
      apiKey,
      ...(apiBase ? { apiBase } : {}),
      ...(raw.json !== undefined ? { jsonPath: raw.json } : {}),
      pollIntervalMs,
      jobTimeoutMs,
      settleWaitMs,
      ...(raw.stripeAccount !== undefined ? { stripeAccount: raw.stripeAccount } : {}),
    },
  };
}

function buildCommand(): Command {
  return new Command('stripe-redact selftest')
    .description("walk Stripe's redaction guide on a test-mode account: which documented behaviours hold, which emulator variants match; removes what it made")
    .option('--api-base <url>', 'a Stripe-compatible base URL (e.g. a running emulator) instead of Stripe')
    .option('--json <file>', 'also write the findings and observations as JSON (for a bug report)')
    .option('--poll-interval-ms <n>', 'how often a working job is polled (default: 1000)')
    .option('--job-timeout-ms <n>', 'how long one job may keep working before its step gives up (default: 600000)')
    .option('--stripe-account <acct>', 'walk the guide on this connected account (Stripe-Account on every call): finds out whether Stripe accepts redaction jobs for it')
    .option('--settle-wait-ms <n>', "how long after a job succeeded its objects' redaction.status is read again (default: 5000)")
    .addHelpText(
      'after',
      `
The key comes from STRIPE_API_KEY and must be a test-mode key (sk_test_, rk_test_): live keys are refused.
Exit codes: 0 every documented behaviour held and every undocumented one matches an emulator variant;
1 one did not (the report says which), or the selftest could not reach or use the account; 2 usage.`,
    )
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text), writeOut: (text) => process.stdout.write(text) });
}

/**
 * Whether Stripe accepted redaction jobs for the connected account, from the job statuses the walk
 * saw: a job that reached `ready` or `succeeded` was accepted and validated for it.
 */
export function connectedAccountVerdict(account: string, statusesSeen: readonly string[]): string {
  if (statusesSeen.includes('succeeded')) return `Redaction jobs for connected account ${account}: ACCEPTED (a job was created, validated and run for it).`;
  if (statusesSeen.length > 0) return `Redaction jobs for connected account ${account}: ACCEPTED (jobs were created for it; none ran to succeeded in this selftest: ${[...new Set(statusesSeen)].join(', ')}).`;
  return `Redaction jobs for connected account ${account}: NOT SHOWN (no job was created; see the step failures above).`;
}

/** `stripe-redact selftest`: argv → config → the guide walked → findings printed → exit code. */
export async function selftestCommand(argv: string[]): Promise<CommandOutcome> {
  const command = buildCommand();
  const early = parseCommandLine(command, argv);
  if (early !== undefined) return outcomeOfEarlyExit(early);
  const parsed = parseSelftestConfig(command.opts<RawSelftestOptions>(), process.env);
  if ('problems' in parsed) {
    for (const problem of parsed.problems) process.stderr.write(`stripe-redact: ${problem}\n`);
    process.stderr.write("Run 'stripe-redact selftest --help' for the options.\n");
    return { kind: 'usage' };
  }
  return execute(parsed.config);
}

async function execute(config: SelftestConfig): Promise<CommandOutcome> {
  // Test mode's budget (docs/architecture.md#budget-not-just-limits): the same pacing and retries as a run.
  const stack = new ResourceStack();
  const budget = openBudget(stack, { maxRps: 20, maxSearchRps: 15, maxEndpointRps: 20 });
  const interrupt = openInterrupt(stack, () => process.stderr.write('stripe-redact: interrupted; removing what the selftest made (again to stop at once)\n'));
  interrupt.listen();
  const runId = randomBytes(6).toString('hex');
  const startedAt = new Date().toISOString();
  try {
    const probe = createStripeProbe({
      apiKey: config.apiKey,
      ...(config.apiBase ? { apiBase: config.apiBase } : {}),
      send: budgetedSend(budget, DEFAULT_RETRY_POLICY),
      ...(config.stripeAccount !== undefined ? { stripeAccount: config.stripeAccount } : {}),
    });
    const observations = await walkGuide(probe, {
      runId,
      pollIntervalMs: config.pollIntervalMs,
      jobTimeoutMs: config.jobTimeoutMs,
      settleWaitMs: config.settleWaitMs,
      signal: interrupt.signal,
      onStep: (step) => process.stderr.write(`selftest: ${step}\n`),
    });
    const findings = classifyObservations(observations);
    const target = config.apiBase ?? 'Stripe';
    const header = `stripe-redact selftest ${runId} on ${observations.accountId ?? 'an unknown account'} (test mode) at ${target}`;
    process.stdout.write(formatFindings(findings, observations, header));
    if (config.stripeAccount !== undefined) process.stdout.write(`${connectedAccountVerdict(config.stripeAccount, observations.statusesSeen)}\n`);
    if (config.jsonPath) {
      await writeJsonFileAtomic(config.jsonPath, {
        selftest: runId,
        startedAt,
        endedAt: new Date().toISOString(),
        target,
        account: observations.accountId ?? null,
        ok: findings.ok,
        problems: findings.problems,
        documented: findings.documented,
        variants: findings.variants,
        observations,
      });
      process.stderr.write(`selftest: findings written to ${resolve(config.jsonPath)}\n`);
    }
    return { kind: 'selftest', held: findings.ok };
  } catch (error) {
    let message = error instanceof Error ? error.message : String(error);
    if (config.stripeAccount !== undefined && error instanceof GatewayError && (error.kind === 'unavailable' || error.kind === 'permission')) {
      // The question `--stripe-account` asks, answered: Stripe's own words on why not.
      process.stdout.write(`Redaction jobs for connected account ${config.stripeAccount}: NOT ACCEPTED. Stripe answered: ${message}\n`);
    }
    if (error instanceof GatewayError && (error.kind === 'auth' || error.kind === 'permission')) {
      message = `Stripe refused the API key (${error.kind}): ${message}`;
    }
    process.stderr.write(`stripe-redact: selftest aborted: ${message}\n`);
    // Aborted, whatever the error's class: the selftest's contract has no exit 2 past its options.
    return { kind: 'selftest', held: false };
  } finally {
    await stack.close();
  }
}
