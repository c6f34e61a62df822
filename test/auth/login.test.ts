import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { DUMMY_HASH, hashPassword, verifyAgainstDummy } from "../../src/auth/passwords";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeCourtTree, makeUser, TEST_PASSWORD } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

describePgRedis("login, refresh rotation, logout and sessions", () => {
  let t: TestApp;
  let userId: number;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: "true", LOGIN_RATE_LIMIT_PER_MIN: "1000" } });
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
    const { d1 } = await makeCourtTree(t.deps.db.db);
    userId = (await makeUser(t.deps.db.db, { email: "Clerk@Example.org", role: "viewer", courtId: d1.id }))
      .id;
    await makeUser(t.deps.db.db, { email: "gone@example.org", role: "analyst", active: false });
  });

  test("login returns a bearer token pair and the user; the email is case-insensitive", async () => {
    const res = await call(t, "POST", "/api/auth/login", {
      body: { email: "clerk@example.ORG", password: TEST_PASSWORD },
      headers: { "x-forwarded-for": "10.1.0.1" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tokenType: "Bearer",
      expiresIn: 3600,
      user: { id: userId, role: "viewer" },
    });
    expect(res.body.accessToken.split(".")).toHaveLength(3);
    expect(res.body.refreshToken).not.toBe(res.body.accessToken);
    expect(JSON.stringify(res.body)).not.toContain("passwordHash");
  });

  // That the three take about the same time (one argon2id verification each) is not timed here (a
  // loaded machine made the ratio flake); the next test checks the unknown-email path does that work.
  test("unknown email, wrong password and inactive user all get the same 401", async () => {
    const attempt = (email: string, password: string, ip: string) =>
      call(t, "POST", "/api/auth/login", { body: { email, password }, headers: { "x-forwarded-for": ip } });
    const unknown = await attempt("nobody@example.org", TEST_PASSWORD, "10.1.1.1");
    const wrong = await attempt("clerk@example.org", "wrong-password-123", "10.1.1.2");
    const inactive = await attempt("gone@example.org", TEST_PASSWORD, "10.1.1.3");
    for (const r of [unknown, wrong, inactive]) {
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe("INVALID_CREDENTIALS");
      expect(r.body.error.message).toBe(wrong.body.error.message);
    }
  });

  test("the unknown-email path verifies against a hash made like a real one (same argon2id parameters)", async () => {
    const params = (hash: string) => hash.split("$").slice(1, 4).join("$");
    expect(params(DUMMY_HASH)).toBe(params(await hashPassword("any-password-at-all")));
    expect(await verifyAgainstDummy(TEST_PASSWORD)).toBe(false);
  });

  test("missing or malformed fields are named", async () => {
    const res = await call(t, "POST", "/api/auth/login", { body: { email: "not-an-email" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain("body.email");
    expect(paths).toContain("body.password");
  });

  test("me answers for a valid access token", async () => {
    const tokens = await login(t, "clerk@example.org");
    const me = await call(t, "GET", "/api/auth/me", { token: tokens.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: userId, email: "Clerk@Example.org", role: "viewer", active: true });
    expect(me.body.lastLoginAt).not.toBeNull();
  });

  test("refresh rotates: a new pair each time and the old refresh token is dead", async () => {
    const first = await login(t, "clerk@example.org");
    const second = await call(t, "POST", "/api/auth/refresh", { body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect((await call(t, "GET", "/api/auth/me", { token: second.body.accessToken })).status).toBe(200);

    const third = await call(t, "POST", "/api/auth/refresh", {
      body: { refreshToken: second.body.refreshToken },
    });
    expect(third.status).toBe(200);
  });

  test("reusing a refresh token revokes the whole session", async () => {
    const first = await login(t, "clerk@example.org");
    const rotated = await call(t, "POST", "/api/auth/refresh", {
      body: { refreshToken: first.refreshToken },
    });
    expect(rotated.status).toBe(200);
    // An attacker replays the stolen first refresh token:
    const replay = await call(t, "POST", "/api/auth/refresh", { body: { refreshToken: first.refreshToken } });
    expect(replay.status).toBe(401);
    // …and the legitimate holder's tokens are dead too, because the session is gone.
    expect((await call(t, "GET", "/api/auth/me", { token: rotated.body.accessToken })).status).toBe(401);
    expect(
      (await call(t, "POST", "/api/auth/refresh", { body: { refreshToken: rotated.body.refreshToken } }))
        .status,
    ).toBe(401);
  });

  test("two refreshes racing with the same token: one rotates, the other is a reuse and revokes the session", async () => {
    const first = await login(t, "clerk@example.org");
    const refresh = () =>
      call(t, "POST", "/api/auth/refresh", { body: { refreshToken: first.refreshToken } });
    const results = await Promise.all([refresh(), refresh()]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200)!;
    // Never two live token pairs from one refresh token: the winner's pair died with the session.
    expect((await call(t, "GET", "/api/auth/me", { token: winner.body.accessToken })).status).toBe(401);
  });

  test("an access token cannot be used as a refresh token, nor the reverse", async () => {
    const tokens = await login(t, "clerk@example.org");
    expect(
      (await call(t, "POST", "/api/auth/refresh", { body: { refreshToken: tokens.accessToken } })).status,
    ).toBe(401);
    expect((await call(t, "GET", "/api/auth/me", { token: tokens.refreshToken })).status).toBe(401);
  });

  test("logout ends this session at once; other sessions live on", async () => {
    const a = await login(t, "clerk@example.org");
    const b = await login(t, "clerk@example.org");
    expect((await call(t, "POST", "/api/auth/logout", { token: a.accessToken })).status).toBe(200);
    expect((await call(t, "GET", "/api/auth/me", { token: a.accessToken })).status).toBe(401);
    expect(
      (await call(t, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } })).status,
    ).toBe(401);
    expect((await call(t, "GET", "/api/auth/me", { token: b.accessToken })).status).toBe(200);
  });

  test("logout-all ends every session of the user", async () => {
    const a = await login(t, "clerk@example.org");
    const b = await login(t, "clerk@example.org");
    const res = await call(t, "POST", "/api/auth/logout-all", { token: a.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBe(2);
    expect((await call(t, "GET", "/api/auth/me", { token: a.accessToken })).status).toBe(401);
    expect((await call(t, "GET", "/api/auth/me", { token: b.accessToken })).status).toBe(401);
  });

  test("sessions list shows own sessions with ip and user agent; one can be revoked by its handle", async () => {
    const a = await login(t, "clerk@example.org");
    const b = await login(t, "clerk@example.org");
    const list = await call(t, "GET", "/api/auth/sessions", { token: a.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    const current = list.body.data.find((s: { current: boolean }) => s.current);
    const other = list.body.data.find((s: { current: boolean }) => !s.current);
    expect(current.ip).toMatch(/^10\.9\./);
    expect(typeof other.createdAt).toBe("string");
    // The handle is not the session id carried in the token.
    const sid = JSON.parse(atob(a.accessToken.split(".")[1]!)).sid;
    expect(list.body.data.map((s: { id: string }) => s.id)).not.toContain(sid);

    expect((await call(t, "DELETE", `/api/auth/sessions/${other.id}`, { token: a.accessToken })).status).toBe(
      200,
    );
    expect((await call(t, "GET", "/api/auth/me", { token: b.accessToken })).status).toBe(401);
    expect((await call(t, "GET", "/api/auth/me", { token: a.accessToken })).status).toBe(200);
    await expectError(
      await call(t, "DELETE", `/api/auth/sessions/${"0".repeat(24)}`, { token: a.accessToken }),
      404,
      "NOT_FOUND",
    );
  });

  test("password change needs the current password, enforces 12 characters, and revokes the other sessions", async () => {
    const a = await login(t, "clerk@example.org");
    const b = await login(t, "clerk@example.org");
    const short = await call(t, "POST", "/api/auth/password", {
      token: a.accessToken,
      body: { currentPassword: TEST_PASSWORD, newPassword: "short" },
    });
    expect(short.status).toBe(400);
    expect(short.body.error.details[0].path).toBe("body.newPassword");
    const wrong = await call(t, "POST", "/api/auth/password", {
      token: a.accessToken,
      body: { currentPassword: "not-my-password", newPassword: "a-brand-new-password" },
    });
    await expectError(wrong, 400, "VALIDATION_FAILED", "body.currentPassword");

    const ok = await call(t, "POST", "/api/auth/password", {
      token: a.accessToken,
      body: { currentPassword: TEST_PASSWORD, newPassword: "a-brand-new-password" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.revokedSessions).toBe(1);
    expect((await call(t, "GET", "/api/auth/me", { token: a.accessToken })).status).toBe(200);
    expect((await call(t, "GET", "/api/auth/me", { token: b.accessToken })).status).toBe(401);
    await expect(login(t, "clerk@example.org")).rejects.toThrow("401");
    expect((await login(t, "clerk@example.org", "a-brand-new-password")).user.id).toBe(userId);
  });
});
