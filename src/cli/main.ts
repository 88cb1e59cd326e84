import { packageVersion } from '../io/package-version.js';
import { TOOL, usageLine } from './usage.js';
import { EXIT, exitCodeOf, type CommandOutcome } from './exit-codes.js';

/** The commands and what each does, for the top-level usage. */
const COMMANDS = ['run', 'selftest', 'emulator', 'history', 'show', 'watch', 'suppression', 'register', 'metrics', 'ledger', 'expire'] as const;
type CommandName = (typeof COMMANDS)[number];

/**
 * The entry point: picks the command and returns the process exit code. A command's outcome
 * becomes its exit code here, through exit-codes.ts (see docs/contract.md#exit-codes).
 */
export async function main(argv: string[]): Promise<number> {
  endOutputQuietlyWhenReaderLeaves();
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
    case 'selftest':
    case 'emulator':
    case 'history':
    case 'show':
    case 'watch':
    case 'suppression':
    case 'register':
    case 'metrics':
    case 'ledger':
    case 'expire':
      return exitCodeOf(await runSubcommand(command, rest));
    case '-V':
    case '--version':
    case 'version':
      process.stdout.write(`${packageVersion()}\n`);
      return EXIT.ok;
    case 'help': {
      // `help run` is `run --help`, as in git and npm.
      const [topic] = rest;
      if (topic === undefined) break;
      if (isCommand(topic)) return exitCodeOf(await runSubcommand(topic, ['--help']));
      process.stderr.write(usageLine(`no help on '${topic}': there is no such command`, `${TOOL} --help`));
      return EXIT.usage;
    }
    case '-h':
    case '--help':
      break;
    case undefined:
      process.stderr.write(usageLine('no command given', `${TOOL} --help`));
      return EXIT.usage;
    default:
      process.stderr.write(
        usageLine(command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`, `${TOOL} --help`),
      );
      return EXIT.usage;
  }
  process.stdout.write(USAGE);
  return EXIT.ok;
}

/**
 * `stripe-redact help run | head -1`: once the reader of stdout has gone, what is left to print
 * has no one to read it. The write's EPIPE then ends stdout quietly — not an uncaught error with a
 * stack trace on stderr — and the command finishes with its own exit code.
 */
function endOutputQuietlyWhenReaderLeaves(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
      process.stdout.destroy();
      return;
    }
    throw error;
  });
}

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

async function runSubcommand(command: CommandName, argv: string[]): Promise<CommandOutcome> {
  switch (command) {
    case 'run': {
      const { runCommand } = await import('./run-command.js');
      return runCommand(argv);
    }
    case 'selftest': {
      const { selftestCommand } = await import('./selftest-command.js');
      return selftestCommand(argv);
    }
    case 'emulator': {
      const { emulatorCommand } = await import('./emulator-command.js');
      return emulatorCommand(argv);
    }
    case 'history': {
      const { historyCommand } = await import('./history-command.js');
      return historyCommand(argv);
    }
    case 'show': {
      const { showCommand } = await import('./show-command.js');
      return showCommand(argv);
    }
    case 'watch': {
      const { watchCommand } = await import('./watch-command.js');
      return watchCommand(argv);
    }
    case 'suppression': {
      const { suppressionCommand } = await import('./suppression-command.js');
      return suppressionCommand(argv);
    }
    case 'register': {
      const { registerCommand } = await import('./register-command.js');
      return registerCommand(argv);
    }
    case 'metrics': {
      const { metricsCommand } = await import('./metrics-command.js');
      return metricsCommand(argv);
    }
    case 'ledger': {
      const { ledgerCommand } = await import('./ledger-command.js');
      return ledgerCommand(argv);
    }
    case 'expire': {
      const { expireCommand } = await import('./expire-command.js');
      return expireCommand(argv);
    }
  }
}

const USAGE = `Usage: ${TOOL} <command> [options]

Commands:
  run <requests.csv>   carry out the deletion requests of a CSV through Stripe redaction jobs
  selftest             check a test-mode account for every behaviour the tool relies on
  emulator             a Stripe-compatible server for try-outs and tests
  history              the runs a state has seen: times, input and its SHA-256, rows per status
  show <email|id>      one request's whole story from the state; --certificate: a certificate of erasure
  watch                people who came back after their erasure (exit 3 when any)
  suppression export|key   digests of erased emails, for systems that must keep them out
  register             one PII-free line per request (CCPA §7101's record)
  metrics --year YYYY  the year's figures (CCPA §7102)
  ledger verify|export the runs' hash-chained ledger: does it hold, which run wrote a file
  expire --older-than  drop the identifying half of requests settled long ago; keep the record
  help <command>       the options of a command

Options:
  -V, --version        print the version
  -h, --help           this help

Run '${TOOL} help <command>' or '${TOOL} <command> --help' for the options of a command.
`;
