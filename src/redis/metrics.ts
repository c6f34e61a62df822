import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { RedisRole } from "./types";

/**
 * The Redis layer's metrics. Labels stay bounded: `namespace` is chosen in code, `client` is a role.
 * Several managers (and test apps) may share one registry, so each metric is created once per registry.
 */
export interface RedisMetrics {
  cacheHits: Counter<"namespace">;
  cacheMisses: Counter<"namespace">;
  cacheErrors: Counter<"namespace">;
  redisUp: Gauge<"client">;
  commandDuration: Histogram<"client">;
}

function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function redisMetrics(registry: Registry): RedisMetrics {
  const registers = [registry];
  return {
    cacheHits: once(
      registry,
      "courtflow_cache_hits_total",
      () =>
        new Counter({
          name: "courtflow_cache_hits_total",
          help: "Cache reads answered from the cache",
          labelNames: ["namespace"],
          registers,
        }),
    ),
    cacheMisses: once(
      registry,
      "courtflow_cache_misses_total",
      () =>
        new Counter({
          name: "courtflow_cache_misses_total",
          help: "Cache reads that found nothing",
          labelNames: ["namespace"],
          registers,
        }),
    ),
    cacheErrors: once(
      registry,
      "courtflow_cache_errors_total",
      () =>
        new Counter({
          name: "courtflow_cache_errors_total",
          help: "Cache operations skipped or failed because the store could not answer",
          labelNames: ["namespace"],
          registers,
        }),
    ),
    redisUp: once(
      registry,
      "courtflow_redis_up",
      () =>
        new Gauge({
          name: "courtflow_redis_up",
          help: "1 when the Redis client of this role is connected and ready, else 0",
          labelNames: ["client"],
          registers,
        }),
    ),
    commandDuration: once(
      registry,
      "courtflow_redis_command_duration_seconds",
      () =>
        new Histogram({
          name: "courtflow_redis_command_duration_seconds",
          help: "Duration of Redis operations issued by the cache, session store and rate limiter",
          labelNames: ["client"],
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers,
        }),
    ),
  };
}

/** Starts a timer for one operation of a role's client; call the result when it settles. */
export function commandTimer(metrics: RedisMetrics, client: RedisRole): () => void {
  const end = metrics.commandDuration.startTimer({ client });
  return () => {
    end();
  };
}
