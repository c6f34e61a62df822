import { DatabaseUnreachableError } from "./db/client";
import { DatabaseTlsConfigError } from "./db/tls";
import type { Logger } from "./lib/logger";
import { RedisTlsConfigError } from "./redis/tls";

/**
 * Ends a process whose start-up failed. A failure the operator must fix (an unreachable database, a
 * certificate that is not trusted, a CA file that cannot be read) is one line on stderr, no stack;
 * anything else is logged in full. Exit code 1 either way.
 */
export function exitOnStartupFailure(err: unknown, logger: Logger, processName: string): never {
  if (
    err instanceof DatabaseUnreachableError ||
    err instanceof DatabaseTlsConfigError ||
    err instanceof RedisTlsConfigError
  ) {
    process.stderr.write(`${processName}: ${err.message}\n`);
  } else {
    logger.fatal({ err }, "start-up failed");
  }
  process.exit(1);
}
