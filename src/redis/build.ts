import type { Registry } from "prom-client";
import type { Config } from "../config/env";
import type { Logger } from "../lib/logger";
import { createRedisCacheManager } from "./cache-manager";
import { createRedisClients } from "./clients";
import { createMemoryCacheManager } from "./memory/cache-manager";
import { createMemoryRateLimiter } from "./memory/rate-limiter";
import { loadSessionFile, sessionFileWriter } from "./memory/session-file";
import { createMemorySessionManager } from "./memory/session-manager";
import { redisMetrics, registerCacheUsage } from "./metrics";
import { connectionSpec, parseRedisUrl } from "./options";
import { createRedisRateLimiter } from "./rate-limiter";
import { createMemoryReadFences, createRedisReadFences, type ReadFences } from "./read-fences";
import { createRedisRequestGate, type RequestGate, sequentialGate } from "./request-gate";
import { createRedisSessionManager } from "./session-manager";
import type { CacheManager, Clock, RateLimiter, RedisClients, SessionManager } from "./types";

export interface RedisDeps {
  /** Null in embedded mode (no REDIS_URL). */
  redis: RedisClients | null;
  cache: CacheManager;
  sessions: SessionManager;
  rateLimiter: RateLimiter;
  /** The per-request session check and rate-limit hit, in one round trip where the stores allow. */
  gate: RequestGate;
  /** Read-your-writes fences; null without read replicas (DATABASE_REPLICA_URLS). */
  fences: ReadFences | null;
  close(): Promise<void>;
}

function persistedSessions(file: string, logger: Logger, now?: Clock): SessionManager {
  const store = loadSessionFile(file, logger);
  if (store.size > 0) logger.info({ file, sessions: store.size }, "sessions restored from the last run");
  return createMemorySessionManager({ store, onChange: sessionFileWriter(file, store, logger), now });
}

export interface RedisDepsOptions {
  /** Without Redis: keep the in-process sessions in this file across restarts (development). */
  sessionFile?: string;
  /**
   * The primary's WAL position (fixed-width hex). With DATABASE_REPLICA_URLS set, fences are kept and
   * every cache invalidation first raises the global one to this position.
   */
  primaryLsn?: () => Promise<string>;
  /** The time of the in-process stores (embedded mode; tests move it). Redis keeps its own. */
  now?: Clock;
}

/** How long a fence must live: the lag limit plus the replica monitor's resolution (src/db/replicas.ts). */
export function fenceTtlSeconds(config: Pick<Config, "DATABASE_REPLICA_MAX_LAG_S">): number {
  return config.DATABASE_REPLICA_MAX_LAG_S + 2;
}

/**
 * Sessions (the `session` role) and rate limits (`main`) on the same server and database as the same
 * user, and not a Cluster: then one script may touch a key of each. With an ACL user per role the
 * session user may not touch rate-limit keys (NOPERM), so the two stores are asked one after the other.
 */
export function sessionsBesideRateLimits(config: Config): boolean {
  const session = connectionSpec(config, "session");
  const main = connectionSpec(config, "main");
  const user = (url: string | undefined) => (url ? (parseRedisUrl(url).username ?? "default") : null);
  return (
    session.topology !== "cluster" &&
    main.topology !== "cluster" &&
    session.target === main.target &&
    user(config.SESSION_REDIS_URL ?? config.REDIS_URL) === user(config.REDIS_URL)
  );
}

/**
 * The cache, session store and rate limiter: on Redis when REDIS_URL is set, otherwise in this
 * process (embedded mode), behind the same interfaces.
 */
export function buildRedisDeps(
  config: Config,
  logger: Logger,
  registry: Registry,
  opts: RedisDepsOptions = {},
): RedisDeps {
  const metrics = redisMetrics(registry);
  const redis = config.REDIS_URL ? createRedisClients(config, { logger, metrics }) : null;
  const primaryLsn = config.DATABASE_REPLICA_URLS.length > 0 ? opts.primaryLsn : undefined;
  const fences = !primaryLsn
    ? null
    : redis
      ? createRedisReadFences(redis.main, fenceTtlSeconds(config))
      : createMemoryReadFences(fenceTtlSeconds(config));
  const cacheOptions = {
    defaultTtlSeconds: config.CACHE_DEFAULT_TTL_S,
    metrics,
    logger,
    beforeInvalidate:
      fences && primaryLsn ? async () => fences.raise("global", await primaryLsn()) : undefined,
  };

  if (!redis) {
    const ignored = [
      config.CACHE_REDIS_URL && "CACHE_REDIS_URL",
      config.SESSION_REDIS_URL && "SESSION_REDIS_URL",
      config.QUEUE_REDIS_URL && "QUEUE_REDIS_URL",
      config.REDIS_SENTINELS.length > 0 && "REDIS_SENTINELS",
      config.REDIS_CLUSTER_NODES.length > 0 && "REDIS_CLUSTER_NODES",
    ].filter(Boolean);
    // In production several replicas would each keep their own sessions: say so loudly.
    const level = config.NODE_ENV === "production" ? "warn" : "info";
    logger[level](
      { maxEntries: config.MEMORY_CACHE_MAX_ENTRIES, ...(ignored.length ? { ignored } : {}) },
      "REDIS_URL is not set: embedded cache, sessions and rate limits in this process (one process only)",
    );
    const sessions = opts.sessionFile
      ? persistedSessions(opts.sessionFile, logger, opts.now)
      : createMemorySessionManager({ now: opts.now });
    const rateLimiter = createMemoryRateLimiter({ now: opts.now });
    const cache = createMemoryCacheManager({
      ...cacheOptions,
      maxEntries: config.MEMORY_CACHE_MAX_ENTRIES,
      now: opts.now,
    });
    registerCacheUsage(registry, () => cache.usage());
    return {
      redis: null,
      cache,
      sessions,
      rateLimiter,
      gate: sequentialGate(sessions, rateLimiter),
      fences,
      close: async () => {},
    };
  }

  const sessions = createRedisSessionManager(redis.session, { metrics, logger });
  const rateLimiter = createRedisRateLimiter(redis.main, { metrics });
  const cache = createRedisCacheManager(redis.cache, {
    ...cacheOptions,
    namespaceMaxBytes: config.CACHE_NAMESPACE_MAX_BYTES,
  });
  registerCacheUsage(registry, () => cache.usage());
  return {
    redis,
    cache,
    sessions,
    rateLimiter,
    gate: sessionsBesideRateLimits(config)
      ? createRedisRequestGate(redis.session, { metrics, sessions })
      : sequentialGate(sessions, rateLimiter),
    fences,
    close: () => redis.close(),
  };
}
