import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeAssignment, makeCases, makeJudge } from "../helpers/case-data";
import { resetDb, resetRedis } from "../helpers/db";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

const CHECK = "users_scoped_role_court_ck";
const CHECK_SQL = `role NOT IN ('court_admin', 'viewer') OR court_id IS NOT NULL OR NOT active`;

/** Scoped roles (court_admin, viewer) need a court; one without (a legacy row) sees and manages nothing. */
describePgRedis("scoped roles require a court", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof makeCourtTree>>;
  let admin: string;
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp({
      env: { TRUST_PROXY: "true", API_RATE_LIMIT_PER_MIN: "100000", LOGIN_RATE_LIMIT_PER_MIN: "1000" },
    });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
    tree = await makeCourtTree(t.deps.db.db);
    await makeUser(t.deps.db.db, { email: "admin@x.org", role: "admin" });
    admin = (await login(t, "admin@x.org")).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (extra: Record<string, unknown>) =>
    call(t, "POST", "/api/users", {
      token: admin,
      body: { email: `s${++n}@x.org`, name: "S", password: "a-long-enough-password", ...extra },
    });

  test("create: court_admin or viewer without a court (missing or null) is 400 naming body.courtId; an unknown court too", async () => {
    for (const body of [
      { role: "court_admin" },
      { role: "viewer" },
      { role: "viewer", courtId: null },
      { role: "court_admin", courtId: 999_999 },
    ]) {
      const res = await create(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.details[0].path).toBe("body.courtId");
    }
    expect((await create({ role: "analyst" })).status).toBe(201);
    expect((await create({ role: "admin" })).status).toBe(201);
  });

  test("patch: leaving a scoped role without a court is 400 naming body.courtId; giving one with the role works", async () => {
    const viewer = (await create({ role: "viewer", courtId: tree.d1.id })).body;
    const analyst = (await create({ role: "analyst" })).body;
    const patch = (id: number, body: unknown) => call(t, "PATCH", `/api/users/${id}`, { token: admin, body });
    for (const [id, body] of [
      [viewer.id, { courtId: null }],
      [analyst.id, { role: "viewer" }],
      [analyst.id, { role: "court_admin", courtId: null }],
    ] as const) {
      const res = await patch(id, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.details[0].path).toBe("body.courtId");
    }
    const ok = await patch(analyst.id, { role: "viewer", courtId: tree.d2.id });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ role: "viewer", courtId: tree.d2.id });
  });

  test("the database refuses an active scoped user without a court (an inactive one may stay, for legacy rows)", async () => {
    const insert = (role: string, active: boolean) =>
      t.deps.db.db.execute(
        sql`insert into users (email, name, password_hash, role, active) values (${`db${++n}@x.org`}, 'D', 'x', ${role}, ${active})`,
      );
    for (const role of ["viewer", "court_admin"]) {
      const err = await insert(role, true).then(
        () => null,
        (e) => e,
      );
      expect(String(err?.cause?.constraint_name ?? err?.constraint_name)).toBe(CHECK);
    }
    await insert("viewer", false);
    await insert("analyst", true);
  });

  test("fail closed: a scoped user with no court (a row from before the rule) sees nothing and manages nobody", async () => {
    const db = t.deps.db.db;
    const judge = await makeJudge(db, { code: "J-1", courtId: tree.d1.id });
    await makeAssignment(db, { judgeId: judge.id, courtId: tree.d2.id, startsOn: "2020-01-01" });
    await makeCases(db, [
      { courtId: tree.d1.id, caseNumber: "L-1", caseType: "felony", filedOn: "2025-01-02" },
    ]);
    const victim = await makeUser(db, { email: `v${++n}@x.org`, role: "viewer", courtId: tree.d1.id });
    // Written directly, as old code or a hand-made row would have: the constraint has to step aside.
    await db.execute(sql.raw(`alter table users drop constraint ${CHECK}`));
    try {
      await db.execute(sql`
        insert into users (email, name, password_hash, role, court_id, active)
        select e, 'Legacy', password_hash, r::user_role, null, true from users, (values
          ('legacy-ca@x.org', 'court_admin'), ('legacy-viewer@x.org', 'viewer')) as l(e, r)
        where users.email = 'admin@x.org'`);
      const ca = (await login(t, "legacy-ca@x.org")).accessToken;
      const viewer = (await login(t, "legacy-viewer@x.org")).accessToken;
      for (const token of [ca, viewer]) {
        for (const path of ["/api/cases", "/api/courts", "/api/judges", "/api/courts/tree"]) {
          const res = await call(t, "GET", path, { token });
          expect({ path, status: res.status, n: res.body.data.length }).toEqual({ path, status: 200, n: 0 });
        }
        for (const path of [`/api/courts/${tree.d1.id}`, `/api/judges/${judge.id}`]) {
          expect({ path, status: (await call(t, "GET", path, { token })).status }).toEqual({
            path,
            status: 404,
          });
        }
      }
      const users = await call(t, "GET", "/api/users?limit=200", { token: ca });
      expect(users.body.data).toEqual([]);
      const patch = await call(t, "PATCH", `/api/users/${victim.id}`, { token: ca, body: { active: false } });
      await expectError(patch, 404, "NOT_FOUND");
      const created = await call(t, "POST", "/api/users", {
        token: ca,
        body: { email: `x${++n}@x.org`, name: "X", password: "a-long-enough-password", role: "viewer" },
      });
      expect(created.status).toBe(400);
      expect(created.body.error.details[0].path).toBe("body.courtId");
      const court = await call(t, "POST", "/api/courts", {
        token: ca,
        body: { code: "LEG-1", name: "Legacy court", level: "limited", parentId: tree.d1.id },
      });
      await expectError(court, 400, "VALIDATION_FAILED", "body.parentId");
    } finally {
      await db.execute(sql`delete from users where court_id is null and role in ('court_admin', 'viewer')`);
      await db.execute(sql.raw(`alter table users add constraint ${CHECK} check (${CHECK_SQL})`));
    }
  });
});
