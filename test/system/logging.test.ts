import { afterAll, beforeAll, expect, test } from "bun:test";
import type { AppEnv } from "../../src/app-env";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePg } from "../helpers/guards";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies and log lines are asserted field by field.
type Line = Record<string, any>;

describePg("request logs", () => {
  let t: TestApp;
  const linesFor = (requestId: string): Line[] => t.logs.json().filter((l) => l.reqId === requestId);

  beforeAll(async () => {
    t = await createTestApp({ redis: "memory" });
    t.app.get("/api/test/items/:id", (c) => c.json({ id: c.req.param("id") }));
    t.app.get("/api/test/slow", async (c) => {
      await Bun.sleep(1100);
      return c.json({ slow: true });
    });
    t.app.get("/api/test/bug", () => {
      throw new Error("kaboom: internal detail");
    });
    // The worst case: a handler that logs the whole body and every header it received.
    t.app.post("/api/test/login", async (c) => {
      const body = await c.req.json();
      (c.var as AppEnv["Variables"]).logger.info({ body, headers: c.req.header() }, "login attempt");
      throw new Error("login failed");
    });
  });
  afterAll(async () => {
    await t.close();
  });

  test("one JSON line per request: method, route template, status, duration, request id, user id", async () => {
    await t.app.request("/api/test/items/42", { headers: { "X-Request-Id": "obs-log-1" } });
    const lines = linesFor("obs-log-1");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      req: { method: "GET", url: "/api/test/items/42" },
      route: "/api/test/items/:id",
      res: { status: 200 },
      responseTime: expect.any(Number),
      reqId: "obs-log-1",
      userId: null,
    });
  });

  test("unknown paths log the constant route and warn", async () => {
    await t.app.request("/no/such/thing", { headers: { "X-Request-Id": "obs-log-2" } });
    expect(linesFor("obs-log-2")[0]).toMatchObject({
      level: "warn",
      route: "unmatched",
      res: { status: 404 },
    });
  });

  test("a request slower than 1 s is logged as a warning", async () => {
    await t.app.request("/api/test/slow", { headers: { "X-Request-Id": "obs-log-3" } });
    const [line] = linesFor("obs-log-3");
    expect(line).toMatchObject({
      level: "warn",
      res: { status: 200 },
      msg: expect.stringContaining("slow request"),
    });
    expect(line!.responseTime).toBeGreaterThanOrEqual(1000);
  });

  test("an error is logged with its stack and the request id, and the client sees neither", async () => {
    const res = await t.app.request("/api/test/bug", { headers: { "X-Request-Id": "obs-log-4" } });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("kaboom");
    const failure = linesFor("obs-log-4").find((l) => l.msg === "request failed");
    expect(failure).toMatchObject({ level: "error", reqId: "obs-log-4" });
    expect(failure!.err.stack).toContain("kaboom: internal detail");
    expect(linesFor("obs-log-4").some((l) => l.level === "error" && l.res?.status === 500)).toBe(true);
  });

  test("passwords, tokens, Authorization headers and cookies never reach the log", async () => {
    const secrets = {
      password: "Sup3r-Secret-Passw0rd!",
      nestedPassword: "N3sted-Secret-Passw0rd",
      bearer: "eyJhbGciOiJIUzI1NiJ9.secret-access-token.sig",
      refresh: "refresh-token-secret-value-123",
      cookie: "session-cookie-secret-456",
    };
    const request = (path: string) =>
      t.app.request(path, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${secrets.bearer}`,
          cookie: `cf_session=${secrets.cookie}`,
          "X-Request-Id": `obs-secret-${path.length}`,
        },
        body: JSON.stringify({
          email: "judge@example.org",
          password: secrets.password,
          refreshToken: secrets.refresh,
          profile: { password: secrets.nestedPassword },
        }),
      });
    await request("/api/test/login");
    // The real login endpoint too (404 until the auth routes are mounted; either way nothing leaks).
    await request("/api/auth/login");
    const text = t.logs.text;
    expect(text).toContain("login attempt");
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
    const attempt = t.logs.json().find((l) => l.msg === "login attempt") as Line;
    expect(attempt.body.password).toBe("[redacted]");
    expect(attempt.body.profile.password).toBe("[redacted]");
    expect(attempt.headers.authorization).toBe("[redacted]");
    expect(attempt.headers.cookie).toBe("[redacted]");
    expect(attempt.body.email).toBe("judge@example.org");
  });
});
