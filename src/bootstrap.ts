import { JOB_DEFINITIONS } from "../workers/processors";
import type { Config } from "./config/env";
import { connectWithRetry, createDb } from "./db/client";
import { applyMigrations, migratePostgres } from "./db/migrate";
import { currentWalLsn } from "./db/replicas";
import { type BackgroundSeed, seedEmbeddedInBackground } from "./db/seed/embedded";
import { type AppDeps, createLifecycle } from "./deps";
import { createJobDispatcher } from "./jobs/dispatcher";
import type { Logger } from "./lib/logger";
import { createMetricsRegistry } from "./lib/metrics";
import { buildRedisDeps } from "./redis/build";

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
  let seeding: BackgroundSeed | null = null;
  try {
    await connectWithRetry(db, { retries: config.DATABASE_CONNECT_RETRIES, logger });
    if (db.kind === "pglite") {
      // Embedded mode is one process by construction, so migrating on start is safe and expected.
      const result = await applyMigrations(db.db);
      if (result.applied.length) logger.info({ applied: result.applied }, "embedded database migrated");
      // First start: demo data, in the background so the API listens meanwhile (see seed/embedded.ts).
      seeding = seedEmbeddedInBackground(db, logger);
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
  // Redis connects in the background: the API starts (and serves from PostgreSQL) without it.
  const primary = db.sql;
  const { close: closeRedis, ...redisDeps } = buildRedisDeps(config, logger, metrics, {
    primaryLsn: primary ? () => currentWalLsn(primary) : undefined,
  });
  // BullMQ producers, or (embedded mode) the processors themselves, in this process.
  const jobs = createJobDispatcher({
    config,
    logger,
    db,
    metrics,
    ...redisDeps,
    definitions: JOB_DEFINITIONS,
  });
  return {
    config,
    logger,
    db,
    metrics,
    lifecycle,
    ...redisDeps,
    jobs,
    queues: jobs.queues(),
    async close() {
      await jobs.close().catch((err) => logger.error({ err }, "error while closing the job queues"));
      await closeRedis().catch((err) => logger.error({ err }, "error while closing redis"));
      await seeding?.stop();
      await db.close();
    },
  };
}
