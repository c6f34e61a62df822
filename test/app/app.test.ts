import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePg } from "../helpers/guards";

describePg("app middleware chain", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: { ALLOWED_ORIGINS: "https://dashboard.example", BODY_LIMIT_BYTES: "2048" },
    });
    t.app.post("/api/test/echo", async (c) => c.json(await c.req.json()));
  });
  afterAll(async () => {
    await t.close();
  });

  test("unknown routes answer a JSON 404 in the error envelope", async () => {
    const res = await t.app.request("/api/no/such/route");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.requestId).toBe(res.headers.get("x-request-id")!);
  });

  test("every response carries a request id, echoing the caller's", async () => {
    const res = await t.app.request("/api/system/health", { headers: { "X-Request-Id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    const generated = await t.app.request("/api/system/health");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("GET /api/system/health answers ok with uptime and version", async () => {
    const res = await t.app.request("/api/system/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.status).toBe("ok");
    expect(typeof body.uptimeSeconds).toBe("number");
    expect(body.version).toBe("0.1.0");
  });

  test("secure headers are set", async () => {
    const res = await t.app.request("/api/system/health");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  test("CORS allows the configured origin only", async () => {
    const ok = await t.app.request("/api/system/health", {
      method: "OPTIONS",
      headers: { Origin: "https://dashboard.example", "Access-Control-Request-Method": "GET" },
    });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://dashboard.example");
    const other = await t.app.request("/api/system/health", { headers: { Origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("a body over the limit is refused with 413 in the envelope", async () => {
    const res = await t.app.request("/api/test/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ blob: "x".repeat(4096) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  test("one JSON log line per request with method, route, status, duration and request id", async () => {
    await t.app.request("/api/system/health", { headers: { "X-Request-Id": "log-line-1" } });
    const line = t.logs.json().find((l) => l.reqId === "log-line-1");
    expect(line).toMatchObject({ route: "/api/system/health", req: { method: "GET" }, res: { status: 200 } });
    expect(typeof line!.responseTime).toBe("number");
  });
});
