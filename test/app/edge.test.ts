import { afterAll, beforeAll, expect, test } from "bun:test";
import { SECURITY_HEADERS } from "../../src/lib/http-edge";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePg } from "../helpers/guards";
import { metricValue } from "../helpers/metrics";

// The per-request work every answer pays (request id, security headers, CORS, request log line,
// metrics), done once and cheaply: these tests pin both what a client sees and what it costs.

const ORIGIN = "https://dashboard.example";

function expectSecurityHeaders(res: Response): void {
  for (const [name, value] of SECURITY_HEADERS) expect(res.headers.get(name)).toBe(value);
}

describePg("response headers: request id, security headers and CORS", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redis: "memory", env: { ALLOWED_ORIGINS: ORIGIN } });
    // Handlers that build their own Response (as CSV downloads and bull-board do), under /api and outside.
    t.app.get("/api/test/raw", () => new Response("a,b\n", { headers: { "content-type": "text/csv" } }));
    t.app.get("/outside/raw", () => new Response("raw"));
    t.app.get("/api/test/vary", () => new Response("x", { headers: { Vary: "Accept" } }));
  });
  afterAll(async () => {
    await t.close();
  });

  test("a JSON answer carries the request id, every security header and Vary: Origin", async () => {
    const res = await t.app.request("/api/system/health");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expectSecurityHeaders(res);
    expect(res.headers.get("vary")).toBe("Origin");
  });

  test("without an Origin header (not a CORS request) no Access-Control-* header is sent", async () => {
    const res = await t.app.request("/api/system/health");
    for (const [name] of res.headers) expect(name.startsWith("access-control-")).toBe(false);
  });

  test("an allowed origin gets the CORS headers; another origin gets no Allow-Origin nor Allow-Credentials", async () => {
    const ok = await t.app.request("/api/system/health", { headers: { Origin: ORIGIN } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    expect(ok.headers.get("access-control-expose-headers")).toBe("X-Request-Id,ETag,Location,Retry-After");
    expect(ok.headers.get("vary")).toBe("Origin");
    const other = await t.app.request("/api/system/health", { headers: { Origin: "https://evil.example" } });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("access-control-allow-credentials")).toBeNull();
    expect(other.headers.get("vary")).toBe("Origin");
  });

  test("a preflight from a refused origin gets no Allow-Origin nor Allow-Credentials", async () => {
    const res = await t.app.request("/api/cases/1", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    const ok = await t.app.request("/api/cases/1", {
      method: "OPTIONS",
      headers: { Origin: ORIGIN, "Access-Control-Request-Method": "GET" },
    });
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
  });

  test("a preflight is answered 204 with methods, headers and max age, and is logged and counted", async () => {
    const res = await t.app.request("/api/cases/1", {
      method: "OPTIONS",
      headers: {
        Origin: ORIGIN,
        "Access-Control-Request-Method": "GET",
        "X-Request-Id": "edge-preflight-1",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(res.headers.get("access-control-allow-methods")).toContain("GET");
    expect(res.headers.get("access-control-allow-headers")).toBe(
      "Authorization,Content-Type,If-None-Match,X-Request-Id",
    );
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("vary")).toBe("Origin, Access-Control-Request-Headers");
    expect(res.headers.get("x-request-id")).toBe("edge-preflight-1");
    expect(t.logs.json().some((l) => l.reqId === "edge-preflight-1" && l.res)).toBe(true);
    const counted = await metricValue(t.deps.metrics, "courtflow_http_requests_total", {
      method: "OPTIONS",
      status: "204",
    });
    expect(counted).toBeGreaterThanOrEqual(1);
  });

  test("error answers (401, 404) carry the request id and the security headers", async () => {
    for (const path of ["/api/cases/1", "/api/no/such/route"]) {
      const res = await t.app.request(path, { headers: { "X-Request-Id": "edge-err-1" } });
      expect(res.status === 401 || res.status === 404).toBe(true);
      expect(res.headers.get("x-request-id")).toBe("edge-err-1");
      expectSecurityHeaders(res);
    }
  });

  test("a Response built by the handler itself gets the same headers, under /api and outside", async () => {
    const api = await t.app.request("/api/test/raw", {
      headers: { Origin: ORIGIN, "X-Request-Id": "edge-raw-1" },
    });
    expect(await api.text()).toBe("a,b\n");
    expect(api.headers.get("content-type")).toBe("text/csv");
    expect(api.headers.get("x-request-id")).toBe("edge-raw-1");
    expect(api.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expectSecurityHeaders(api);
    const outside = await t.app.request("/outside/raw", { headers: { "X-Request-Id": "edge-raw-2" } });
    expect(outside.headers.get("x-request-id")).toBe("edge-raw-2");
    expectSecurityHeaders(outside);
    expect(outside.headers.get("vary")).toBeNull();
    // A handler's own Vary is kept, Origin added to it.
    const vary = await t.app.request("/api/test/vary");
    expect(vary.headers.get("vary")).toBe("Accept, Origin");
  });

  test("an unsafe or oversized caller request id is replaced by a generated one", async () => {
    for (const bad of ["a b", "x;y", "{}", "a".repeat(129)]) {
      const res = await t.app.request("/api/system/health", { headers: { "X-Request-Id": bad } });
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describePg("logging of the middleware chain", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redis: "memory", env: { ALLOWED_ORIGINS: ORIGIN } });
  });
  afterAll(async () => {
    await t.close();
  });

  // How many Response objects an answer costs is measured by `bun run bench:micro` (section edge).

  test("one log line per request, carrying its id; with the level at warn only 4xx and 5xx lines are written", async () => {
    const logger = t.deps.logger;
    await t.app.request("/api/system/health", { headers: { "X-Request-Id": "edge-cost-1" } });
    expect(t.logs.json().filter((l) => l.reqId === "edge-cost-1")).toHaveLength(1);
    const level = logger.level;
    logger.level = "warn";
    try {
      await t.app.request("/api/system/health", { headers: { "X-Request-Id": "edge-cost-2" } });
      await t.app.request("/api/no/such", { headers: { "X-Request-Id": "edge-cost-3" } });
    } finally {
      logger.level = level;
    }
    expect(t.logs.json().filter((l) => l.reqId === "edge-cost-2")).toHaveLength(0);
    expect(t.logs.json().find((l) => l.reqId === "edge-cost-3")).toMatchObject({
      level: "warn",
      route: "unmatched",
      res: { status: 404 },
    });
  });
});

describePg("CORS in development without ALLOWED_ORIGINS: any local dashboard", () => {
  const LOCAL = [
    "http://localhost:5173",
    "http://localhost:3000",
    "http://127.0.0.1:9002",
    "http://localhost",
  ];
  const FOREIGN = [
    "https://localhost:5173",
    "http://localhost.evil.example",
    "http://localhost:5173.evil.example",
    "http://192.168.1.5:5173",
    "null",
  ];

  test("http://localhost:* and http://127.0.0.1:* get Allow-Origin, preflights included; others do not", async () => {
    const t = await createTestApp({ redis: "memory", env: { NODE_ENV: "development" } });
    try {
      for (const origin of LOCAL) {
        const res = await t.app.request("/api/system/health", { headers: { Origin: origin } });
        expect({ origin, allowed: res.headers.get("access-control-allow-origin") }).toEqual({
          origin,
          allowed: origin,
        });
        const pre = await t.app.request("/api/courts", {
          method: "OPTIONS",
          headers: { Origin: origin, "Access-Control-Request-Method": "GET" },
        });
        expect(pre.headers.get("access-control-allow-origin")).toBe(origin);
      }
      for (const origin of FOREIGN) {
        const res = await t.app.request("/api/system/health", { headers: { Origin: origin } });
        expect({ origin, allowed: res.headers.get("access-control-allow-origin") }).toEqual({
          origin,
          allowed: null,
        });
      }
    } finally {
      await t.close();
    }
  });

  test("production keeps the explicit list: a local origin not on it is refused", async () => {
    for (const env of [
      { NODE_ENV: "production" } as Record<string, string>,
      { NODE_ENV: "production", ALLOWED_ORIGINS: ORIGIN },
      { NODE_ENV: "development", ALLOWED_ORIGINS: ORIGIN },
    ]) {
      const t = await createTestApp({ redis: "memory", env });
      try {
        const res = await t.app.request("/api/system/health", {
          headers: { Origin: "http://localhost:5173" },
        });
        expect({ env, allowed: res.headers.get("access-control-allow-origin") }).toEqual({
          env,
          allowed: null,
        });
      } finally {
        await t.close();
      }
    }
  });
});
