/**
 * The entry point: picks the command and returns the process exit code. The only place where
 * errors become exit codes (see design.md "Exit codes").
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const { runCommand } = await import('./run-command.js');
      return runCommand(rest);
    }
    case 'selftest': {
      const { selftestCommand } = await import('./selftest-command.js');
      return selftestCommand(rest);
    }
    case 'emulator': {
      const { emulatorCommand } = await import('./emulator-command.js');
      return emulatorCommand(rest);
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`stripe-redact: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

const USAGE = `Usage: stripe-redact <command> [options]

Commands:
  run <requests.csv>   carry out the deletion requests of a CSV through Stripe redaction jobs
  selftest             check a test-mode account for every behaviour the tool relies on
  emulator             a Stripe-compatible server for try-outs and tests

Run 'stripe-redact <command> --help' for the options of a command.
`;
