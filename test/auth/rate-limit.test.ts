import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTokenSigner } from "../../src/auth/tokens";
import { createTestApp, type TestApp } from "../helpers/app";
import { TestClock } from "../helpers/clock";
import { resetDb, resetRedis } from "../helpers/db";
import { makeCourt, makeUser, TEST_PASSWORD } from "../helpers/factories";
import { describePg, describePgRedis } from "../helpers/guards";
import { call, login } from "../helpers/http";
import { freePort } from "../helpers/process";

async function seedUsers(t: TestApp): Promise<void> {
  await resetDb(t.deps.db.db);
  const court = await makeCourt(t.deps.db.db, { code: "RL" });
  await makeUser(t.deps.db.db, { email: "who@x.org", role: "viewer", courtId: court.id });
  await makeUser(t.deps.db.db, { email: "api@x.org", role: "analyst" });
}

const attempt = (t: TestApp, email: string, ip: string, password = "wrong-password-x") =>
  call(t, "POST", "/api/auth/login", { body: { email, password }, headers: { "x-forwarded-for": ip } });

describePgRedis("rate limits", () => {
  let t: TestApp;
  beforeAll(async () => {
    // The default 60 s window: nothing here waits for it to end (the embedded-mode test below moves
    // a clock instead; the Redis limiter's own window end is in test/redis/session.test.ts).
    t = await createTestApp({ env: { TRUST_PROXY: "true", API_RATE_LIMIT_PER_MIN: "3" } });
    await resetRedis(t.deps.redis);
    await seedUsers(t);
  });
  afterAll(async () => {
    await t.close();
  });

  test("the 6th login attempt per email within the window is 429 with Retry-After, even with the right password", async () => {
    const email = `who@x.org`;
    for (let i = 0; i < 5; i++) expect((await attempt(t, email, `10.3.0.${i}`)).status).toBe(401);
    const limited = await attempt(t, email, "10.3.0.99");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // The right password does not get through either while limited.
    const right = await attempt(t, email, "10.3.1.1", TEST_PASSWORD);
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe("RATE_LIMITED");
  }, 60_000);

  test("the 6th attempt from one IP is 429 whatever the email", async () => {
    for (let i = 0; i < 5; i++) expect((await attempt(t, `u${i}@x.org`, "10.4.0.1")).status).toBe(401);
    const limited = await attempt(t, "u9@x.org", "10.4.0.1");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
  }, 60_000);

  test("per-user API limit from config", async () => {
    const s = await login(t, "api@x.org");
    const answers: { status: number; body: { error?: { code: string } } }[] = [];
    for (let i = 0; i < 4; i++) answers.push(await call(t, "GET", "/api/auth/me", { token: s.accessToken }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]!.body.error?.code).toBe("RATE_LIMITED");
  });
});

describePg("rate limits in embedded mode: the window ends", () => {
  let t: TestApp;
  const clock = new TestClock();
  beforeAll(async () => {
    t = await createTestApp({ redis: "memory", now: clock.now, env: { TRUST_PROXY: "true" } });
    await seedUsers(t);
  });
  afterAll(async () => {
    await t.close();
  });

  test("once Retry-After has passed, login attempts are judged again", async () => {
    const email = "who@x.org";
    for (let i = 0; i < 5; i++) expect((await attempt(t, email, `10.5.0.${i}`)).status).toBe(401);
    const limited = await attempt(t, email, "10.5.0.99");
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // A second short of Retry-After the window still holds; at Retry-After it has reset.
    clock.advance((retryAfter - 1) * 1000);
    expect((await attempt(t, email, "10.5.1.1")).status).toBe(429);
    clock.advance(1000);
    expect((await attempt(t, email, "10.5.2.1")).status).toBe(401);
    expect((await attempt(t, email, "10.5.2.2", TEST_PASSWORD)).status).toBe(200);
  }, 60_000);
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
