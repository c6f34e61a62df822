import { Writable } from "node:stream";
import { createApp } from "../../src/app";
import type { Config } from "../../src/config/env";
import type { DbHandle } from "../../src/db/client";
import { type AppDeps, createLifecycle } from "../../src/deps";
import { createBullDispatcher } from "../../src/jobs/bullmq";
import { createInProcessRunner } from "../../src/jobs/runner";
import { createLogger } from "../../src/lib/logger";
import { createMetricsRegistry } from "../../src/lib/metrics";
import { JOB_DEFINITIONS } from "../../src/processors";
import { buildRedisDeps } from "../../src/redis/build";
import type { Clock } from "../../src/redis/types";
import { openTestDb, testConfig } from "./db";
import { TEST_REDIS_URL } from "./services";

/** Collects the JSON log lines a test app writes, so tests can assert on logs. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.lines.push(...chunk.toString().split("\n").filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join("\n");
  }
  json(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l));
  }
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  logs: LogCapture;
  close(): Promise<void>;
}

/**
 * The real app over real PostgreSQL and real Redis (TEST_REDIS_URL), with logs captured in memory.
 * `redis: "memory"` builds the embedded-mode managers instead; a URL points the app at another Redis.
 */
export async function createTestApp(
  opts: {
    env?: Record<string, string>;
    db?: DbHandle;
    config?: Config;
    redis?: "memory" | string;
    /** prom-client's process metrics (off by default: they start collectors per app). */
    defaultMetrics?: boolean;
    /** With `redis: "memory"`: the in-process stores' clock (a TestClock moves their TTLs and windows). */
    now?: Clock;
  } = {},
): Promise<TestApp> {
  const redisUrl = opts.redis === "memory" ? undefined : (opts.redis ?? TEST_REDIS_URL);
  const config =
    opts.config ??
    testConfig({ LOG_LEVEL: "info", ...(redisUrl ? { REDIS_URL: redisUrl } : {}), ...opts.env });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.LOG_LEVEL, destination: logs });
  const db = opts.db ?? (await openTestDb(opts.env));
  const lifecycle = createLifecycle();
  lifecycle.ready = true;
  const metrics = createMetricsRegistry({ defaultMetrics: opts.defaultMetrics ?? false });
  const { close: closeRedis, ...redisDeps } = buildRedisDeps(config, logger, metrics, { now: opts.now });
  // BullMQ producers on Redis; with "memory", the embedded-mode runner, not started (a test that wants
  // its recovery sweep and schedules calls start()).
  const jobs = redisDeps.redis
    ? createBullDispatcher(redisDeps.redis.queue, logger)
    : createInProcessRunner({
        definitions: JOB_DEFINITIONS,
        deps: { config, logger, db, cache: redisDeps.cache, metrics },
        concurrency: config.WORKER_CONCURRENCY,
      });
  const deps: AppDeps = { config, logger, db, metrics, lifecycle, ...redisDeps, jobs };
  const app = createApp(deps);
  return {
    app,
    deps,
    logs,
    async close() {
      await jobs.close();
      await closeRedis();
      if (!opts.db) await db.close();
    },
  };
}
