import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { gaugeIn } from "../lib/metrics";
import { withTimeout } from "../lib/timeout";
import type { RedisRole } from "./types";

/**
 * The Redis layer's metrics. Labels stay bounded: `namespace` is chosen in code, `client` is a role.
 * Several managers (and test apps) may share one registry, so each metric is created once per registry.
 */
export interface RedisMetrics {
  cacheHits: Counter<"namespace">;
  cacheMisses: Counter<"namespace">;
  cacheErrors: Counter<"namespace">;
  /** Entries removed before their TTL to keep a namespace within its memory budget. */
  cacheEvictions: Counter<"namespace">;
  /** Answers computed without the cache, and writes the budget refused, by reason. */
  cacheBypass: Counter<"namespace" | "reason">;
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
    cacheEvictions: once(
      registry,
      "courtflow_cache_evictions_total",
      () =>
        new Counter({
          name: "courtflow_cache_evictions_total",
          help: "Cache entries removed before their TTL to keep the namespace within CACHE_NAMESPACE_MAX_BYTES",
          labelNames: ["namespace"],
          registers,
        }),
    ),
    cacheBypass: once(
      registry,
      "courtflow_cache_bypass_total",
      () =>
        new Counter({
          name: "courtflow_cache_bypass_total",
          help: "Results served or computed without being cached: uncacheable parameters, a user's write quota, or over the namespace budget",
          labelNames: ["namespace", "reason"],
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

export interface CacheUsageSample {
  namespace: string;
  keys: number;
  bytes: number;
  /** The namespace's budget; null where the store has none of its own (embedded mode's LRU). */
  maxBytes: number | null;
}

const usageSources = new WeakMap<Registry, () => Promise<CacheUsageSample[]>>();

/**
 * Keys and bytes per cache namespace, read from the store at scrape time (bounded by `timeoutMs`; on
 * failure the series are dropped rather than repeated stale). One source per registry: the first wins.
 */
export function registerCacheUsage(
  registry: Registry,
  source: () => Promise<CacheUsageSample[]>,
  timeoutMs = 1000,
): void {
  if (usageSources.has(registry)) return;
  usageSources.set(registry, source);
  let pending: Promise<CacheUsageSample[] | null> | null = null;
  // The three gauges are collected concurrently: one read of the store serves them all.
  const read = () => {
    pending ??= withTimeout(source(), timeoutMs, "cache usage")
      .catch(() => null)
      .finally(() => setTimeout(() => (pending = null), 0));
    return pending;
  };
  const gauge = (name: string, help: string, pick: (s: CacheUsageSample) => number | null) =>
    gaugeIn(registry, {
      name,
      help,
      labelNames: ["namespace"] as const,
      async collect() {
        const samples = await read();
        this.reset();
        for (const s of samples ?? []) {
          const v = pick(s);
          if (v !== null) this.set({ namespace: s.namespace }, v);
        }
      },
    });
  gauge("courtflow_cache_keys", "Live entries per cache namespace", (s) => s.keys);
  gauge(
    "courtflow_cache_bytes",
    "Bytes accounted per cache namespace (values, keys, tags, index)",
    (s) => s.bytes,
  );
  gauge(
    "courtflow_cache_max_bytes",
    "Memory budget per cache namespace (CACHE_NAMESPACE_MAX_BYTES)",
    (s) => s.maxBytes,
  );
}

/** Starts a timer for one operation of a role's client; call the result when it settles. */
export function commandTimer(metrics: RedisMetrics, client: RedisRole): () => void {
  const end = metrics.commandDuration.startTimer({ client });
  return () => {
    end();
  };
}
