import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger } from "../../src/lib/logger";
import { createMetricsRegistry } from "../../src/lib/metrics";
import { createMemoryCacheManager } from "../../src/redis/memory/cache-manager";
import { redisMetrics } from "../../src/redis/metrics";
import { movedTime, realTime, TestClock } from "../helpers/clock";
import { describeRedis } from "../helpers/guards";
import { cacheContract, freshNamespace } from "./cache.contract";
import { openRedisLayer, rawTestRedis } from "./subjects";

cacheContract(describeRedis, "Redis", async () => {
  const layer = await openRedisLayer("redis");
  return { cache: layer.cache, registry: layer.registry, time: realTime, close: layer.close };
});

cacheContract(describe, "in-process (embedded mode)", async () => {
  // Room for the 10 000-key invalidation test plus its neighbours; the bound itself is tested below.
  const clock = new TestClock();
  const layer = await openRedisLayer("memory", { MEMORY_CACHE_MAX_ENTRIES: "50000" }, { now: clock.now });
  return { cache: layer.cache, registry: layer.registry, time: movedTime(clock), close: layer.close };
});

describeRedis("Redis cache: what lands in Redis", () => {
  let layer: Awaited<ReturnType<typeof openRedisLayer>>;
  const raw = rawTestRedis();
  beforeAll(async () => {
    layer = await openRedisLayer("redis");
  });
  afterAll(async () => {
    await layer.close();
    raw.disconnect();
  });

  test("values live under cf:cache:<namespace>: with a TTL; tags under cf:cache-tag:", async () => {
    const ns = freshNamespace();
    const c = layer.cache.withNamespace(ns);
    await c.set("clearance:12", { rate: 0.98 }, { ttlSeconds: 120, tags: ["court:12"] });
    expect(await raw.get(`cf:cache:${ns}:clearance:12`)).toBe('{"rate":0.98}');
    expect(await raw.ttl(`cf:cache:${ns}:clearance:12`)).toBe(120);
    expect(await raw.smembers(`cf:cache-tag:${ns}:court:12`)).toEqual([`cf:cache:${ns}:clearance:12`]);
    expect(await raw.ttl(`cf:cache-tag:${ns}:court:12`)).toBe(120);
    // A longer-lived key extends its tag; a shorter one never shortens it.
    await c.set("backlog:12", 1, { ttlSeconds: 600, tags: ["court:12"] });
    await c.set("age:12", 1, { ttlSeconds: 5, tags: ["court:12"] });
    expect(await raw.ttl(`cf:cache-tag:${ns}:court:12`)).toBe(600);
    await c.invalidateTags(["court:12"]);
    expect(await raw.exists(`cf:cache-tag:${ns}:court:12`)).toBe(0);
    await c.invalidatePattern("*");
  });

  test("a value that is not our JSON reads as a miss and is removed", async () => {
    const ns = freshNamespace();
    await raw.set(`cf:cache:${ns}:broken`, "{not json", "EX", 60);
    expect(await layer.cache.withNamespace(ns).get("broken")).toBeNull();
    await Bun.sleep(20);
    expect(await raw.exists(`cf:cache:${ns}:broken`)).toBe(0);
  });
});

describe("in-process cache: bounded size", () => {
  test("holds at most MEMORY_CACHE_MAX_ENTRIES, evicting the least recently used first", async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const cache = createMemoryCacheManager({
      maxEntries: 10,
      defaultTtlSeconds: 60,
      metrics: redisMetrics(registry),
      logger: createLogger({ level: "silent" }),
    });
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, i, { tags: ["all"] });
    expect(await cache.get("k0")).toBe(0); // now the most recently used
    for (let i = 10; i < 15; i++) await cache.set(`k${i}`, i, { tags: ["all"] });
    const present = (await cache.mget(Array.from({ length: 15 }, (_, i) => `k${i}`))).filter(
      (v) => v !== null,
    );
    expect(present).toHaveLength(10);
    expect(await cache.get("k0")).toBe(0);
    expect(await cache.get("k1")).toBeNull();
    // Evicted keys also left their tag: invalidation counts only what was really there.
    expect(await cache.invalidateTags(["all"])).toBe(10);
  });
});
