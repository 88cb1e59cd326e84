/**
 * How the commands speak about bad command lines: one line naming the tool, what is wrong and
 * where to look (`stripe-redact: unknown option '--frobnicate' (see stripe-redact run --help)`),
 * and exit code 2 — the shape users know from git, npm and curl, and what a cron mail should show.
 */
import { CommanderError, type Command } from 'commander';

/** The tool's name as users type it. */
export const TOOL = 'stripe-redact';

/** One usage-error line: `stripe-redact: <problem> (see <hint>)`, newline included. */
export function usageLine(problem: string, hint: string): string {
  // Commander puts a suggestion on a line of its own ("(Did you mean --out?)"): keep one line.
  const oneLine = problem
    .replace(/^error:\s*/i, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    .replace(/\.$/, '');
  return `${TOOL}: ${oneLine} (see ${hint})\n`;
}

/**
 * Routes commander's own errors (unknown option, missing argument, a value its parser refused)
 * through {@link usageLine}; help and version output are left as commander prints them.
 */
export function withUsageErrors(command: Command, hint: string): Command {
  return command.exitOverride().configureOutput({
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
    outputError: (text, write) => write(usageLine(text, hint)),
  });
}

/**
 * Parses `argv` into `command`; a number is the exit code to return at once: 0 after `--help` or
 * `--version`, 2 for a usage error (which `withUsageErrors` has already printed).
 */
export function parseCommandLine(command: Command, argv: string[]): number | undefined {
  try {
    command.parse(argv, { from: 'user' });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}
