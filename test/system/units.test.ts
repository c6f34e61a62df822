import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { Hono } from "hono";
import { Registry } from "prom-client";
import { jobMetricsFor } from "../../src/jobs/metrics";
import { parseInfo } from "../../src/modules/system/checks/redis";
import { cachedRunner, overallStatus, runCheck } from "../../src/modules/system/health.runner";
import { methodLabel, routeTemplate, UNMATCHED_ROUTE } from "../../src/modules/system/http-labels";
import { bearerToken, metricsAuthorized, tokenMatches } from "../../src/modules/system/metrics-auth";
import { ResponseTimeWindow } from "../../src/modules/system/response-times";
import { metricValue } from "../helpers/metrics";

/** Histogram values carry the series name (`_sum`, `_count`…) at run time; the types omit it. */
const nameOf = (v: object) => (v as { metricName?: string }).metricName;

describe("response-time window", () => {
  test("percentiles over the samples inside the window only", () => {
    const w = new ResponseTimeWindow(1000, 60_000);
    const now = 1_000_000;
    w.record(99_999, now - 120_000); // outside the window
    for (let i = 1; i <= 100; i++) w.record(i, now);
    expect(w.summary(now)).toEqual({
      windowSeconds: 60,
      count: 100,
      p50Ms: 50,
      p95Ms: 95,
      p99Ms: 99,
      maxMs: 100,
    });
  });

  test("keeps the last `capacity` samples and is empty-safe", () => {
    const w = new ResponseTimeWindow(10, 60_000);
    expect(w.summary().p50Ms).toBeNull();
    for (let i = 1; i <= 25; i++) w.record(i);
    const s = w.summary();
    expect(s.count).toBe(10);
    expect(s.maxMs).toBe(25);
  });
});

describe("HTTP labels", () => {
  const app = new Hono();
  let seen: { route: string; method: string } | null = null;
  app.use(async (c, next) => {
    await next();
    seen = { route: routeTemplate(c), method: methodLabel(c) };
  });
  app.use("/api/*", async (c, next) => (c.req.header("x-deny") ? c.json({}, 401) : next()));
  app.get("/api/cases/:id", (c) => c.json({}));

  test("the route template, never the raw path; middleware answers still name the endpoint", async () => {
    await app.request("/api/cases/123");
    expect(seen).toEqual({ route: "/api/cases/:id", method: "GET" });
    await app.request("/api/cases/9", { headers: { "x-deny": "1" } });
    expect(seen!.route).toBe("/api/cases/:id");
  });

  test("unmatched paths and invented methods collapse to constants", async () => {
    await app.request("/api/whatever/else");
    expect(seen!.route).toBe(UNMATCHED_ROUTE);
    // (Bun turns methods it does not know, e.g. BREW, into GET; PROPFIND is real but not ours.)
    await app.request("/api/cases/1", { method: "PROPFIND" });
    expect(seen).toEqual({ route: UNMATCHED_ROUTE, method: "OTHER" });
  });
});

describe("metrics token", () => {
  test("Bearer parsing and constant-time comparison", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer   abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(tokenMatches("same-token", "same-token")).toBe(true);
    expect(tokenMatches("same-token", "same-tokeN")).toBe(false);
    expect(tokenMatches("short", "a-much-longer-token")).toBe(false);
  });

  test("open without a token, closed without the right one", () => {
    expect(metricsAuthorized(undefined, undefined)).toBe(true);
    expect(metricsAuthorized("t0ken-t0ken-t0ken", undefined)).toBe(false);
    expect(metricsAuthorized("t0ken-t0ken-t0ken", "Bearer t0ken-t0ken-t0ken")).toBe(true);
  });
});

describe("health runner", () => {
  test("a throw or a timeout is a down result, never an exception", async () => {
    const thrown = await runCheck({ name: "x", run: () => Promise.reject(new Error("nope")) });
    expect(thrown).toMatchObject({ name: "x", status: "down", message: "nope", critical: false });
    const slow = await runCheck({ name: "y", timeoutMs: 50, run: () => new Promise(() => {}) });
    expect(slow).toMatchObject({ status: "down", message: "y did not answer within 50 ms" });
  });

  test("the timeout aborts the check's signal", async () => {
    let aborted = false;
    await runCheck({
      name: "z",
      timeoutMs: 30,
      run: (signal) =>
        new Promise(() => {
          signal.addEventListener("abort", () => {
            aborted = true;
          });
        }),
    });
    expect(aborted).toBe(true);
  });

  test("overall status: critical down → down; anything else not ok → degraded", () => {
    const r = (status: "ok" | "warn" | "down", critical = false) => ({
      name: "c",
      status,
      critical,
      latencyMs: 1,
    });
    expect(overallStatus([r("ok", true), r("ok")])).toBe("ok");
    expect(overallStatus([r("ok", true), r("warn")])).toBe("degraded");
    expect(overallStatus([r("ok", true), r("down")])).toBe("degraded");
    expect(overallStatus([r("down", true), r("ok")])).toBe("down");
  });

  test("cachedRunner shares one run between concurrent callers and reuses it within the TTL", async () => {
    let runs = 0;
    const c = cachedRunner(async () => {
      runs++;
      await Bun.sleep(20);
      return runs;
    }, 10_000);
    expect(await Promise.all([c.get(), c.get(), c.get()])).toEqual([1, 1, 1]);
    expect(await c.get()).toBe(1);
    expect(runs).toBe(1);
  });

  test("cachedRunner keeps a result only as long as its own TTL (a down report is rechecked soon)", async () => {
    let status = "down";
    let runs = 0;
    const c = cachedRunner(
      async () => {
        runs++;
        return { status };
      },
      (r) => (r.status === "ok" ? 10_000 : 30),
    );
    expect(await c.get()).toEqual({ status: "down" });
    status = "ok";
    expect(await c.get()).toEqual({ status: "down" });
    await Bun.sleep(40);
    expect(await c.get()).toEqual({ status: "ok" });
    status = "down";
    await Bun.sleep(40);
    expect(await c.get()).toEqual({ status: "ok" });
    expect(runs).toBe(2);
  });
});

describe("Redis INFO parsing", () => {
  test("reads the memory fields", () => {
    const info = parseInfo("# Memory\r\nused_memory:1024\r\nmaxmemory:0\r\nmaxmemory_policy:allkeys-lru\r\n");
    expect(info).toMatchObject({ used_memory: "1024", maxmemory: "0", maxmemory_policy: "allkeys-lru" });
  });
});

describe("job metrics", () => {
  test("one instance per registry; BullMQ worker events become job durations", async () => {
    const registry = new Registry();
    const jobs = jobMetricsFor(registry);
    expect(jobMetricsFor(registry)).toBe(jobs);
    const worker = new EventEmitter();
    jobs.watchWorker(worker as never, "imports");
    worker.emit("completed", { processedOn: 1_000, finishedOn: 3_500 });
    worker.emit("failed", { processedOn: 1_000, finishedOn: 1_250 }, new Error("bad file"));
    worker.emit("failed", undefined, new Error("stalled"));
    const { values } = await registry.getSingleMetric("courtflow_job_duration_seconds")!.get();
    const sum = (outcome: string) =>
      values.find((v) => nameOf(v) === "courtflow_job_duration_seconds_sum" && v.labels.outcome === outcome)
        ?.value;
    expect(sum("completed")).toBe(2.5);
    expect(sum("failed")).toBe(0.25);
    jobs.recordImportRows("accepted", 120);
    expect(await metricValue(registry, "courtflow_import_rows_total", { outcome: "accepted" })).toBe(120);
  });

  test("a queue that cannot answer drops its depth series instead of repeating stale numbers", async () => {
    const registry = new Registry();
    let up = true;
    jobMetricsFor(registry, { countTimeoutMs: 50 }).registerQueues([
      {
        name: "q",
        getJobCounts: () => (up ? Promise.resolve({ waiting: 4 }) : new Promise(() => {})),
      },
    ]);
    expect(await metricValue(registry, "courtflow_queue_jobs", { queue: "q", state: "waiting" })).toBe(4);
    up = false;
    const { values } = await registry.getSingleMetric("courtflow_queue_jobs")!.get();
    expect(values.filter((v) => v.labels.queue === "q")).toEqual([]);
  });
});
