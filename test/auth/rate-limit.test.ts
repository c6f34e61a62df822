import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTokenSigner } from "../../src/auth/tokens";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeCourt, makeUser, TEST_PASSWORD } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, login } from "../helpers/http";
import { freePort } from "../helpers/process";

describePgRedis("rate limits", () => {
  let t: TestApp;
  beforeAll(async () => {
    // A short window so the test can watch it reset, long enough for six argon2 checks on a busy machine.
    t = await createTestApp({
      env: { TRUST_PROXY: "true", RATE_LIMIT_WINDOW_S: "12", API_RATE_LIMIT_PER_MIN: "3" },
    });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
    const court = await makeCourt(t.deps.db.db, { code: "RL" });
    await makeUser(t.deps.db.db, { email: "who@x.org", role: "viewer", courtId: court.id });
    await makeUser(t.deps.db.db, { email: "api@x.org", role: "analyst" });
  });
  afterAll(async () => {
    await t.close();
  });

  const attempt = (email: string, ip: string) =>
    call(t, "POST", "/api/auth/login", {
      body: { email, password: "wrong-password-x" },
      headers: { "x-forwarded-for": ip },
    });

  test("the 6th login attempt per email within the window is 429 with Retry-After, then the window resets", async () => {
    const email = `who@x.org`;
    for (let i = 0; i < 5; i++) expect((await attempt(email, `10.3.0.${i}`)).status).toBe(401);
    const limited = await attempt(email, "10.3.0.99");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The right password does not get through either while limited.
    const right = await call(t, "POST", "/api/auth/login", {
      body: { email, password: TEST_PASSWORD },
      headers: { "x-forwarded-for": "10.3.1.1" },
    });
    expect(right.status).toBe(429);
    // Once Retry-After has passed, the window has reset and attempts are judged again.
    await Bun.sleep(Number(limited.headers.get("retry-after")) * 1000 + 200);
    expect((await attempt(email, "10.3.2.1")).status).toBe(401);
  }, 60_000);

  test("the 6th attempt from one IP is 429 whatever the email", async () => {
    for (let i = 0; i < 5; i++) expect((await attempt(`u${i}@x.org`, "10.4.0.1")).status).toBe(401);
    expect((await attempt("u9@x.org", "10.4.0.1")).status).toBe(429);
  }, 60_000);

  test("per-user API limit from config", async () => {
    const s = await login(t, "api@x.org");
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describePgRedis("fail closed when the session store is unreachable", () => {
  test("login and authenticated routes answer 503 AUTH_UNAVAILABLE, never 200", async () => {
    const t = await createTestApp({
      env: {
        REDIS_URL: `redis://127.0.0.1:${freePort()}`,
        REDIS_CONNECT_TIMEOUT_MS: "200",
        REDIS_COMMAND_TIMEOUT_MS: "200",
      },
    });
    try {
      await resetDb(t.deps.db.db);
      await makeUser(t.deps.db.db, { email: "x@x.org", role: "admin" });
      const res = await call(t, "POST", "/api/auth/login", {
        body: { email: "x@x.org", password: TEST_PASSWORD },
      });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("AUTH_UNAVAILABLE");
      // A correctly signed token cannot be checked against its session → 503, not 200.
      const { token } = await createTokenSigner(t.deps.config.jwtSecret).sign({
        userId: 1,
        sessionId: "some-session",
        role: "admin",
        type: "access",
        ttlSeconds: 60,
      });
      const me = await call(t, "GET", "/api/auth/me", { token });
      expect(me.status).toBe(503);
      expect(me.body.error.code).toBe("AUTH_UNAVAILABLE");
    } finally {
      await t.close();
    }
  });
});
