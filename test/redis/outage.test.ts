import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { StoreUnavailableError } from "../../src/redis/types";
import { createTestApp, type TestApp } from "../helpers/app";
import { metricValue } from "../helpers/metrics";
import { describePgOwnRedis, type PrivateRedis, startPrivateRedis } from "../helpers/redis-server";
import { waitUntilUp } from "./subjects";

const COMMAND_TIMEOUT_MS = 300;
const session = { role: "viewer" as const, courtId: null, ip: null, userAgent: null, refreshJti: null };

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (err) => err,
  );
}

/**
 * Redis goes away under a running app (its own redis-server, so the shared one is never touched):
 * pages keep answering from PostgreSQL, the cache degrades to misses within the command timeout,
 * sessions fail closed, and when Redis returns everything resumes without restarting the app.
 */
describePgOwnRedis("Redis outage and recovery", () => {
  let server: PrivateRedis;
  let t: TestApp;
  let loads = 0;
  beforeAll(async () => {
    server = await startPrivateRedis();
    t = await createTestApp({
      redis: server.url(0),
      env: { REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS), REDIS_CONNECT_TIMEOUT_MS: "500" },
    });
    // A dashboard-style endpoint: read-through cache in front of PostgreSQL.
    const cache = t.deps.cache.withNamespace("outage");
    t.app.get("/api/test/court-count", async (c) => {
      const count = await cache.getOrSet("courts", 60, async () => {
        loads++;
        const rows = rowsOf<{ n: number }>(
          await t.deps.db.db.execute(sql`select count(*)::int as n from courts`),
        );
        return rows[0]!.n;
      });
      return c.json({ count });
    });
    await waitUntilUp(t.deps);
  });
  afterAll(async () => {
    await t?.close();
    await server?.stop();
  });

  const cache = () => t.deps.cache.withNamespace("outage");
  const get = (path: string) => timed(async () => t.app.request(path));
  const downLines = (client: string) =>
    t.logs.json().filter((l) => l.msg === "redis down" && l.client === client).length;

  test("with Redis up, the endpoint is served from the cache after the first load", async () => {
    expect((await get("/api/test/court-count")).value.status).toBe(200);
    await Bun.sleep(20);
    expect((await get("/api/test/court-count")).value.status).toBe(200);
    expect(loads).toBe(1);
  });

  test("a hung Redis: cache calls miss within the command timeout, pages answer, sessions fail closed", async () => {
    const s = await t.deps.sessions.create(1, session, 600);
    server.pause();
    try {
      const read = await timed(() => cache().get("courts"));
      expect(read.value).toBeNull();
      expect(read.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 400);

      const write = await timed(() => cache().set("k", 1));
      expect(write.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 400);

      const page = await get("/api/test/court-count");
      expect(page.value.status).toBe(200);
      expect(page.ms).toBeLessThan(2 * COMMAND_TIMEOUT_MS + 1000);

      const health = await get("/api/system/health");
      expect(health.value.status).toBe(200);

      const err = await timed(() => rejection(t.deps.sessions.get(s.id)));
      expect(err.value).toBeInstanceOf(StoreUnavailableError);
      expect(err.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 400);
    } finally {
      server.resume();
    }
    expect(await t.deps.sessions.get(s.id)).not.toBeNull();
  });

  test("a dead Redis: misses at once, pages answer, sessions and rate limits fail closed, reported down once", async () => {
    const errorsBefore = await metricValue(t.deps.metrics, "courtflow_cache_errors_total", {
      namespace: "outage",
    });
    await server.kill();
    const deadline = Date.now() + 5000;
    // Each connection learns of the loss from its own socket: wait for all four, not just the first.
    const allDown = () => Object.values(t.deps.redis!.state()).every((s) => s === "down");
    while (!allDown() && Date.now() < deadline) await Bun.sleep(10);
    expect(t.deps.redis!.state()).toEqual({ main: "down", session: "down", cache: "down", queue: "down" });

    const read = await timed(() => cache().get("courts"));
    expect(read.value).toBeNull();
    expect(read.ms).toBeLessThan(50);
    await cache().set("k", 1);
    expect(await cache().incr("n")).toBe(0);
    expect(await cache().invalidateTags(["any"])).toBe(0);

    const loadsBefore = loads;
    for (let i = 0; i < 5; i++) {
      const page = await get("/api/test/court-count");
      expect(page.value.status).toBe(200);
      expect(((await page.value.json()) as { count: number }).count).toBeGreaterThanOrEqual(0);
      expect(page.ms).toBeLessThan(1000);
    }
    expect(loads).toBe(loadsBefore + 5); // every request went to PostgreSQL
    expect((await get("/api/system/health")).value.status).toBe(200);

    expect(await rejection(t.deps.sessions.create(1, session, 600))).toBeInstanceOf(StoreUnavailableError);
    expect(await rejection(t.deps.sessions.get("A".repeat(43)))).toBeInstanceOf(StoreUnavailableError);
    // Even an id that could never exist gets no answer but "unavailable" while Redis is down.
    expect(await rejection(t.deps.sessions.get("some-session"))).toBeInstanceOf(StoreUnavailableError);
    expect(await rejection(t.deps.rateLimiter.hit("login:ip:10.0.0.1", 5, 60))).toBeInstanceOf(
      StoreUnavailableError,
    );

    await Bun.sleep(1000); // several reconnect attempts fail meanwhile
    for (const client of ["main", "session", "cache", "queue"]) {
      expect(downLines(client)).toBe(1);
      expect(await metricValue(t.deps.metrics, "courtflow_redis_up", { client })).toBe(0);
    }
    expect(
      await metricValue(t.deps.metrics, "courtflow_cache_errors_total", { namespace: "outage" }),
    ).toBeGreaterThan(errorsBefore);
  });

  test("Redis back on the same port: the clients reconnect and caching resumes without a restart", async () => {
    await server.start();
    await waitUntilUp(t.deps, 15_000);
    for (const client of ["main", "session", "cache", "queue"]) {
      expect(await metricValue(t.deps.metrics, "courtflow_redis_up", { client })).toBe(1);
    }
    expect(t.logs.json().filter((l) => l.msg === "redis up")).toHaveLength(8); // start + recovery

    const loadsBefore = loads;
    expect((await get("/api/test/court-count")).value.status).toBe(200);
    await Bun.sleep(20);
    expect((await get("/api/test/court-count")).value.status).toBe(200);
    expect(loads).toBe(loadsBefore + 1);

    const s = await t.deps.sessions.create(1, session, 600);
    expect((await t.deps.sessions.get(s.id))?.userId).toBe(1);
    expect((await t.deps.rateLimiter.hit("login:ip:10.0.0.1", 5, 60)).allowed).toBe(true);
  }, 30_000);
});
