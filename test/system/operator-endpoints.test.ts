// Metrics and the detailed health report in production: behind METRICS_TOKEN on the API, optionally on
// their own listener (METRICS_PORT); the open probes say only what a load balancer needs; HOST picks
// the bind address. The worker's side is in worker-http.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunningServer } from "../../src/server";
import { startServer } from "../../src/server";
import { createWorkerHttpApp, startWorkerHttp } from "../../workers/http";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis, testConfig } from "../helpers/db";
import { makeCourt, makeUser } from "../helpers/factories";
import { describePg, describePgRedis } from "../helpers/guards";
import { bearer, login } from "../helpers/http";
import { listeningAddresses } from "../helpers/process";
import { TEST_DATABASE_URL } from "../helpers/services";

const TOKEN = "prod-metrics-token-0123456789";
const PROD = { NODE_ENV: "production", METRICS_TOKEN: TOKEN };
const OPERATOR = ["/api/system/metrics", "/api/system/health/detailed"];
const PROBES = ["/api/system/health", "/api/system/health/live", "/api/system/health/ready"];
const auth = { authorization: `Bearer ${TOKEN}` };

/** What would tell an attacker about the deployment: hosts, database, pool, Redis memory, runtime. */
function internals(): string[] {
  const db = new URL(TEST_DATABASE_URL);
  return [
    db.hostname,
    db.pathname.slice(1),
    "pool",
    "usedMemory",
    "maxmemory",
    "noeviction",
    "failed",
    "migrations",
    Bun.version,
  ];
}

describePgRedis("production: metrics and the detailed report need METRICS_TOKEN on the API", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: PROD });
  });
  afterAll(async () => {
    await t.close();
  });

  test("401 without the token (or with a wrong one), 200 with it", async () => {
    for (const path of OPERATOR) {
      const none = await t.app.request(path);
      expect([path, none.status]).toEqual([path, 401]);
      // The detailed report also takes an admin's access token, so its challenge is the API's.
      expect(none.headers.get("www-authenticate")).toStartWith("Bearer realm=");
      const body = await none.text();
      for (const secret of internals()) expect([path, body.includes(secret)]).toEqual([path, false]);
      const wrong = await t.app.request(path, { headers: { authorization: `Bearer ${TOKEN}-` } });
      expect([path, wrong.status]).toEqual([path, 401]);
      const right = await t.app.request(path, { headers: auth });
      expect([path, right.status]).toEqual([path, 200]);
    }
  });

  test("the detailed report also admits a signed-in admin (the dashboard's operators page); metrics do not", async () => {
    await resetDb(t.deps.db.db);
    // Earlier files' logins share this Redis db and, without TRUST_PROXY, one client address: start
    // from empty rate-limit counters so two logins here cannot be the sixth in a minute.
    await resetRedis(t.deps.redis);
    const court = await makeCourt(t.deps.db.db, { code: "OPS", name: "Ops", level: "trial" });
    await makeUser(t.deps.db.db, { email: "ops-admin@x.org", role: "admin" });
    await makeUser(t.deps.db.db, { email: "ops-viewer@x.org", role: "viewer", courtId: court.id });
    const admin = (await login(t, "ops-admin@x.org")).accessToken;
    const viewer = (await login(t, "ops-viewer@x.org")).accessToken;
    const asAdmin = await t.app.request("/api/system/health/detailed", { headers: bearer(admin) });
    expect(asAdmin.status).toBe(200);
    expect(((await asAdmin.json()) as { checks: object }).checks).toBeObject();
    const asViewer = await t.app.request("/api/system/health/detailed", { headers: bearer(viewer) });
    expect(asViewer.status).toBe(403);
    expect(((await asViewer.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    const metrics = await t.app.request("/api/system/metrics", { headers: bearer(admin) });
    expect(metrics.status).toBe(401);
  });

  test("the open probes answer 200 with status and uptime only: no host, database, pool or Redis facts", async () => {
    const bodies: Record<string, unknown> = {};
    for (const path of PROBES) {
      const res = await t.app.request(path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers.get("cache-control")).toBe("no-store");
      bodies[path] = await res.json();
    }
    expect(bodies).toEqual({
      "/api/system/health": { status: "ok", uptimeSeconds: expect.any(Number), version: "0.1.0" },
      "/api/system/health/live": { status: "ok", uptimeSeconds: expect.any(Number) },
      "/api/system/health/ready": { status: "ready" },
    });
    const version = (await (await t.app.request("/api/system/version")).json()) as Record<string, unknown>;
    expect(Object.keys(version).sort()).toEqual(
      ["buildTime", "commit", "environment", "name", "startedAt", "version"].sort(),
    );
    const text = JSON.stringify({ bodies, version });
    for (const secret of internals()) expect([secret, text.includes(secret)]).toEqual([secret, false]);
  });
});

describePg("METRICS_PORT: metrics and the detailed report on the operators' listener only", () => {
  let t: TestApp;
  let running: RunningServer;
  let api: string;
  let ops: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...PROD, METRICS_PORT: "0", HOST: "127.0.0.1" }, redis: "memory" });
    running = startServer(t.app, { ...t.deps, close: async () => {} }, { port: 0 });
    api = `http://127.0.0.1:${running.port}`;
    ops = `http://127.0.0.1:${running.metricsPort}`;
  });
  afterAll(async () => {
    await running?.shutdown("test");
    await t.close();
  });

  test("the public port answers 404 for metrics and the detailed report, even with the token", async () => {
    expect(running.metricsPort).toBeGreaterThan(0);
    expect(running.metricsPort).not.toBe(running.port);
    for (const path of OPERATOR) {
      const res = await fetch(`${api}${path}`, { headers: auth });
      expect([path, res.status]).toEqual([path, 404]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    }
    for (const path of PROBES) expect([path, (await fetch(`${api}${path}`)).status]).toEqual([path, 200]);
  });

  test("the operators' port serves them (token still required) and the probes, and nothing else", async () => {
    for (const path of OPERATOR) {
      expect([path, (await fetch(`${ops}${path}`)).status]).toEqual([path, 401]);
      expect([path, (await fetch(`${ops}${path}`, { headers: auth })).status]).toEqual([path, 200]);
    }
    const metrics = await (await fetch(`${ops}/api/system/metrics`, { headers: auth })).text();
    expect(metrics).toContain("courtflow_http_requests_total");
    for (const path of PROBES) expect([path, (await fetch(`${ops}${path}`)).status]).toEqual([path, 200]);
    for (const path of ["/api/cases", "/api/auth/login", "/api/docs", "/admin/queues", "/api/openapi.json"]) {
      const res = await fetch(`${ops}${path}`, { headers: auth });
      expect([path, res.status]).toEqual([path, 404]);
    }
  });

  test("both listeners bind HOST (127.0.0.1), as the kernel reports", () => {
    expect(listeningAddresses(running.port)).toEqual(["127.0.0.1"]);
    expect(listeningAddresses(running.metricsPort!)).toEqual(["127.0.0.1"]);
  });
});

describePg("HOST chooses the bind address of the API and of the worker's HTTP server", () => {
  for (const host of ["127.0.0.1", "0.0.0.0"]) {
    test(`HOST=${host}`, async () => {
      const t = await createTestApp({ env: { HOST: host }, redis: "memory" });
      const running = startServer(t.app, { ...t.deps, close: async () => {} }, { port: 0 });
      const config = testConfig({ HOST: host });
      const worker = startWorkerHttp(
        {
          config,
          logger: t.deps.logger,
          db: t.deps.db,
          metrics: t.deps.metrics,
          lifecycle: t.deps.lifecycle,
        },
        0,
      );
      try {
        expect(listeningAddresses(running.port)).toEqual([host]);
        expect(listeningAddresses(worker.port)).toEqual([host]);
        expect((await fetch(`http://127.0.0.1:${running.port}/api/system/health/live`)).status).toBe(200);
        expect((await fetch(`http://127.0.0.1:${worker.port}/health`)).status).toBe(200);
      } finally {
        await worker.stop();
        await running.shutdown("test");
        await t.close();
      }
    });
  }
});

describe("worker HTTP app in production", () => {
  test("metrics and the detailed report: 401 without the token, 200 with it; /health stays open", async () => {
    const t = await createTestApp({ env: PROD, redis: "memory" });
    try {
      const { app } = createWorkerHttpApp({
        config: t.deps.config,
        logger: t.deps.logger,
        db: t.deps.db,
        metrics: t.deps.metrics,
        lifecycle: t.deps.lifecycle,
      });
      for (const path of ["/metrics", "/health/detailed"]) {
        expect([path, (await app.request(path)).status]).toEqual([path, 401]);
        expect([path, (await app.request(path, { headers: auth })).status]).toEqual([path, 200]);
      }
      const health = await app.request("/health");
      expect(health.status).toBe(200);
      const text = await health.text();
      for (const secret of internals()) expect([secret, text.includes(secret)]).toEqual([secret, false]);
    } finally {
      await t.close();
    }
  });
});
