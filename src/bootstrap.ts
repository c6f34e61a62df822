import { join } from "node:path";
import type { Config } from "./config/env";
import { connectWithRetry, createDb, pgliteExists } from "./db/client";
import { migrationConnectionProblem } from "./db/direct";
import { applyMigrations, migratePostgres } from "./db/migrate";
import { createPgliteInWorker } from "./db/pglite-create";
import { checkQueryTimeout } from "./db/pooler";
import { currentWalLsn } from "./db/replicas";
import { type BackgroundSeed, seedEmbeddedInBackground } from "./db/seed/embedded";
import { type AppDeps, createLifecycle, type Lifecycle } from "./deps";
import { createJobDispatcher } from "./jobs/dispatcher";
import type { Logger } from "./lib/logger";
import { createMetricsRegistry } from "./lib/metrics";
import { refreshMeasureRollups } from "./modules/measures/measures.rollups.repo";
import { JOB_DEFINITIONS } from "./processors";
import { buildRedisDeps } from "./redis/build";

/** The in-process sessions of development without Redis, in DATA_DIR. */
export const SESSION_FILE = "sessions.json";

/**
 * Builds the API's dependencies: connects (with retry), migrates the embedded database, and
 * returns deps plus one close() that releases everything in reverse order.
 */
export async function buildDeps(
  config: Config,
  logger: Logger,
  opts: {
    /** The process's lifecycle, when it was created before (the listener that answers while starting). */
    lifecycle?: Lifecycle;
    /** Start-up progress, for the health endpoints of that listener. */
    onPhase?: (phase: string) => void;
    /** One of API_PROCESSES > 1 children: its metrics carry `process_index` (src/supervisor.ts). */
    processIndex?: number;
  } = {},
): Promise<AppDeps & { close(): Promise<void> }> {
  for (const w of config.warnings) logger.warn(w);
  const phase = opts.onPhase ?? (() => {});
  phase(
    !config.embeddedDatabase
      ? "connecting to PostgreSQL"
      : pgliteExists(config.PGLITE_DIR)
        ? "opening the embedded database"
        : "creating the embedded database (first start)",
  );
  let createdWith: string[] | null = null;
  const db = await createDb(config, {
    // A first start's initdb and migrations, off the main thread: the start-up listener keeps answering.
    async createFreshPglite(dir) {
      createdWith = (await createPgliteInWorker(dir)).applied;
    },
  });
  let seeding: BackgroundSeed | null = null;
  try {
    await connectWithRetry(db, { retries: config.DATABASE_CONNECT_RETRIES, logger });
    await checkQueryTimeout(db, config, logger);
    if (db.kind === "pglite") {
      // Embedded mode is one process by construction, so migrating on start is safe and expected.
      if (createdWith) logger.info({ applied: createdWith }, "embedded database created and migrated");
      phase("migrating the embedded database");
      const pglite = db.pglite;
      const result = await applyMigrations(db.db, {
        execMany: pglite ? (text) => pglite.exec(text) : undefined,
      });
      if (result.applied.length) logger.info({ applied: result.applied }, "embedded database migrated");
      // First start: demo data, in the background so the API listens meanwhile (see seed/embedded.ts).
      seeding = seedEmbeddedInBackground(
        db,
        { logger, refreshRollups: refreshMeasureRollups },
        { cases: config.EMBEDDED_DEMO_CASES },
      );
    } else if (config.NODE_ENV === "development" && config.migrationDatabaseUrl) {
      phase("migrating the database");
      // Developers get a migrated database on start; production migrates through scripts/migrate.ts.
      const problem = migrationConnectionProblem(config);
      if (problem) logger.warn(`not migrating on start: ${problem}`);
      else {
        const result = await migratePostgres(config.migrationDatabaseUrl, { tls: config });
        if (result.applied.length) logger.info({ applied: result.applied }, "database migrated");
      }
    }
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  const lifecycle = opts.lifecycle ?? createLifecycle();
  const metrics = createMetricsRegistry({
    process: "api",
    ...(opts.processIndex !== undefined ? { labels: { process_index: String(opts.processIndex) } } : {}),
  });
  // Redis connects in the background: the API starts (and serves from PostgreSQL) without it.
  const primary = db.sql;
  const { close: closeRedis, ...redisDeps } = buildRedisDeps(config, logger, metrics, {
    // Development without Redis: logins survive a restart (with the secret kept in DATA_DIR too).
    sessionFile: config.NODE_ENV === "development" ? join(config.DATA_DIR, SESSION_FILE) : undefined,
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
