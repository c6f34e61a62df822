import type { Config } from "./config/env";
import { connectWithRetry, createDb } from "./db/client";
import { applyMigrations, migratePostgres } from "./db/migrate";
import { type AppDeps, createLifecycle } from "./deps";
import type { Logger } from "./lib/logger";
import { createMetricsRegistry } from "./lib/metrics";

/**
 * Builds the API's dependencies: connects (with retry), migrates the embedded database, and
 * returns deps plus one close() that releases everything in reverse order.
 */
export async function buildDeps(
  config: Config,
  logger: Logger,
): Promise<AppDeps & { close(): Promise<void> }> {
  for (const w of config.warnings) logger.warn(w);
  const db = await createDb(config);
  try {
    await connectWithRetry(db, { retries: config.DATABASE_CONNECT_RETRIES, logger });
    if (db.kind === "pglite") {
      // Embedded mode is one process by construction, so migrating on start is safe and expected.
      const result = await applyMigrations(db.db);
      if (result.applied.length) logger.info({ applied: result.applied }, "embedded database migrated");
    } else if (config.NODE_ENV === "development" && config.migrationDatabaseUrl) {
      // Developers get a migrated database on start; production migrates through scripts/migrate.ts.
      const result = await migratePostgres(config.migrationDatabaseUrl);
      if (result.applied.length) logger.info({ applied: result.applied }, "database migrated");
    }
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  const lifecycle = createLifecycle();
  const metrics = createMetricsRegistry({ process: "api" });
  return {
    config,
    logger,
    db,
    metrics,
    lifecycle,
    async close() {
      await db.close();
    },
  };
}
