import {
  type AdmitResult,
  type CacheBudget,
  cleanupCommands,
  createCacheBudget,
  type DroppedEntry,
} from "./cache-budget";
import type { CacheBackend, CacheManagerOptions } from "./cache-core";
import { createCacheManager } from "./cache-core";
import { cacheKeys } from "./keys";
import { commandTimer, type RedisMetrics } from "./metrics";
import { incrWithTtl, runScript, takeSet } from "./scripts";
import { type CommandArgs, type RedisClient, runAll, runAllSettled, scanKeys, unlinkMany } from "./topology";
import type { CacheManager } from "./types";

const UNLINK_BATCH = 500;

/** Groups full keys by their namespace (keys outside `cf:cache:` are left out). */
function byNamespace<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const ns = cacheKeys.namespaceOf(keyOf(item));
    if (ns === null) continue;
    const list = groups.get(ns);
    if (list) list.push(item);
    else groups.set(ns, [item]);
  }
  return groups;
}

export interface RedisCacheBackendOptions {
  timer?: () => () => void;
  /** Per-namespace memory budget (cache-budget.ts); without one the cache grows until TTLs expire. */
  budget?: CacheBudget;
  metrics?: RedisMetrics;
}

/**
 * Cache storage on the cache client. The client refuses commands while disconnected (no offline
 * queue) and every command has the configured timeout, so a dead or stalled Redis costs a request at
 * most one command timeout; `available()` skips Redis at once while it is known to be down.
 */
export function redisCacheBackend(client: RedisClient, opts: RedisCacheBackendOptions = {}): CacheBackend {
  const { budget, metrics } = opts;

  /** Takes deleted keys out of their namespaces' budgets, and out of their other tags. */
  async function forget(keys: string[]): Promise<void> {
    if (!budget) return;
    const dropped: DroppedEntry[] = [];
    for (const [ns, list] of byNamespace(keys, (k) => k)) dropped.push(...(await budget.forget(ns, list)));
    // The values are gone already; their memberships in other tag sets go now.
    await runAll(client, dropCommands(dropped, false));
  }

  function dropCommands(dropped: DroppedEntry[], unlink: boolean): CommandArgs[] {
    return cleanupCommands({ dropped, rejected: [], admitted: [] }).filter(
      ([cmd]) => unlink || cmd !== "UNLINK",
    );
  }

  /** Values and tags of entries, as commands. */
  function writeCommands(entries: { key: string; value: string; ttlMs: number; tagKeys: string[] }[]) {
    const commands: CommandArgs[] = [];
    for (const e of entries) {
      commands.push(["SET", e.key, e.value, "PX", e.ttlMs]);
      for (const tag of e.tagKeys) {
        // A tag lives at least as long as its longest-lived key: NX gives a new tag a TTL, GT extends it.
        commands.push(["SADD", tag, e.key], ["PEXPIRE", tag, e.ttlMs, "NX"], ["PEXPIRE", tag, e.ttlMs, "GT"]);
      }
    }
    return commands;
  }

  return {
    available: () => client.status === "ready",
    timer: opts.timer,
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
      if (!budget) {
        await runAll(client, writeCommands(entries));
        return;
      }
      // Admission and writes in one pipeline, sent at once: a read issued after this call returns (the
      // next request) finds the value, as without a budget. What the budget refused or pushed out is
      // removed right after.
      const batches = [...byNamespace(entries, (e) => e.key)].flatMap(([ns, list]) =>
        budget.batches(ns, list),
      );
      const settled = await runAllSettled(client, [
        ...batches.map(budget.command),
        ...writeCommands(entries),
      ]);
      const cleanup: CommandArgs[] = [];
      for (const [i, batch] of batches.entries()) {
        let raw = settled[i];
        if (raw instanceof Error && raw.message.startsWith("NOSCRIPT"))
          raw = await budget.run(batch).catch((e) => e);
        const r: AdmitResult = budget.result(batch, raw);
        cleanup.push(...cleanupCommands(r));
        if (r.evicted > 0) metrics?.cacheEvictions.inc({ namespace: batch.namespace }, r.evicted);
        if (r.rejected.length > 0) {
          metrics?.cacheBypass.inc({ namespace: batch.namespace, reason: "over_budget" }, r.rejected.length);
        }
      }
      await runAll(client, cleanup);
      const failed = settled.slice(batches.length).find((r) => r instanceof Error);
      if (failed) throw failed;
    },
    async del(keys) {
      const removed = await unlinkMany(client, keys);
      await forget(keys);
      return removed;
    },
    exists: async (key) => (await client.exists(key)) === 1,
    async deleteMatching(pattern) {
      let removed = 0;
      for await (const page of scanKeys(client, pattern)) {
        for (let i = 0; i < page.length; i += UNLINK_BATCH) {
          const batch = page.slice(i, i + UNLINK_BATCH);
          removed += await unlinkMany(client, batch);
          await forget(batch);
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
        const batch = keys.slice(i, i + UNLINK_BATCH);
        removed += await unlinkMany(client, batch);
        await forget(batch);
      }
      return removed;
    },
    ttlMs: (key) => client.pttl(key),
    async expire(key, ttlMs) {
      const ok = (await client.pexpire(key, ttlMs)) === 1;
      const ns = cacheKeys.namespaceOf(key);
      if (ok && budget && ns !== null) {
        // As in Redis, a non-positive TTL deleted the key.
        if (ttlMs <= 0) await forget([key]);
        else await budget.reexpire(ns, key, ttlMs);
      }
      return ok;
    },
    async persist(key) {
      const ok = (await client.persist(key)) === 1;
      const ns = cacheKeys.namespaceOf(key);
      if (ok && budget && ns !== null) await budget.reexpire(ns, key, null);
      return ok;
    },
    incrBy: async (key, by, ttlMs) => Number(await runScript(client, incrWithTtl, key, [by, ttlMs])),
    async usage(namespaces) {
      if (!budget) return [];
      const samples = [];
      for (const ns of namespaces) {
        const { usage, dropped } = await budget.usage(ns);
        await runAll(client, dropCommands(dropped, true));
        samples.push(usage);
      }
      return samples;
    },
  };
}

/** The CacheManager over Redis (services mode); each namespace within `namespaceMaxBytes`. */
export function createRedisCacheManager(
  client: RedisClient,
  opts: CacheManagerOptions & { namespaceMaxBytes?: number },
): CacheManager {
  return createCacheManager(
    redisCacheBackend(client, {
      timer: () => commandTimer(opts.metrics, "cache"),
      budget: opts.namespaceMaxBytes ? createCacheBudget(client, opts.namespaceMaxBytes) : undefined,
      metrics: opts.metrics,
    }),
    opts,
  );
}
