import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { sessionKeys } from "../../src/redis/keys";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, login } from "../helpers/http";
import { rawTestRedis } from "../redis/subjects";

const ENV = { TRUST_PROXY: "true", LOGIN_RATE_LIMIT_PER_MIN: "1000", API_RATE_LIMIT_PER_MIN: "100000" };

/**
 * A session is only as good as the account behind it: a row deleted, deactivated or changed directly
 * in the database (out of band) stops its sessions; changes through the API act at once.
 */
describePgRedis("sessions follow the account", () => {
  // `strict` reads the account on every request (AUTH_USER_STATE_TTL_MS=0), so a change written
  // straight into the database shows without waiting; `a` and `b` are two replicas with the default
  // (5 s) over the same database and Redis.
  let strict: TestApp;
  let a: TestApp;
  let b: TestApp;
  let d1: number;
  let n = 0;
  const raw = rawTestRedis();

  beforeAll(async () => {
    strict = await createTestApp({ env: { ...ENV, AUTH_USER_STATE_TTL_MS: "0" } });
    a = await createTestApp({ env: ENV, db: strict.deps.db });
    b = await createTestApp({ env: ENV, db: strict.deps.db });
    await resetDb(strict.deps.db.db);
    await resetRedis(strict.deps.redis);
    d1 = (await makeCourtTree(strict.deps.db.db)).d1.id;
    await makeUser(strict.deps.db.db, { email: "admin@x.org", role: "admin" });
  });
  afterAll(async () => {
    raw.disconnect();
    await b.close();
    await a.close();
    await strict.close();
  });

  const fresh = (role: "viewer" | "analyst" = "viewer") =>
    makeUser(strict.deps.db.db, {
      email: `u${++n}@x.org`,
      role,
      courtId: role === "viewer" ? d1 : null,
    });
  const execute = (q: ReturnType<typeof sql>) => strict.deps.db.db.execute(q);

  test("deleted directly in the database: the next request is 401 and every session of the user is gone", async () => {
    const u = await fresh();
    const s1 = await login(strict, u.email);
    await login(strict, u.email);
    expect((await call(strict, "GET", "/api/cases", { token: s1.accessToken })).status).toBe(200);
    await execute(sql`delete from users where id = ${u.id}`);
    const res = await call(strict, "GET", "/api/cases", { token: s1.accessToken });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("UNAUTHENTICATED");
    expect(await raw.zcard(sessionKeys.user(u.id))).toBe(0);
  });

  test("deactivated directly in the database: data routes, /me and refresh all refuse", async () => {
    const u = await fresh();
    const s = await login(strict, u.email);
    const s2 = await login(strict, u.email);
    await execute(sql`update users set active = false where id = ${u.id}`);
    expect((await call(strict, "GET", "/api/courts", { token: s.accessToken })).status).toBe(401);
    expect((await call(strict, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(401);
    const refreshed = await call(strict, "POST", "/api/auth/refresh", {
      body: { refreshToken: s2.refreshToken },
    });
    expect(refreshed.status).toBe(401);
  });

  test("refresh re-reads the account even where requests trust a remembered one", async () => {
    const u = await fresh();
    const s = await login(a, u.email);
    await execute(sql`update users set active = false where id = ${u.id}`);
    const res = await call(a, "POST", "/api/auth/refresh", { body: { refreshToken: s.refreshToken } });
    expect(res.status).toBe(401);
  });

  test("role or court changed directly in the database: the old session is refused; a new login carries the change", async () => {
    const u = await fresh();
    const s = await login(strict, u.email);
    await execute(sql`update users set role = 'analyst', court_id = null where id = ${u.id}`);
    expect((await call(strict, "GET", "/api/cases", { token: s.accessToken })).status).toBe(401);
    const again = await login(strict, u.email);
    expect(again.user.role).toBe("analyst");
    expect((await call(strict, "GET", "/api/cases", { token: again.accessToken })).status).toBe(200);
  });

  test("with the default window, authenticated requests read nothing from PostgreSQL", async () => {
    const u = await fresh();
    const s = await login(a, u.email);
    let queries = 0;
    const stop = a.deps.db.stats.onQuery(() => queries++);
    try {
      // /api/auth/sessions is served from Redis alone: any query would be the account check's.
      for (let i = 0; i < 20; i++)
        expect((await call(a, "GET", "/api/auth/sessions", { token: s.accessToken })).status).toBe(200);
    } finally {
      stop();
    }
    expect(queries).toBe(0);
  });

  test("deactivation through the API acts at once on every replica, within the window", async () => {
    const u = await fresh();
    const s = await login(a, u.email);
    // Both replicas have just read (and now remember) the account as active.
    expect((await call(a, "GET", "/api/auth/sessions", { token: s.accessToken })).status).toBe(200);
    expect((await call(b, "GET", "/api/auth/sessions", { token: s.accessToken })).status).toBe(200);
    const admin = await login(a, "admin@x.org");
    const off = await call(a, "PATCH", `/api/users/${u.id}`, {
      token: admin.accessToken,
      body: { active: false },
    });
    expect(off.status).toBe(200);
    expect((await call(a, "GET", "/api/auth/sessions", { token: s.accessToken })).status).toBe(401);
    expect((await call(b, "GET", "/api/auth/sessions", { token: s.accessToken })).status).toBe(401);
  });

  test("a role change through the API acts at once: the old session is refused and a new login works on a replica that remembers the old role", async () => {
    const u = await fresh();
    const s = await login(a, u.email);
    expect((await call(b, "GET", "/api/courts", { token: s.accessToken })).body.data).toHaveLength(2); // D1, D1-L
    const admin = await login(a, "admin@x.org");
    const changed = await call(a, "PATCH", `/api/users/${u.id}`, {
      token: admin.accessToken,
      body: { role: "court_admin" },
    });
    expect(changed.status).toBe(200);
    expect((await call(b, "GET", "/api/courts", { token: s.accessToken })).status).toBe(401);
    // b still remembers "viewer"; the new session says "court_admin": b reads the row again and agrees.
    const again = await login(a, u.email);
    const users = await call(b, "GET", "/api/users", { token: again.accessToken });
    expect(users.status).toBe(200);
  });

  test("the queue board's cookie dies with the account too", async () => {
    const admin2 = await makeUser(strict.deps.db.db, { email: `admin${++n}@x.org`, role: "admin" });
    const s = await login(strict, admin2.email);
    const opened = await call(strict, "POST", "/api/system/queues/board-session", { token: s.accessToken });
    expect(opened.status).toBe(200);
    const cookie = opened.headers.get("set-cookie")!.split(";")[0]!;
    expect((await call(strict, "GET", "/admin/queues", { headers: { cookie } })).status).toBe(200);
    await execute(sql`update users set active = false where id = ${admin2.id}`);
    expect((await call(strict, "GET", "/admin/queues", { headers: { cookie } })).status).toBe(401);
  });
});
