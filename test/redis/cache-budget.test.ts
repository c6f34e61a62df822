// The per-namespace memory budget of the Redis cache (src/redis/cache-budget.ts): every way an entry
// enters or leaves keeps the accounting equal to what is in Redis.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Redis } from "ioredis";
import type { CacheManager } from "../../src/redis/types";
import { metricValue } from "../helpers/metrics";
import { describeOwnRedis, type PrivateRedis, startPrivateRedis } from "../helpers/redis-server";
import { freshNamespace } from "./cache.contract";
import { openRedisLayer } from "./subjects";

const BUDGET = 64 * 1024;

describeOwnRedis("Redis cache: memory budget per namespace", () => {
  let server: PrivateRedis;
  let layer: Awaited<ReturnType<typeof openRedisLayer>>;
  let raw: Redis;
  beforeAll(async () => {
    server = await startPrivateRedis();
    layer = await openRedisLayer("redis", {
      REDIS_URL: server.url(),
      CACHE_NAMESPACE_MAX_BYTES: String(BUDGET),
    });
    raw = new Redis(server.url());
  });
  afterAll(async () => {
    raw?.disconnect();
    await layer?.close();
    await server?.stop();
  });

  const usageOf = async (c: CacheManager) => (await c.usage()).find((u) => u.namespace === c.namespace)!;

  test("a rewrite replaces its accounting and its tags; a value larger than the budget is refused", async () => {
    const c = layer.cache.withNamespace(freshNamespace());
    await c.set("k", "x".repeat(1000), { tags: ["a", "b"] });
    const once = await usageOf(c);
    await c.set("k", "x".repeat(1000), { tags: ["b", "c"] });
    expect(await usageOf(c)).toEqual(once);
    expect(await raw.smembers(`cf:cache-tag:${c.namespace}:a`)).toEqual([]);
    expect(await raw.smembers(`cf:cache-tag:${c.namespace}:c`)).toEqual([`cf:cache:${c.namespace}:k`]);

    await c.set("huge", "x".repeat(BUDGET));
    expect(await c.get("huge")).toBeNull();
    expect(await usageOf(c)).toEqual(once);
    expect(
      await metricValue(layer.registry, "courtflow_cache_bypass_total", {
        namespace: c.namespace,
        reason: "over_budget",
      }),
    ).toBe(1);
  });

  test("del, invalidatePattern, invalidateTags and expire(0) give the bytes back", async () => {
    const c = layer.cache.withNamespace(freshNamespace());
    const fill = async () => {
      for (let i = 0; i < 10; i++) await c.set(`k${i}`, i, { tags: [`t${i % 2}`] });
      expect((await usageOf(c)).keys).toBe(10);
    };
    await fill();
    expect(await c.del("k0", "k1")).toBe(2);
    expect((await usageOf(c)).keys).toBe(8);
    expect(await c.invalidatePattern("k*")).toBe(8);
    expect(await usageOf(c)).toMatchObject({ keys: 0, bytes: 0 });
    await fill();
    expect(await c.invalidateTags(["t0", "t1"])).toBe(10);
    expect(await usageOf(c)).toMatchObject({ keys: 0, bytes: 0 });
    await fill();
    await c.invalidateTags(["t0"]);
    // The odd keys' tag still names only them.
    expect((await raw.smembers(`cf:cache-tag:${c.namespace}:t1`)).length).toBe(5);
    expect(await c.expire("k1", 0)).toBe(true);
    expect((await usageOf(c)).keys).toBe(4);
  });

  test("expired entries leave the accounting and their tag; persist keeps an entry counted", async () => {
    const c = layer.cache.withNamespace(freshNamespace());
    await c.set("short", 1, { ttlSeconds: 0.05, tags: ["t"] });
    await c.set("kept", 2, { ttlSeconds: 0.05, tags: ["t"] });
    expect(await c.persist("kept")).toBe(true);
    // Redis expires the value on its own clock; the accounting catches up at the next write or scrape.
    await raw.pexpire(`cf:cache:${c.namespace}:short`, 1);
    await Bun.sleep(60);
    expect(await usageOf(c)).toMatchObject({ keys: 1 });
    expect(await raw.smembers(`cf:cache-tag:${c.namespace}:t`)).not.toContain(
      `cf:cache:${c.namespace}:short`,
    );
  });

  test("when the budget is full the entries closest to expiry go first, values and tags alike", async () => {
    const c = layer.cache.withNamespace(freshNamespace());
    const value = "v".repeat(4000);
    for (let i = 0; i < 40; i++) await c.set(`k${i}`, value, { ttlSeconds: 600 + i, tags: ["all"] });
    const u = await usageOf(c);
    expect(u.bytes).toBeLessThanOrEqual(BUDGET);
    expect(u.keys).toBeLessThan(40);
    const present = (await c.mget(Array.from({ length: 40 }, (_, i) => `k${i}`))).map((v) => v !== null);
    // A contiguous run of the newest ones.
    expect(present.slice(40 - u.keys).every(Boolean)).toBe(true);
    expect(present.slice(0, 40 - u.keys).some(Boolean)).toBe(false);
    expect(await raw.scard(`cf:cache-tag:${c.namespace}:all`)).toBe(u.keys);
    expect(
      await metricValue(layer.registry, "courtflow_cache_evictions_total", { namespace: c.namespace }),
    ).toBe(40 - u.keys);
  });

  test("after Redis loses its scripts (restart, failover) writes are still admitted and counted", async () => {
    const c = layer.cache.withNamespace(freshNamespace());
    await c.set("a", 1);
    await raw.script("FLUSH");
    await c.set("b", 2);
    expect(await c.get("b")).toBe(2);
    expect((await usageOf(c)).keys).toBe(2);
  });
});
