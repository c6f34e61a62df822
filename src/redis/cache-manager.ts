import type { CacheBackend, CacheManagerOptions } from "./cache-core";
import { createCacheManager } from "./cache-core";
import { commandTimer } from "./metrics";
import { incrWithTtl, runScript, takeSet } from "./scripts";
import { type CommandArgs, type RedisClient, runAll, scanKeys, unlinkMany } from "./topology";
import type { CacheManager } from "./types";

const UNLINK_BATCH = 500;

/**
 * Cache storage on the cache client. The client refuses commands while disconnected (no offline
 * queue) and every command has the configured timeout, so a dead or stalled Redis costs a request at
 * most one command timeout; `available()` skips Redis at once while it is known to be down.
 */
export function redisCacheBackend(client: RedisClient, timer?: () => () => void): CacheBackend {
  return {
    available: () => client.status === "ready",
    timer,
    get: (key) => client.get(key),
    async mget(keys) {
      // One pipeline of GETs rather than MGET: on Cluster the keys may live in different slots.
      const values = await runAll(
        client,
        keys.map((k): CommandArgs => ["GET", k]),
      );
      return values.map((v) => (typeof v === "string" ? v : null));
    },
    async set(entries) {
      const commands: CommandArgs[] = [];
      for (const e of entries) {
        commands.push(["SET", e.key, e.value, "PX", e.ttlMs]);
        for (const tag of e.tagKeys) {
          // A tag lives at least as long as its longest-lived key: NX gives a new tag a TTL, GT extends it.
          commands.push(
            ["SADD", tag, e.key],
            ["PEXPIRE", tag, e.ttlMs, "NX"],
            ["PEXPIRE", tag, e.ttlMs, "GT"],
          );
        }
      }
      await runAll(client, commands);
    },
    del: (keys) => unlinkMany(client, keys),
    exists: async (key) => (await client.exists(key)) === 1,
    async deleteMatching(pattern) {
      let removed = 0;
      for await (const page of scanKeys(client, pattern)) {
        for (let i = 0; i < page.length; i += UNLINK_BATCH) {
          removed += await unlinkMany(client, page.slice(i, i + UNLINK_BATCH));
        }
      }
      return removed;
    },
    async deleteTagged(tagKeys) {
      const members = new Set<string>();
      for (const tag of tagKeys) {
        for (const m of (await runScript(client, takeSet, tag, [])) as string[]) members.add(m);
      }
      const keys = [...members];
      let removed = 0;
      for (let i = 0; i < keys.length; i += UNLINK_BATCH) {
        removed += await unlinkMany(client, keys.slice(i, i + UNLINK_BATCH));
      }
      return removed;
    },
    ttlMs: (key) => client.pttl(key),
    expire: async (key, ttlMs) => (await client.pexpire(key, ttlMs)) === 1,
    persist: async (key) => (await client.persist(key)) === 1,
    incrBy: async (key, by, ttlMs) => Number(await runScript(client, incrWithTtl, key, [by, ttlMs])),
  };
}

/** The CacheManager over Redis (services mode). */
export function createRedisCacheManager(client: RedisClient, opts: CacheManagerOptions): CacheManager {
  return createCacheManager(
    redisCacheBackend(client, () => commandTimer(opts.metrics, "cache")),
    opts,
  );
}
