import { afterAll, beforeAll, expect, test } from "bun:test";
import { Queue } from "bullmq";
import { NO_REDIS_REASON } from "../../src/modules/system/checks/redis";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { TEST_REDIS_URL } from "../helpers/services";
import { redisConnected } from "./wait";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies and log lines are asserted field by field.
type Json = Record<string, any>;

describePgRedis("system endpoints: health, probes, detailed report, version", () => {
  let t: TestApp;
  let queue: Queue;

  beforeAll(async () => {
    t = await createTestApp();
    t.app.get("/api/test/ok", (c) => c.json({ ok: true }));
    await redisConnected(t.deps);
    // A real BullMQ queue with two waiting jobs, registered the way the imports code will.
    const u = new URL(TEST_REDIS_URL);
    queue = new Queue("obs-health", {
      connection: { host: u.hostname, port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0) },
      prefix: "{cftest}",
    });
    await queue.obliterate({ force: true });
    await queue.add("a", { n: 1 });
    await queue.add("b", { n: 2 });
    const { jobMetricsFor } = await import("../../src/jobs/metrics");
    jobMetricsFor(t.deps.metrics).registerQueues([queue]);
  });
  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    await t.close();
  });

  test("GET /health answers 200 ok with uptime and version, never cached", async () => {
    const res = await t.app.request("/api/system/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Json;
    expect(body).toEqual({ status: "ok", uptimeSeconds: expect.any(Number), version: "0.1.0" });
  });

  test("GET /health/live and /health/ready answer 200 once started", async () => {
    const live = await t.app.request("/api/system/health/live");
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok", uptimeSeconds: expect.any(Number) });
    const ready = await t.app.request("/api/system/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  test("GET /health/detailed reports every check with status, latency and details", async () => {
    for (let i = 0; i < 5; i++) await t.app.request("/api/test/ok");
    const started = performance.now();
    const res = await t.app.request("/api/system/health/detailed");
    expect(performance.now() - started).toBeLessThan(2500);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(["ok", "degraded"]).toContain(body.status);
    expect(body.version).toMatchObject({ name: "courtflow", version: "0.1.0", bunVersion: Bun.version });
    expect(Object.keys(body.checks).sort()).toEqual(
      [
        "database",
        "disk",
        "eventLoop",
        "memory",
        "queues",
        "redis.cache",
        "redis.main",
        "redis.queue",
        "redis.session",
        "responseTimes",
      ].sort(),
    );
    for (const c of Object.values(body.checks) as Json[]) {
      expect(["ok", "warn", "down"]).toContain(c.status);
      expect(typeof c.latencyMs).toBe("number");
    }
    const { database, queues, disk, memory, eventLoop, responseTimes } = body.checks;
    expect(database.status).toBe("ok");
    expect(database.critical).toBe(true);
    expect(database.details.pool).toEqual({
      max: 5,
      busy: expect.any(Number),
      idle: expect.any(Number),
      waiting: 0,
    });
    expect(database.details.migrations).toMatchObject({ upToDate: true, pending: [] });
    for (const role of ["main", "session", "cache", "queue"]) {
      const r = body.checks[`redis.${role}`];
      expect(r.status === "ok" || r.status === "warn").toBe(true);
      expect(r.details).toMatchObject({
        pingMs: expect.any(Number),
        usedMemoryBytes: expect.any(Number),
        maxmemoryPolicy: expect.any(String),
      });
    }
    expect(queues.details.queues["obs-health"]).toEqual({ waiting: 2, active: 0, delayed: 0, failed: 0 });
    // Services mode: no embedded database directory; the backups' directory and file system.
    expect(disk.details.data).toBeNull();
    expect(disk.details.backups).toMatchObject({
      usedBytes: expect.any(Number),
      freeBytes: expect.any(Number),
      totalBytes: expect.any(Number),
    });
    expect(memory.details.process.residentBytes).toBeGreaterThan(0);
    expect(memory.details.process.jsHeapUsedBytes).toBeLessThanOrEqual(
      memory.details.process.jsHeapCapacityBytes,
    );
    expect(memory.details.system.totalBytes).toBeGreaterThan(0);
    expect(eventLoop.details).toMatchObject({ p99Ms: expect.any(Number), maxMs: expect.any(Number) });
    // Only the five API requests count: health and metrics requests are left out of the window.
    expect(responseTimes.details).toMatchObject({
      count: 5,
      p50Ms: expect.any(Number),
      p99Ms: expect.any(Number),
    });
  });

  test("deep checks run at most once per cache period, however many ask", async () => {
    const [a, b] = await Promise.all([
      Promise.resolve(t.app.request("/api/system/health/detailed")).then((r) => r.json() as Promise<Json>),
      Promise.resolve(t.app.request("/api/system/health/detailed")).then((r) => r.json() as Promise<Json>),
    ]);
    expect(a.checkedAt).toBe(b.checkedAt);
  });

  test("ready is 503 during start-up; health, ready and detailed are 503 while draining; live stays 200", async () => {
    const { lifecycle } = t.deps;
    try {
      lifecycle.ready = false;
      const starting = await t.app.request("/api/system/health/ready");
      expect(starting.status).toBe(503);
      expect(await starting.json()).toEqual({ status: "not_ready", reason: "starting" });

      lifecycle.draining = true;
      const ready = await t.app.request("/api/system/health/ready");
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as Json).reason).toBe("draining");
      const health = await t.app.request("/api/system/health");
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: "down", reasons: ["draining"] });
      const detailed = await t.app.request("/api/system/health/detailed");
      expect(detailed.status).toBe(503);
      expect(((await detailed.json()) as Json).status).toBe("down");
      expect((await t.app.request("/api/system/health/live")).status).toBe(200);
    } finally {
      lifecycle.ready = true;
      lifecycle.draining = false;
    }
  });

  test("GET /version names the build", async () => {
    const res = await t.app.request("/api/system/version");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body).toEqual({
      name: "courtflow",
      version: "0.1.0",
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      buildTime: null,
      environment: "test",
      startedAt: t.deps.lifecycle.startedAt.toISOString(),
    });
  });

  test("GIT_SHA and BUILD_TIME from the image win over git", async () => {
    const other = await createTestApp({
      env: { GIT_SHA: "0123456789abcdef", BUILD_TIME: "2026-01-02T03:04:05Z" },
      redis: "memory",
    });
    try {
      const body = (await (await other.app.request("/api/system/version")).json()) as Json;
      expect(body.commit).toBe("0123456789abcdef");
      expect(body.buildTime).toBe("2026-01-02T03:04:05Z");
    } finally {
      await other.close();
    }
  });

  test("embedded mode (no REDIS_URL) is degraded, still 200, with the reason", async () => {
    const embedded = await createTestApp({ redis: "memory" });
    try {
      const res = await embedded.app.request("/api/system/health");
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "degraded", reasons: [NO_REDIS_REASON] });
      const detailed = (await (await embedded.app.request("/api/system/health/detailed")).json()) as Json;
      expect(detailed.status).toBe("degraded");
      expect(detailed.checks.redis).toMatchObject({ status: "warn", message: NO_REDIS_REASON });
    } finally {
      await embedded.close();
    }
  });
});
