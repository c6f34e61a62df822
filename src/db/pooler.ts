import type { Config } from "../config/env";
import type { Logger } from "../lib/logger";
import type { DbHandle } from "./client";

/**
 * Behind PgBouncer the per-connection statement_timeout cannot be sent (it refuses the startup
 * parameter), so the database role has to carry it (`bun run db:roles` sets it). Says so at start-up
 * when it does not, rather than letting runaway queries hold connections without anyone knowing.
 */
export async function checkQueryTimeout(
  handle: Pick<DbHandle, "sql">,
  config: Pick<Config, "DATABASE_POOLER" | "DATABASE_QUERY_TIMEOUT_MS">,
  logger: Logger,
): Promise<void> {
  if (config.DATABASE_POOLER !== "pgbouncer" || config.DATABASE_QUERY_TIMEOUT_MS === 0 || !handle.sql) return;
  const [row] = await handle.sql<{ timeout: string; role: string }[]>`
    select current_setting('statement_timeout') as timeout, current_user as role`;
  if (row && row.timeout === "0") {
    logger.warn(
      { role: row.role, wantedMs: config.DATABASE_QUERY_TIMEOUT_MS },
      "statement_timeout is not set for this role: behind PgBouncer it cannot be sent per connection; " +
        "run `bun run db:roles` or ALTER ROLE … SET statement_timeout",
    );
  }
}
