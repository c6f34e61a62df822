import type { Logger } from "./lib/logger";

/**
 * Failures the operator must fix, said in one line on stderr with no stack: an unreachable or refusing
 * database, a certificate that is not trusted, a CA file that cannot be read, an embedded database
 * another process holds. Matched by name so that this module (imported before the app loads, see
 * src/index.ts) pulls in none of the database or Redis code.
 */
const PLAIN_FAILURES = new Set([
  "DatabaseUnreachableError",
  "DatabaseRefusedError",
  "DatabaseTlsConfigError",
  "RedisTlsConfigError",
  "DatabaseLockedError",
]);

/** Ends a process whose start-up failed: one line for the failures above, the full log otherwise. Exit 1. */
export function exitOnStartupFailure(err: unknown, logger: Logger, processName: string): never {
  if (err instanceof Error && PLAIN_FAILURES.has(err.name)) {
    process.stderr.write(`${processName}: ${err.message}\n`);
  } else {
    logger.fatal({ err }, "start-up failed");
  }
  process.exit(1);
}
