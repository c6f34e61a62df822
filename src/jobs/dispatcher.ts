import type { Registry } from "prom-client";
import type { Config } from "../config/env";
import type { DbHandle } from "../db/client";
import type { Logger } from "../lib/logger";
import type { CacheManager, RedisClients } from "../redis/types";
import { createBullDispatcher } from "./bullmq";
import { createInProcessRunner } from "./runner";
import type { AnyJobDefinition, JobDispatcher } from "./types";

/**
 * The API's job dispatcher: BullMQ producers when Redis is configured (a worker process runs the
 * jobs), otherwise the in-process runner with the given processors (embedded mode), started at once
 * so batches left unfinished by a previous run are picked up.
 */
export function createJobDispatcher(deps: {
  config: Config;
  logger: Logger;
  db: DbHandle;
  cache: CacheManager;
  metrics: Registry;
  redis: RedisClients | null;
  definitions: readonly AnyJobDefinition[];
}): JobDispatcher {
  if (deps.redis) return createBullDispatcher(deps.redis.queue, deps.logger);
  const runner = createInProcessRunner({
    definitions: deps.definitions,
    deps: { config: deps.config, logger: deps.logger, db: deps.db, cache: deps.cache, metrics: deps.metrics },
    concurrency: deps.config.WORKER_CONCURRENCY,
    closeTimeoutMs: deps.config.SHUTDOWN_TIMEOUT_MS,
  });
  deps.logger.info("no REDIS_URL: jobs run in this process (embedded mode)");
  runner.start();
  return runner;
}
