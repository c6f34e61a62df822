import { afterAll, beforeAll, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { auditLog } from "../../src/db/schema";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeUser, TEST_PASSWORD } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

const LIMIT = 3;

/** Guessing the current password through POST /api/auth/password is limited and audited like login. */
describePgRedis("password change: guesses are rate-limited and audited", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        TRUST_PROXY: "true",
        LOGIN_RATE_LIMIT_PER_MIN: String(LIMIT),
        RATE_LIMIT_WINDOW_S: "600",
        API_RATE_LIMIT_PER_MIN: "100000",
      },
    });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
    for (const who of ["a", "b", "c", "d"])
      await makeUser(t.deps.db.db, { email: `${who}@x.org`, role: "analyst" });
  });
  afterAll(async () => {
    await t.close();
  });

  const change = (token: string, currentPassword: string, ip: string) =>
    call(t, "POST", "/api/auth/password", {
      token,
      body: { currentPassword, newPassword: "a-brand-new-password" },
      headers: { "x-forwarded-for": ip },
    });

  test("per account: guesses share the login counter; past it 429 with Retry-After, even for the right password and for login", async () => {
    const s = await login(t, "a@x.org"); // the login is the account's first attempt in the window
    for (let i = 0; i < LIMIT - 1; i++) {
      const wrong = await change(s.accessToken, `guess-number-${i}`, `10.30.0.${i}`);
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.details[0].path).toBe("body.currentPassword");
    }
    const limited = await change(s.accessToken, TEST_PASSWORD, "10.30.1.1");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const relogin = await call(t, "POST", "/api/auth/login", {
      body: { email: "a@x.org", password: TEST_PASSWORD },
      headers: { "x-forwarded-for": "10.30.2.1" },
    });
    expect(relogin.status).toBe(429);
    // Nothing changed: the session still works and the password is the old one.
    expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(200);
  });

  test("per IP: one address guessing for several accounts is stopped too", async () => {
    const [b, c, d] = [await login(t, "b@x.org"), await login(t, "c@x.org"), await login(t, "d@x.org")];
    const ip = "10.31.0.1";
    // LIMIT guesses from one address, spread so that no account reaches its own limit.
    for (let i = 0; i < LIMIT - 1; i++)
      await expectError(
        await change(b.accessToken, `guess-${i}`, ip),
        400,
        "VALIDATION_FAILED",
        "body.currentPassword",
      );
    await expectError(
      await change(c.accessToken, "guess-for-c", ip),
      400,
      "VALIDATION_FAILED",
      "body.currentPassword",
    );
    const limited = await change(d.accessToken, "guess-for-d", ip);
    expect(limited.status).toBe(429);
    // d's own account is under its limit: from another address d is judged again.
    await expectError(
      await change(d.accessToken, "guess-for-d", "10.31.0.2"),
      400,
      "VALIDATION_FAILED",
      "body.currentPassword",
    );
  });

  test("each wrong guess leaves an audit row with the user, the address and the request id", async () => {
    const rows = await t.deps.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "auth.password_change_failed"), eq(auditLog.ip, "10.31.0.1")));
    expect(rows).toHaveLength(LIMIT);
    expect(rows[0]).toMatchObject({ entity: "user", changes: { reason: "wrong_password" } });
    expect(rows[0]!.userId).not.toBeNull();
    expect(rows[0]!.requestId).toBeTruthy();
    expect(JSON.stringify(rows)).not.toContain("guess-");
  });
});
