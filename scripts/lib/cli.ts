import { type ParseArgsConfig, parseArgs } from "node:util";

// Shared plumbing of the operator scripts: argument parsing, one error type carrying the exit code,
// and the main wrapper that turns errors into one clear stderr message instead of a stack trace.

/** An expected failure: its message is printed as is, and the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const EXIT_USAGE = 2;

export function parseCli<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: T,
  usage: string,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${usage}`, EXIT_USAGE);
  }
}

export function say(line = ""): void {
  process.stdout.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Asks on the terminal; without one (CI, a pipe) there is nobody to ask and the answer is no. */
export function confirmOnTerminal(question: string, expected: string): boolean {
  if (!process.stdin.isTTY) return false;
  const answer = prompt(`${question} Type "${expected}" to continue:`);
  return answer?.trim() === expected;
}

/** Runs a script's main(): exit code from its result, CliError → its message and code, else 1. */
export function runCli(main: () => Promise<number>): void {
  main()
    .then((code) => process.exit(code))
    .catch((err) => {
      if (err instanceof CliError) {
        warn(err.message);
        process.exit(err.exitCode);
      }
      warn(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      // Drizzle wraps the driver's error: the cause says what PostgreSQL actually refused.
      if (err instanceof Error && err.cause)
        warn(`cause: ${String((err.cause as Error).message ?? err.cause)}`);
      process.exit(1);
    });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
