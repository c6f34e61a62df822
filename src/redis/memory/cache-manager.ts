import type { CacheBackend, CacheManagerOptions } from "../cache-core";
import { createCacheManager } from "../cache-core";
import { globToRegExp } from "../glob";
import { cacheKeys } from "../keys";
import type { CacheUsageSample } from "../metrics";
import type { CacheManager, Clock } from "../types";
import { LruStore } from "./lru-store";

const INTEGER = /^-?\d+$/;

function addTo(index: Map<string, Set<string>>, key: string, member: string): void {
  const set = index.get(key);
  if (set) set.add(member);
  else index.set(key, new Set([member]));
}

/**
 * Cache storage in this process (embedded mode): bounded LRU, TTLs, glob and tag invalidation with
 * Redis semantics, so the same suite passes against both. Tags index keys both ways so that a key
 * leaving the store (evicted, expired, deleted) also leaves its tags: memory stays bounded.
 */
export function memoryCacheBackend(maxEntries: number, now: Clock = Date.now): CacheBackend {
  const tagsOfKey = new Map<string, Set<string>>();
  const keysOfTag = new Map<string, Set<string>>();
  const store = new LruStore<string>(
    maxEntries,
    (key) => {
      for (const tag of tagsOfKey.get(key) ?? []) {
        const keys = keysOfTag.get(tag);
        keys?.delete(key);
        if (keys?.size === 0) keysOfTag.delete(tag);
      }
      tagsOfKey.delete(key);
    },
    now,
  );
  const ttlAt = (ttlMs: number) => now() + ttlMs;

  return {
    available: () => true,
    get: async (key) => store.get(key) ?? null,
    mget: async (keys) => keys.map((k) => store.get(k) ?? null),
    async set(entries) {
      for (const e of entries) {
        store.set(e.key, e.value, ttlAt(e.ttlMs));
        for (const tag of e.tagKeys) {
          addTo(keysOfTag, tag, e.key);
          addTo(tagsOfKey, e.key, tag);
        }
      }
    },
    del: async (keys) => keys.filter((k) => store.entry(k) !== undefined && store.delete(k)).length,
    exists: async (key) => store.entry(key) !== undefined,
    async deleteMatching(pattern) {
      const re = globToRegExp(pattern);
      let removed = 0;
      for (const key of store.keys()) if (re.test(key) && store.delete(key)) removed++;
      return removed;
    },
    async deleteTagged(tagKeys) {
      const keys = new Set(tagKeys.flatMap((t) => [...(keysOfTag.get(t) ?? [])]));
      let removed = 0;
      for (const key of keys) if (store.entry(key) !== undefined && store.delete(key)) removed++;
      for (const t of tagKeys) keysOfTag.delete(t);
      return removed;
    },
    async ttlMs(key) {
      const e = store.entry(key);
      if (!e) return -2;
      return e.expiresAt === null ? -1 : e.expiresAt - now();
    },
    async expire(key, ttlMs) {
      if (store.entry(key) === undefined) return false;
      // As in Redis, a non-positive TTL deletes the key.
      if (ttlMs <= 0) return store.delete(key);
      return store.setExpiry(key, ttlAt(ttlMs));
    },
    async persist(key) {
      const e = store.entry(key);
      if (!e || e.expiresAt === null) return false;
      return store.setExpiry(key, null);
    },
    async incrBy(key, by, ttlMs) {
      const e = store.entry(key);
      if (e && !INTEGER.test(e.value)) throw new Error("ERR value is not an integer or out of range");
      const next = Number(e?.value ?? 0) + by;
      store.set(key, String(next), e ? e.expiresAt : ttlAt(ttlMs));
      return next;
    },
    async usage(namespaces) {
      // Bounded by MEMORY_CACHE_MAX_ENTRIES as a whole; no budget per namespace.
      const samples = new Map<string, CacheUsageSample>(
        namespaces.map((namespace) => [namespace, { namespace, keys: 0, bytes: 0, maxBytes: null }]),
      );
      for (const key of store.keys()) {
        const sample = samples.get(cacheKeys.namespaceOf(key) ?? "");
        const value = sample ? store.peek(key) : undefined;
        if (!sample || value === undefined) continue;
        sample.keys++;
        sample.bytes += key.length + value.length;
      }
      return [...samples.values()];
    },
  };
}

/** The CacheManager of embedded mode. */
export function createMemoryCacheManager(
  opts: CacheManagerOptions & { maxEntries: number; now?: Clock },
): CacheManager {
  return createCacheManager(memoryCacheBackend(opts.maxEntries, opts.now), opts);
}
