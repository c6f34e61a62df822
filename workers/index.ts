// Worker process entry: connects to PostgreSQL and Redis, runs one BullMQ Worker per queue and the
// job schedulers (workers/queue-workers.ts), serves /health and /metrics, and shuts down within
// SHUTDOWN_TIMEOUT_MS whatever Redis does.
import { loadConfigOrExit } from "../src/config/env";
import { connectWithRetry, createDb } from "../src/db/client";
import { checkQueryTimeout } from "../src/db/pooler";
import { currentWalLsn } from "../src/db/replicas";
import { createLifecycle } from "../src/deps";
import { loggerFromConfig } from "../src/lib/logger";
import { createMetricsRegistry } from "../src/lib/metrics";
import { buildRedisDeps } from "../src/redis/build";
import { exitOnStartupFailure } from "../src/startup-failure";
import { startWorkerHttp } from "./http";
import { type QueueWorkers, startQueueWorkers } from "./queue-workers";

const config = loadConfigOrExit(process.env, { serving: true });
const logger = loggerFromConfig(config).child({ process: "worker" });
for (const w of config.warnings) logger.warn(w);
const started = await (async () => {
  // Jobs read what they are about to write: the worker stays on the primary whatever
  // DATABASE_REPLICA_URLS says (the replicas serve the API's reads).
  const db = await createDb({ ...config, DATABASE_REPLICA_URLS: [] });
  await connectWithRetry(db, { retries: config.DATABASE_CONNECT_RETRIES, logger });
  await checkQueryTimeout(db, config, logger);
  const metrics = createMetricsRegistry({ process: "worker" });
  // With replicas configured, the worker's cache invalidations (an import's measures) raise the read fence.
  const primary = db.sql;
  const redis = buildRedisDeps(config, logger, metrics, {
    primaryLsn: primary ? () => currentWalLsn(primary) : undefined,
  });
  return { db, metrics, redis };
})().catch((err) => exitOnStartupFailure(err, logger, "courtflow worker"));
const { db, metrics } = started;
const lifecycle = createLifecycle();
const { close: closeRedis, ...redisDeps } = started.redis;
// Queues and BullMQ workers register with `observability.jobs` (registerQueues, watchWorker).
const observability = startWorkerHttp(
  { config, logger, db, metrics, lifecycle, redis: redisDeps.redis ?? undefined },
  config.WORKER_PORT,
);
let queueWorkers: QueueWorkers | null = null;

// Installed before the queues start, so a signal during start-up also shuts down cleanly.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    logger.info({ signal }, "worker shutting down");
    lifecycle.draining = true;
    // The last resort if anything below hangs.
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 5000).unref();
    await queueWorkers?.close(config.SHUTDOWN_TIMEOUT_MS);
    await observability.stop();
    await closeRedis().catch(() => {});
    await db.close().catch(() => {});
    process.exit(0);
  });
}

// Without Redis there is no queue to work on (the API runs jobs in-process in embedded mode): the
// process still serves its health and metrics, with no queues.
queueWorkers = redisDeps.redis
  ? await startQueueWorkers({ config, logger, db, metrics, cache: redisDeps.cache, redis: redisDeps.redis })
  : null;
if (!queueWorkers) logger.warn("REDIS_URL is not set: no queues to work on");
lifecycle.ready = true;
logger.info(
  { database: db.target, queues: queueWorkers?.queues.map((q) => q.name) ?? [] },
  "courtflow worker started",
);
