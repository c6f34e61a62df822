import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { buildDeps } from "../../src/bootstrap";
import { createLogger } from "../../src/lib/logger";
import { createMetricsRegistry } from "../../src/lib/metrics";
import { buildRedisDeps } from "../../src/redis/build";
import { createTestApp, LogCapture } from "../helpers/app";
import { testConfig } from "../helpers/db";
import { describePgRedis } from "../helpers/guards";
import { metricValue } from "../helpers/metrics";
import { TEST_REDIS_URL } from "../helpers/services";
import { freshNamespace } from "./cache.contract";
import { rawTestRedis, redisTestConfig, waitUntilUp } from "./subjects";

describePgRedis("app deps: the Redis layer through createTestApp and buildDeps", () => {
  const raw = rawTestRedis();
  afterAll(() => raw.disconnect());

  test("createTestApp uses the real Redis at TEST_REDIS_URL by default", async () => {
    const t = await createTestApp();
    try {
      await waitUntilUp(t.deps);
      const ns = freshNamespace();
      await t.deps.cache.withNamespace(ns).set("k", { v: 1 });
      expect(await raw.get(`cf:cache:${ns}:k`)).toBe('{"v":1}');
      expect(t.deps.config.REDIS_URL).toBe(TEST_REDIS_URL);
      await t.deps.cache.withNamespace(ns).del("k");
    } finally {
      await t.close();
    }
    expect(t.deps.redis!.main.status).toBe("end");
  });

  test('createTestApp({ redis: "memory" }) builds the embedded managers and says so', async () => {
    const t = await createTestApp({ redis: "memory" });
    try {
      expect(t.deps.redis).toBeNull();
      expect(t.logs.text).toContain("REDIS_URL is not set: embedded cache");
      await t.deps.cache.set("k", 1);
      expect(await t.deps.cache.get("k")).toBe(1);
      const s = await t.deps.sessions.create(
        7,
        { role: "viewer", courtId: null, ip: null, userAgent: null, refreshJti: null },
        60,
      );
      expect((await t.deps.sessions.get(s.id))?.userId).toBe(7);
      expect((await t.deps.rateLimiter.hit("k", 1, 60)).allowed).toBe(true);
    } finally {
      await t.close();
    }
  });

  test("buildDeps wires Redis when REDIS_URL is set and closes it on shutdown", async () => {
    const logs = new LogCapture();
    const deps = await buildDeps(
      testConfig({ REDIS_URL: TEST_REDIS_URL }),
      createLogger({ level: "info", destination: logs }),
    );
    await waitUntilUp(deps);
    expect(await deps.redis!.main.ping()).toBe("PONG");
    await deps.close();
    expect(Object.values(deps.redis!).filter((c) => typeof c === "object" && c.status !== "end")).toEqual([]);
    expect(logs.json().filter((l) => l.msg === "redis down")).toEqual([]); // a shutdown is not an outage
  });

  test("buildDeps without REDIS_URL runs embedded and logs it once", async () => {
    const logs = new LogCapture();
    const deps = await buildDeps(testConfig(), createLogger({ level: "info", destination: logs }));
    try {
      expect(deps.redis).toBeNull();
      expect(logs.json().filter((l) => String(l.msg).includes("embedded cache"))).toHaveLength(1);
      expect(await deps.sessions.countActive()).toBe(0);
    } finally {
      await deps.close();
    }
  });
});

describe("metrics registration", () => {
  let first: ReturnType<typeof buildRedisDeps>;
  let second: ReturnType<typeof buildRedisDeps>;
  const registry = createMetricsRegistry({ defaultMetrics: false });
  beforeAll(() => {
    const logger = createLogger({ level: "silent" });
    first = buildRedisDeps(redisTestConfig({}, null), logger, registry);
    second = buildRedisDeps(redisTestConfig({}, null), logger, registry);
  });

  test("two Redis layers on one registry share each metric instead of failing to register it", async () => {
    await first.cache.withNamespace("shared").get("x");
    await second.cache.withNamespace("shared").get("x");
    expect(await metricValue(registry, "courtflow_cache_misses_total", { namespace: "shared" })).toBe(2);
    const text = await registry.metrics();
    for (const name of [
      "courtflow_cache_hits_total",
      "courtflow_cache_misses_total",
      "courtflow_cache_errors_total",
      "courtflow_redis_up",
      "courtflow_redis_command_duration_seconds",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });
});
