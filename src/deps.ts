import type { Registry } from "prom-client";
import type { Config } from "./config/env";
import type { DbHandle } from "./db/client";
import type { MonitoredQueue } from "./jobs/metrics";
import type { JobDispatcher } from "./jobs/types";
import type { Logger } from "./lib/logger";
import type { ReadFences } from "./redis/read-fences";
import type { RequestGate } from "./redis/request-gate";
import type { CacheManager, RateLimiter, RedisClients, SessionManager } from "./redis/types";

/** Process state the health endpoints report: ready after start-up, draining during shutdown. */
export interface Lifecycle {
  startedAt: Date;
  ready: boolean;
  draining: boolean;
}

export function createLifecycle(): Lifecycle {
  return { startedAt: new Date(), ready: false, draining: false };
}

/** Everything the app needs, built by the process entry or a test; no module keeps a hidden global. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: DbHandle;
  metrics: Registry;
  lifecycle: Lifecycle;
  /** Redis connections; null in embedded mode (no REDIS_URL), where the managers below are in-process. */
  redis: RedisClients | null;
  cache: CacheManager;
  sessions: SessionManager;
  rateLimiter: RateLimiter;
  /**
   * Session check and API rate-limit hit of an authenticated request (one Redis round trip where the
   * stores share a server); built by buildRedisDeps. Absent: the two stores above, one after the other.
   */
  gate?: RequestGate;
  /** Read-your-writes fences for read replicas (null or absent: no replicas). */
  fences?: ReadFences | null;
  /** Queues whose depth health and metrics report (BullMQ queues, or the in-process runner's); absent: none. */
  queues?: readonly MonitoredQueue[];
  /**
   * Where jobs go: BullMQ queues (services mode) or the in-process runner (embedded mode). Absent in
   * deps that run no jobs; an upload then stays queued until a worker's recovery job picks it up.
   */
  jobs?: JobDispatcher;
}
