import type { Logger } from "../lib/logger";
import { decodeValue, encodeValue } from "./codec";
import { assertNamespace, cacheKeys } from "./keys";
import type { CacheUsageSample, RedisMetrics } from "./metrics";
import type { CacheManager, CacheSetOptions } from "./types";

/** Raw storage under a CacheManager: full keys, encoded values, TTLs in milliseconds. May throw. */
export interface CacheBackend {
  /** False when the store cannot answer right now; the manager then skips it without waiting. */
  available(): boolean;
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  set(entries: { key: string; value: string; ttlMs: number; tagKeys: string[] }[]): Promise<void>;
  del(keys: string[]): Promise<number>;
  exists(key: string): Promise<boolean>;
  deleteMatching(pattern: string): Promise<number>;
  deleteTagged(tagKeys: string[]): Promise<number>;
  ttlMs(key: string): Promise<number>;
  expire(key: string, ttlMs: number): Promise<boolean>;
  persist(key: string): Promise<boolean>;
  incrBy(key: string, by: number, ttlMs: number): Promise<number>;
  /** Optional timer around each operation (the command-duration histogram). */
  timer?(): () => void;
  /** Keys and bytes of these namespaces, for the courtflow_cache_* gauges. */
  usage?(namespaces: string[]): Promise<CacheUsageSample[]>;
}

export interface CacheManagerOptions {
  namespace?: string;
  defaultTtlSeconds: number;
  metrics: RedisMetrics;
  logger: Logger;
  /**
   * Runs before every invalidation (read replicas: raises the global read fence, so a read that
   * refills the entry cannot come from a replica that has not replayed the change). Its failure is
   * logged and the invalidation goes ahead.
   */
  beforeInvalidate?: () => Promise<void>;
}

/** State shared by a manager and every namespace derived from it. */
interface Root {
  backend: CacheBackend;
  defaultTtlMs: number;
  metrics: RedisMetrics;
  logger: Logger;
  inflight: Map<string, Promise<unknown>>;
  lastWarnAt: number;
  /** Every namespace derived from this manager, for the usage gauges. */
  namespaces: Set<string>;
  beforeInvalidate?: () => Promise<void>;
}

const WARN_INTERVAL_MS = 60_000;

const toMs = (seconds: number) => Math.max(1, Math.round(seconds * 1000));

/**
 * The CacheManager over any backend. Every operation degrades instead of throwing: when the store
 * is unavailable or fails, reads are misses, writes are skipped, and the error counter says so.
 * Values are stored as JSON (with Dates tagged), so every read returns a fresh copy.
 */
export function createCacheManager(backend: CacheBackend, opts: CacheManagerOptions): CacheManager {
  const root: Root = {
    backend,
    defaultTtlMs: toMs(opts.defaultTtlSeconds),
    metrics: opts.metrics,
    logger: opts.logger,
    inflight: new Map(),
    lastWarnAt: 0,
    namespaces: new Set(),
    beforeInvalidate: opts.beforeInvalidate,
  };
  return namespaced(root, opts.namespace ?? "default");
}

function namespaced(root: Root, namespace: string): CacheManager {
  assertNamespace(namespace);
  root.namespaces.add(namespace);
  const { backend, metrics } = root;
  const label = { namespace };
  const full = (key: string) => cacheKeys.value(namespace, key);
  const ttlOrDefault = (seconds: number | undefined) =>
    seconds !== undefined && seconds > 0 && Number.isFinite(seconds) ? toMs(seconds) : root.defaultTtlMs;

  /** Runs a store operation; on failure counts it, warns at most once a minute, returns `fallback`. */
  async function guarded<T>(op: string, fallback: T, fn: () => Promise<T>): Promise<T> {
    if (!backend.available()) {
      metrics.cacheErrors.inc(label);
      return fallback;
    }
    const done = backend.timer?.();
    try {
      return await fn();
    } catch (err) {
      metrics.cacheErrors.inc(label);
      if (Date.now() - root.lastWarnAt > WARN_INTERVAL_MS) {
        root.lastWarnAt = Date.now();
        root.logger.warn({ namespace, op, err: (err as Error).message }, "cache operation failed; degrading");
      }
      return fallback;
    } finally {
      done?.();
    }
  }

  async function fenceFirst(op: string): Promise<void> {
    try {
      await root.beforeInvalidate?.();
    } catch (err) {
      if (Date.now() - root.lastWarnAt > WARN_INTERVAL_MS) {
        root.lastWarnAt = Date.now();
        root.logger.warn(
          { namespace, op, err: (err as Error).message },
          "read fence not raised before invalidation",
        );
      }
    }
  }

  /** JSON text of a value; undefined (and counted as an error) when it has none (BigInt, cycles). */
  function encode(value: unknown): string | undefined {
    try {
      return encodeValue(value);
    } catch (err) {
      metrics.cacheErrors.inc(label);
      root.logger.warn({ namespace, err: (err as Error).message }, "cache value cannot be stored as JSON");
      return undefined;
    }
  }

  /** A stored text that is not our JSON is treated as absent and removed. */
  function decoded<T>(key: string, raw: string | null): T | null {
    if (raw === null) return null;
    try {
      return decodeValue<T>(raw);
    } catch {
      void guarded("del", 0, () => backend.del([full(key)]));
      return null;
    }
  }

  function count(value: unknown): void {
    if (value === null) metrics.cacheMisses.inc(label);
    else metrics.cacheHits.inc(label);
  }

  const manager: CacheManager = {
    namespace,
    withNamespace: (ns) => namespaced(root, ns),

    async get<T>(key: string) {
      const raw = await guarded<string | null | undefined>("get", undefined, () => backend.get(full(key)));
      if (raw === undefined) return null;
      const value = decoded<T>(key, raw);
      count(value);
      return value;
    },

    async set<T>(key: string, value: T, o: CacheSetOptions = {}) {
      const encoded = encode(value);
      if (encoded === undefined) return;
      const tagKeys = (o.tags ?? []).map((t) => cacheKeys.tag(namespace, t));
      await guarded("set", undefined, () =>
        backend.set([{ key: full(key), value: encoded, ttlMs: ttlOrDefault(o.ttlSeconds), tagKeys }]),
      );
    },

    del: (...keys) => guarded("del", 0, () => backend.del(keys.map(full))),
    exists: (key) => guarded("exists", false, () => backend.exists(full(key))),

    async mget<T>(keys: string[]) {
      if (keys.length === 0) return [];
      const raws = await guarded<(string | null)[] | undefined>("mget", undefined, () =>
        backend.mget(keys.map(full)),
      );
      if (raws === undefined) return keys.map(() => null);
      return keys.map((key, i) => {
        const value = decoded<T>(key, raws[i] ?? null);
        count(value);
        return value;
      });
    },

    async mset<T>(entries: { key: string; value: T; ttlSeconds?: number }[]) {
      const rows = entries.flatMap((e) => {
        const value = encode(e.value);
        return value === undefined
          ? []
          : [{ key: full(e.key), value, ttlMs: ttlOrDefault(e.ttlSeconds), tagKeys: [] }];
      });
      if (rows.length > 0) await guarded("mset", undefined, () => backend.set(rows));
    },

    async getOrSet<T>(
      key: string,
      ttlSeconds: number,
      load: () => Promise<T>,
      o: { tags?: string[]; admit?: (value: T) => Promise<boolean> } = {},
    ) {
      const k = full(key);
      const running = root.inflight.get(k) as Promise<T> | undefined;
      if (running) return running;
      // The read and the load share one flight, so concurrent callers cause one read and one load.
      const flight = (async () => {
        const cached = await manager.get<T>(key);
        if (cached !== null) return cached;
        const value = await load();
        // Not awaited: the caller has its value; the write is bounded by the command timeout anyway.
        // null is not written: it would read back as a miss anyway. `admit` may decline the write
        // (a caller's quota): the value is still served.
        if (value !== null && (!o.admit || (await o.admit(value)))) {
          void manager.set(key, value, { ttlSeconds, tags: o.tags });
        }
        return value;
      })().finally(() => root.inflight.delete(k));
      root.inflight.set(k, flight);
      return flight;
    },

    async invalidatePattern(pattern) {
      await fenceFirst("invalidatePattern");
      return guarded("invalidatePattern", 0, () =>
        backend.deleteMatching(cacheKeys.pattern(namespace, pattern)),
      );
    },
    async invalidateTags(tags) {
      await fenceFirst("invalidateTags");
      return guarded("invalidateTags", 0, () =>
        backend.deleteTagged(tags.map((t) => cacheKeys.tag(namespace, t))),
      );
    },

    async ttl(key) {
      const ms = await guarded("ttl", -2, () => backend.ttlMs(full(key)));
      // Redis rounds TTL to the nearest second; keep -1 / -2 as they are.
      return ms < 0 ? ms : Math.floor((ms + 500) / 1000);
    },
    expire: (key, ttlSeconds) =>
      guarded("expire", false, () => backend.expire(full(key), Math.round(ttlSeconds * 1000))),
    persist: (key) => guarded("persist", false, () => backend.persist(full(key))),

    incrBy(key, by, ttlSeconds) {
      // A fractional step is a bug in the caller, not store trouble: say so instead of degrading.
      if (!Number.isSafeInteger(by)) throw new TypeError(`cache increment must be an integer, got ${by}`);
      return guarded("incrBy", 0, () => backend.incrBy(full(key), by, ttlOrDefault(ttlSeconds)));
    },
    incr: (key, ttlSeconds) => manager.incrBy(key, 1, ttlSeconds),
    async usage() {
      if (!backend.usage || !backend.available()) return [];
      try {
        return await backend.usage([...root.namespaces].sort());
      } catch {
        metrics.cacheErrors.inc(label);
        return [];
      }
    },
    decr: (key, ttlSeconds) => manager.incrBy(key, -1, ttlSeconds),
  };
  return manager;
}
