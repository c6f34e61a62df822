import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { jobMetricsFor } from "../../src/jobs/metrics";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { expectError } from "../helpers/http";
import { IN_CI } from "../helpers/services";
import { type ParsedMetrics, parseMetrics, seriesCount, valuesOf } from "./prom-text";
import { promtoolCheck } from "./promtool";
import { redisConnected } from "./wait";

async function scrape(
  t: TestApp,
  headers: Record<string, string> = {},
): Promise<{ text: string; parsed: ParsedMetrics }> {
  const res = await t.app.request("/api/system/metrics", { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const text = await res.text();
  return { text, parsed: parseMetrics(text) };
}

describePgRedis("GET /api/system/metrics", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ defaultMetrics: true });
    t.app.get("/api/test/cases/:id", (c) => c.json({ id: c.req.param("id") }));
    t.app.get("/api/test/db-error", async () => {
      await t.deps.db.db.execute(sql`select 1/0`);
      return new Response("unreachable");
    });
    await redisConnected(t.deps);
    // Exercise every family once so each has samples.
    await t.app.request("/api/test/cases/1");
    await t.app.request("/api/test/cases/2");
    await t.app.request("/api/test/db-error");
    const cache = t.deps.cache.withNamespace("obs-test");
    await cache.set("k", { v: 1 });
    await cache.get("k");
    await cache.get("missing");
    await t.deps.sessions.create(
      1,
      { role: "viewer", courtId: null, ip: null, userAgent: null, refreshJti: null },
      60,
    );
    jobMetricsFor(t.deps.metrics).registerQueues([
      {
        name: "imports",
        getJobCounts: async () => ({ waiting: 3, active: 1, delayed: 0, failed: 2, completed: 7 }),
      },
    ]);
    jobMetricsFor(t.deps.metrics).observeJob("imports", "completed", 1.5);
  });
  afterAll(async () => {
    await t.close();
  });

  test("every family the dashboard and alerts use is there, with units in the names", async () => {
    const { parsed } = await scrape(t);
    const expected: Record<string, string> = {
      courtflow_process_cpu_user_seconds_total: "counter",
      courtflow_process_resident_memory_bytes: "gauge",
      courtflow_nodejs_eventloop_lag_seconds: "gauge",
      courtflow_http_request_duration_seconds: "histogram",
      courtflow_http_requests_total: "counter",
      courtflow_db_pool_max_connections: "gauge",
      courtflow_db_pool_connections: "gauge",
      courtflow_db_pool_waiting_queries: "gauge",
      courtflow_db_query_duration_seconds: "histogram",
      courtflow_db_errors_total: "counter",
      courtflow_redis_up: "gauge",
      courtflow_redis_command_duration_seconds: "histogram",
      courtflow_cache_hits_total: "counter",
      courtflow_cache_misses_total: "counter",
      courtflow_sessions_active: "gauge",
      courtflow_queue_jobs: "gauge",
      courtflow_job_duration_seconds: "histogram",
      courtflow_health_check_status: "gauge",
      courtflow_health_status: "gauge",
      courtflow_build_info: "gauge",
    };
    for (const [name, type] of Object.entries(expected))
      expect([name, parsed.types.get(name)]).toEqual([name, type]);
    // One registry, one prefix.
    for (const name of parsed.types.keys()) expect(name).toStartWith("courtflow_");
  });

  test("samples carry the labels and values the requests produced", async () => {
    const { parsed } = await scrape(t);
    expect(
      valuesOf(parsed, "courtflow_http_requests_total", {
        method: "GET",
        route: "/api/test/cases/:id",
        status: "200",
      }),
    ).toEqual([2]);
    expect(
      valuesOf(parsed, "courtflow_http_request_duration_seconds_count", { route: "/api/test/cases/:id" }),
    ).toEqual([2]);
    expect(valuesOf(parsed, "courtflow_db_errors_total", { class: "22" })).toEqual([1]);
    expect(valuesOf(parsed, "courtflow_db_pool_max_connections")).toEqual([5]);
    expect(valuesOf(parsed, "courtflow_db_pool_connections", { state: "idle" })).toHaveLength(1);
    expect(
      valuesOf(parsed, "courtflow_db_query_duration_seconds_count", { operation: "select" })[0],
    ).toBeGreaterThan(0);
    for (const client of ["main", "session", "cache", "queue"]) {
      expect(valuesOf(parsed, "courtflow_redis_up", { client })).toEqual([1]);
    }
    expect(valuesOf(parsed, "courtflow_cache_hits_total", { namespace: "obs-test" })).toEqual([1]);
    expect(valuesOf(parsed, "courtflow_cache_misses_total", { namespace: "obs-test" })).toEqual([1]);
    expect(valuesOf(parsed, "courtflow_sessions_active")[0]).toBeGreaterThanOrEqual(1);
    expect(valuesOf(parsed, "courtflow_queue_jobs", { queue: "imports", state: "waiting" })).toEqual([3]);
    expect(valuesOf(parsed, "courtflow_queue_jobs", { queue: "imports", state: "failed" })).toEqual([2]);
    expect(
      valuesOf(parsed, "courtflow_job_duration_seconds_count", { queue: "imports", outcome: "completed" }),
    ).toEqual([1]);
    expect(valuesOf(parsed, "courtflow_health_check_status", { check: "database" })).toEqual([1]);
    expect(valuesOf(parsed, "courtflow_health_check_status", { check: "redis.main" })).toEqual([1]);
    expect(valuesOf(parsed, "courtflow_build_info")).toEqual([1]);
  });

  test("promtool check metrics accepts the output", async () => {
    const { text } = await scrape(t);
    const result = await promtoolCheck(text);
    if (result === null) {
      if (IN_CI) throw new Error("promtool is required in CI (.ci/run installs the prometheus package)");
      return;
    }
    expect(result).toEqual({ code: 0, output: "" });
  });

  test("1 000 requests to random unknown paths add no series", async () => {
    const random = () => Math.random().toString(36).slice(2);
    const methods = ["GET", "POST", "DELETE", "PATCH", "PROPFIND", "BREW"];
    // The first unknown request of each method creates its one constant series; then nothing more.
    for (const method of methods) await t.app.request(`/${random()}`, { method });
    const before = seriesCount((await scrape(t)).parsed, "courtflow_http_");
    for (let i = 0; i < 1000; i++) {
      const path = [
        `/${random()}`,
        `/api/${random()}/${random()}?q=${random()}`,
        `/api/system/health/${random()}`,
      ][i % 3]!;
      const res = await t.app.request(path, { method: methods[i % methods.length] });
      await expectError(res, 404, "NOT_FOUND");
    }
    const { parsed } = await scrape(t);
    expect(seriesCount(parsed, "courtflow_http_")).toBe(before);
    const routes = new Set(
      parsed.samples.filter((s) => s.name === "courtflow_http_requests_total").map((s) => s.labels.route),
    );
    expect(routes).toContain("unmatched");
    const methodsSeen = new Set(
      parsed.samples.filter((s) => s.name === "courtflow_http_requests_total").map((s) => s.labels.method),
    );
    // Invented methods collapse into one value.
    expect([...methodsSeen].sort()).toEqual(["DELETE", "GET", "OTHER", "PATCH", "POST"]);
  }, 30_000);
});

describePgRedis("METRICS_TOKEN", () => {
  const token = "metrics-token-0123456789";
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: token }, redis: "memory" });
  });
  afterAll(async () => {
    await t.close();
  });

  test("metrics and the detailed report need the Bearer token when it is set", async () => {
    for (const path of ["/api/system/metrics", "/api/system/health/detailed"]) {
      const none = await t.app.request(path);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toContain("Bearer");
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
      const wrong = await t.app.request(path, { headers: { authorization: `Bearer ${token}x` } });
      expect(wrong.status).toBe(401);
      const basic = await t.app.request(path, { headers: { authorization: `Basic ${btoa(`x:${token}`)}` } });
      expect(basic.status).toBe(401);
      const right = await t.app.request(path, { headers: { authorization: `Bearer ${token}` } });
      expect(right.status).toBe(200);
    }
  });

  test("the quick health, probes and version stay open for load balancers", async () => {
    for (const path of [
      "/api/system/health",
      "/api/system/health/live",
      "/api/system/health/ready",
      "/api/system/version",
    ]) {
      expect((await t.app.request(path)).status).toBe(200);
    }
  });
});
