import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { formatRequestLog, SeedError, startEmulator, type EmulatorOptions } from '../emulator/index.js';
import { DEFAULT_EMULATOR_OPTIONS, VARIANT_CHOICES, type EmulatorVariants } from '../emulator/options.js';
import { withUsageErrors } from './usage.js';
import type { CommandOutcome } from './exit-codes.js';

/** Flags of `stripe-redact emulator` (docs/contract.md#emulator) and the option each one sets. */
const INTEGER_FLAGS = [
  ['--port <n>', 'port', 'TCP port; 0 picks a free one', 0],
  ['--latency-ms <n>', 'latencyMs', 'added to every response, in ms', 0],
  ['--validation-ms <n>', 'validationMs', 'how long a redaction job stays validating, in ms', 0],
  ['--redaction-ms <n>', 'redactionMs', 'how long a redaction job stays redacting, in ms', 0],
  ['--rate-limit <n>', 'rateLimit', 'requests per second before 429 (Stripe test mode: 25)', 1],
  ['--search-rate-limit <n>', 'searchRateLimit', 'search requests per second before 429 (Stripe: 20)', 1],
  ['--search-lag-ms <n>', 'searchLagMs', 'how long a new or changed customer stays invisible to search, in ms', 0],
  ['--max-job-objects <n>', 'maxJobObjects', 'cascade size above which validation fails with too_many_objects', 1],
  ['--endpoint-rate-limit <n>', 'endpointRateLimit', 'requests per second per named operation (method and path) before 429 (Stripe: 25)', 1],
] as const satisfies readonly (readonly [string, keyof EmulatorOptions, string, number])[];

/** The variant flags of docs/stripe.md#emulator-variants and the option each one sets; choices come from `VARIANT_CHOICES`. */
const VARIANT_FLAGS = [
  ['--unknown-ids <mode>', 'unknownIds', 'a job naming a missing id: accept it and fail its validation, or refuse it at create'],
  ['--transition-errors <mode>', 'transitionErrors', 'an illegal status transition: plain 400, or coded status_transition_invalid'],
  ['--lock-errors <mode>', 'lockErrors', "locked_by_other_job's message: Stripe's plain text, or also naming the locking job"],
  ['--fix-listing <mode>', 'fixListing', 'a failed fix job: keep listing the fixable blockers too, or drop them'],
  ['--expand-validation-errors <mode>', 'expandValidationErrors', 'whether expand[]=validation_errors is served'],
  ['--lock-refusal <where>', 'lockRefusal', 'a second job naming a held object: refused at create (400, no code), or failed at validation (locked_by_other_job)'],
  ['--refusal-status <status>', 'refusalStatus', 'the HTTP status of a refused status transition'],
] as const satisfies readonly (readonly [string, keyof EmulatorVariants, string])[];

/**
 * How redacted objects settle (docs/stripe.md#emulator-variants, "Added with the verification work"): integer flags
 * with their bounds, and two-valued variants whose choices come from `VARIANT_CHOICES`.
 */
const SETTLE_INTEGER_FLAGS = [
  ['--settle-ms <n>', 'settleMs', "how long a succeeded job's objects read redaction.status processing before redacted, in ms of the emulator's clock", 0, 86_400_000],
  ['--young-days <n>', 'youngDays', 'the age (by created) below which --young-charges validated holds charges and PaymentIntents, in days', 0, 3650],
] as const satisfies readonly (readonly [string, keyof EmulatorOptions, string, number, number])[];

const SETTLE_VARIANT_FLAGS = [
  ['--young-charges <mode>', 'youngCharges', 'charges and PaymentIntents younger than --young-days: validated (held until they age) or redacted'],
  ['--deleted-customers <mode>', 'deletedCustomers', 'a job naming a deleted customer: refuse (its validation fails naming it) or redact it'],
] as const satisfies readonly (readonly [string, keyof EmulatorVariants, string])[];

/** commander parser for a whole number from `min` to `max`; the error names what was expected. */
function integerBetween(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}, got '${value}'.`);
    }
    return Number(value);
  };
}

/** commander parser for a whole number of at least `min`; the error names what was expected. */
function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`Expected an integer from ${min} and up, got '${value}'.`);
    }
    return Number(value);
  };
}

function buildCommand(): Command {
  const command = new Command('stripe-redact emulator')
    .description('A Stripe-compatible server for try-outs and tests. Prints its base URL on the first stdout line.')
    .helpOption('-h, --help', 'show this help')
    .addOption(new Option('--host <host>', 'interface to listen on').default('127.0.0.1'))
    .addOption(new Option('--seed <file>', 'JSON file of objects to create at start'))
    .addOption(new Option('--webhook <url>', 'POST every event there, signed (repeatable)').argParser((url: string, previous: string[] | undefined) => [...(previous ?? []), url]))
    .addOption(new Option('--webhook-secret <whsec>', 'the webhook signing secret (default: generated, printed on stderr at start)'))
    .addOption(new Option('--account-id <id>', `the account GET /v1/account answers with (default: ${DEFAULT_EMULATOR_OPTIONS.accountId})`))
    .addOption(new Option('--notice <text>', 'send Stripe-Notice: TEXT on every response, as Stripe flags a deprecation (default: none)'))
    .addHelpText(
      'after',
      '\nThe variant flags pick among behaviours Stripe does not document (docs/stripe.md#emulator-variants); each default is the least helpful one.\nGET /_emulator/health answers 200 when ready. POST /_emulator/clock/advance?seconds=N moves the emulator\'s clock forward\n(ages objects, ends holds and settle periods, expires events past 30 days); GET /_emulator/clock reads it.\nStop with Ctrl-C (SIGINT) or SIGTERM.',
    )
    .allowExcessArguments(false);
  withUsageErrors(command, 'stripe-redact emulator --help');
  for (const [flags, key, description, min] of INTEGER_FLAGS) {
    command.addOption(new Option(flags, `${description} (default: ${DEFAULT_EMULATOR_OPTIONS[key]})`).argParser(integerAtLeast(min)));
  }
  for (const [flags, key, description] of VARIANT_FLAGS) {
    command.addOption(new Option(flags, `${description} (default: ${DEFAULT_EMULATOR_OPTIONS[key]})`).choices(VARIANT_CHOICES[key]));
  }
  for (const [flags, key, description, min, max] of SETTLE_INTEGER_FLAGS) {
    command.addOption(new Option(flags, `${description} (default: ${DEFAULT_EMULATOR_OPTIONS[key]})`).argParser(integerBetween(min, max)));
  }
  for (const [flags, key, description] of SETTLE_VARIANT_FLAGS) {
    command.addOption(new Option(flags, `${description} (default: ${DEFAULT_EMULATOR_OPTIONS[key]})`).choices(VARIANT_CHOICES[key]));
  }
  return command;
}

/** Options from parsed flags: only those given, so `startEmulator` applies its own defaults. */
function toEmulatorOptions(parsed: Record<string, unknown>): Partial<EmulatorOptions> {
  const options: Partial<EmulatorOptions> = { host: parsed.host as string };
  if (typeof parsed.seed === 'string') options.seed = parsed.seed;
  if (typeof parsed.accountId === 'string') options.accountId = parsed.accountId;
  if (Array.isArray(parsed.webhook)) options.webhooks = parsed.webhook as string[];
  if (typeof parsed.webhookSecret === 'string') options.webhookSecret = parsed.webhookSecret;
  if (typeof parsed.notice === 'string') options.notice = parsed.notice;
  for (const [, key] of INTEGER_FLAGS) {
    if (typeof parsed[key] === 'number') (options as Record<string, unknown>)[key] = parsed[key];
  }
  for (const [, key] of VARIANT_FLAGS) {
    if (typeof parsed[key] === 'string') (options as Record<string, unknown>)[key] = parsed[key];
  }
  for (const [, key] of [...SETTLE_INTEGER_FLAGS, ...SETTLE_VARIANT_FLAGS]) {
    if (parsed[key] !== undefined) (options as Record<string, unknown>)[key] = parsed[key];
  }
  return options;
}

/**
 * `stripe-redact emulator [options]`: start, print the base URL, log each request to stderr, and
 * stop on SIGINT/SIGTERM. Resolves to the exit code: 0 after a clean stop, 2 for bad flags or a bad
 * seed file, 1 when the server cannot start (e.g. the port is taken).
 */
export async function emulatorCommand(argv: string[]): Promise<CommandOutcome> {
  const command = buildCommand();
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? { kind: 'done' } : { kind: 'usage' };
    throw error;
  }

  let emulator;
  try {
    emulator = await startEmulator({
      ...toEmulatorOptions(command.opts()),
      logger: (entry) => process.stderr.write(`${formatRequestLog(entry)}\n`),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`stripe-redact emulator: ${message}\n`);
    return error instanceof TypeError || error instanceof SeedError ? { kind: 'usage' } : { kind: 'failed' };
  }

  process.stdout.write(`${emulator.url}\n`);
  const { customers, objects, requests } = emulator.seeded;
  process.stderr.write(`stripe-redact emulator: listening on ${emulator.url} (seeded ${customers} customers, ${objects} objects, ${requests} requests)\n`);
  const endpoints = (command.opts() as { webhook?: string[] }).webhook ?? [];
  if (endpoints.length > 0) {
    process.stderr.write(`stripe-redact emulator: webhooks to ${endpoints.length} endpoint(s), signing secret ${emulator.webhookSecret}\n`);
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (name: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await emulator.close();
  process.stderr.write(`stripe-redact emulator: stopped (${signal})\n`);
  return { kind: 'done' };
}
