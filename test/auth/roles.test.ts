import { afterAll, beforeAll, expect, test } from "bun:test";
import type { UserRole } from "../../src/db/schema/enums";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeAssignment, makeCases, makeJudge } from "../helpers/case-data";
import { resetDb, resetRedis } from "../helpers/db";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

type Expect = Record<UserRole | "anonymous", number>;
const EVERYONE: Expect = { admin: 200, court_admin: 200, analyst: 200, viewer: 200, anonymous: 401 };

describePgRedis("role matrix over every protected route", () => {
  let t: TestApp;
  const tokens = {} as Record<UserRole, string>;
  let ids: { d1: number; d2: number; d1Viewer: number; d2Viewer: number };
  // Data-route targets, all inside D1 (the court admin's and the viewer's subtree).
  let data: { d1l: number; judge: number; assignment: number; case: number };
  let counter = 0;

  beforeAll(async () => {
    t = await createTestApp({
      env: { TRUST_PROXY: "true", API_RATE_LIMIT_PER_MIN: "100000", LOGIN_RATE_LIMIT_PER_MIN: "1000" },
    });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
    const db = t.deps.db.db;
    const tree = await makeCourtTree(db);
    await makeUser(db, { email: "admin@x.org", role: "admin" });
    await makeUser(db, { email: "ca@x.org", role: "court_admin", courtId: tree.d1.id });
    await makeUser(db, { email: "analyst@x.org", role: "analyst" });
    await makeUser(db, { email: "viewer@x.org", role: "viewer", courtId: tree.d1.id });
    const d1Viewer = await makeUser(db, { email: "v1@x.org", role: "viewer", courtId: tree.d1l.id });
    const d2Viewer = await makeUser(db, { email: "v2@x.org", role: "viewer", courtId: tree.d2.id });
    ids = { d1: tree.d1.id, d2: tree.d2.id, d1Viewer: d1Viewer.id, d2Viewer: d2Viewer.id };
    const judge = await makeJudge(db, { code: "J-D1", courtId: tree.d1.id });
    const assignment = await makeAssignment(db, {
      judgeId: judge.id,
      courtId: tree.d1l.id,
      startsOn: "2024-01-01",
    });
    const [caseId] = await makeCases(db, [
      {
        courtId: tree.d1.id,
        caseNumber: "R-1",
        caseType: "felony",
        filedOn: "2025-01-02",
        judgeId: judge.id,
      },
    ]);
    data = { d1l: tree.d1l.id, judge: judge.id, assignment: assignment.id, case: caseId! };
    for (const role of ["admin", "court_admin", "analyst", "viewer"] as const) {
      tokens[role] = (await login(t, `${role === "court_admin" ? "ca" : role}@x.org`)).accessToken;
    }
  });
  afterAll(async () => {
    await t.close();
  });

  // Each row: a route, how to call it, and the status each role gets. Writes target users inside the
  // court admin's subtree (D1), so their 403s come from the role, not the scope.
  const matrix: {
    route: string;
    method: string;
    path: () => string;
    body?: () => unknown;
    expect: Expect;
  }[] = [
    {
      route: "GET /api/auth/me",
      method: "GET",
      path: () => "/api/auth/me",
      expect: { admin: 200, court_admin: 200, analyst: 200, viewer: 200, anonymous: 401 },
    },
    {
      route: "GET /api/auth/sessions",
      method: "GET",
      path: () => "/api/auth/sessions",
      expect: { admin: 200, court_admin: 200, analyst: 200, viewer: 200, anonymous: 401 },
    },
    {
      route: "GET /api/users",
      method: "GET",
      path: () => "/api/users",
      expect: { admin: 200, court_admin: 200, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /api/users/:id",
      method: "GET",
      path: () => `/api/users/${ids.d1Viewer}`,
      expect: { admin: 200, court_admin: 200, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "POST /api/users",
      method: "POST",
      path: () => "/api/users",
      body: () => ({
        email: `new${++counter}@x.org`,
        name: "New",
        password: "a-long-enough-password",
        role: "viewer",
        courtId: ids.d1,
      }),
      expect: { admin: 201, court_admin: 201, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "PATCH /api/users/:id",
      method: "PATCH",
      path: () => `/api/users/${ids.d1Viewer}`,
      body: () => ({ name: `Renamed ${++counter}` }),
      expect: { admin: 200, court_admin: 200, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /api/audit",
      method: "GET",
      path: () => "/api/audit",
      expect: { admin: 200, court_admin: 403, analyst: 403, viewer: 403, anonymous: 401 },
    },
    // Imports: uploaders only. The JSON body is not multipart (415 past the role check); the batch
    // does not exist (404 past the role check), so the statuses show the gates, not the data.
    {
      route: "POST /api/imports",
      method: "POST",
      path: () => "/api/imports",
      body: () => ({}),
      expect: { admin: 415, court_admin: 415, analyst: 415, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /api/imports",
      method: "GET",
      path: () => "/api/imports",
      expect: { admin: 200, court_admin: 200, analyst: 200, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /api/imports/:id",
      method: "GET",
      path: () => "/api/imports/999999",
      expect: { admin: 404, court_admin: 404, analyst: 404, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /api/imports/:id/errors",
      method: "GET",
      path: () => "/api/imports/999999/errors",
      expect: { admin: 404, court_admin: 404, analyst: 404, viewer: 403, anonymous: 401 },
    },
    {
      route: "POST /api/imports/:id/retry",
      method: "POST",
      path: () => "/api/imports/999999/retry",
      expect: { admin: 404, court_admin: 404, analyst: 404, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /api/system/queues",
      method: "GET",
      path: () => "/api/system/queues",
      expect: { admin: 200, court_admin: 403, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "POST /api/system/queues/board-session",
      method: "POST",
      path: () => "/api/system/queues/board-session",
      expect: { admin: 200, court_admin: 403, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /admin/queues",
      method: "GET",
      path: () => "/admin/queues",
      expect: { admin: 200, court_admin: 403, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /api/courts",
      method: "GET",
      path: () => "/api/courts",
      expect: EVERYONE,
    },
    {
      route: "GET /api/courts/tree",
      method: "GET",
      path: () => "/api/courts/tree",
      expect: EVERYONE,
    },
    {
      route: "GET /api/courts/:id",
      method: "GET",
      path: () => `/api/courts/${ids.d1}`,
      expect: EVERYONE,
    },
    {
      route: "POST /api/courts",
      method: "POST",
      path: () => "/api/courts",
      body: () => ({ code: `RC-${++counter}`, name: "New court", level: "limited", parentId: ids.d1 }),
      expect: { admin: 201, court_admin: 201, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "PATCH /api/courts/:id",
      method: "PATCH",
      path: () => `/api/courts/${data.d1l}`,
      body: () => ({ name: `Renamed ${++counter}` }),
      expect: { admin: 200, court_admin: 200, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /api/judges",
      method: "GET",
      path: () => "/api/judges",
      expect: EVERYONE,
    },
    {
      route: "GET /api/judges/:id",
      method: "GET",
      path: () => `/api/judges/${data.judge}`,
      expect: EVERYONE,
    },
    {
      route: "POST /api/judges",
      method: "POST",
      path: () => "/api/judges",
      body: () => ({ code: `RJ-${++counter}`, name: "New judge", courtId: ids.d1 }),
      expect: { admin: 201, court_admin: 201, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "PATCH /api/judges/:id",
      method: "PATCH",
      path: () => `/api/judges/${data.judge}`,
      body: () => ({ name: `Renamed ${++counter}` }),
      expect: { admin: 200, court_admin: 200, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "POST /api/judges/:id/assignments",
      method: "POST",
      path: () => `/api/judges/${data.judge}/assignments`,
      body: () => ({ courtId: ids.d1, startsOn: "2025-01-01" }),
      expect: { admin: 201, court_admin: 201, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "PATCH /api/judges/:id/assignments/:assignmentId",
      method: "PATCH",
      path: () => `/api/judges/${data.judge}/assignments/${data.assignment}`,
      body: () => ({ endsOn: "2030-01-01" }),
      expect: { admin: 200, court_admin: 200, analyst: 403, viewer: 403, anonymous: 401 },
    },
    {
      route: "GET /api/cases",
      method: "GET",
      path: () => "/api/cases",
      expect: EVERYONE,
    },
    {
      route: "GET /api/cases/:id",
      method: "GET",
      path: () => `/api/cases/${data.case}`,
      expect: EVERYONE,
    },
    {
      route: "GET /api/cases/:id/activities",
      method: "GET",
      path: () => `/api/cases/${data.case}/activities`,
      expect: EVERYONE,
    },
    {
      route: "GET /api/time-standards",
      method: "GET",
      path: () => "/api/time-standards",
      expect: EVERYONE,
    },
    {
      route: "PUT /api/time-standards/:caseType",
      method: "PUT",
      path: () => "/api/time-standards/post_conviction",
      body: () => ({ tiers: [{ percent: 98, days: 180 }] }),
      expect: { admin: 200, court_admin: 403, analyst: 403, viewer: 403, anonymous: 401 },
    },
  ];

  for (const row of matrix) {
    for (const role of ["admin", "court_admin", "analyst", "viewer", "anonymous"] as const) {
      test(`${row.route} as ${role} → ${row.expect[role]}`, async () => {
        const res = await call(t, row.method, row.path(), {
          token: role === "anonymous" ? undefined : tokens[role],
          body: row.body?.(),
        });
        expect(res.status).toBe(row.expect[role]);
      });
    }
  }

  test("DELETE /api/users/:id: analyst and viewer 403, court admin within scope 200, out of scope 404", async () => {
    const db = t.deps.db.db;
    const target = await makeUser(db, { email: `del${++counter}@x.org`, role: "viewer", courtId: ids.d1 });
    await expectError(
      await call(t, "DELETE", `/api/users/${target.id}`, { token: tokens.analyst }),
      403,
      "FORBIDDEN",
    );
    await expectError(
      await call(t, "DELETE", `/api/users/${target.id}`, { token: tokens.viewer }),
      403,
      "FORBIDDEN",
    );
    await expectError(
      await call(t, "DELETE", `/api/users/${ids.d2Viewer}`, { token: tokens.court_admin }),
      404,
      "NOT_FOUND",
    );
    const ok = await call(t, "DELETE", `/api/users/${target.id}`, { token: tokens.court_admin });
    expect(ok.status).toBe(200);
    expect(ok.body.active).toBe(false);
  });

  test("scope: a court admin of D1 sees D1's subtree only; another district's user is 404, not 403", async () => {
    const list = await call(t, "GET", "/api/users?limit=200", { token: tokens.court_admin });
    const emails: string[] = list.body.data.map((u: { email: string }) => u.email);
    expect(emails).toContain("v1@x.org"); // D1-L is under D1
    expect(emails).not.toContain("v2@x.org");
    expect(emails).not.toContain("admin@x.org");
    const other = await call(t, "GET", `/api/users/${ids.d2Viewer}`, { token: tokens.court_admin });
    await expectError(other, 404, "NOT_FOUND");
    await expectError(
      await call(t, "PATCH", `/api/users/${ids.d2Viewer}`, {
        token: tokens.court_admin,
        body: { name: "x" },
      }),
      404,
      "NOT_FOUND",
    );
  });

  test("a court admin cannot create admins or users outside their subtree", async () => {
    const admin = await call(t, "POST", "/api/users", {
      token: tokens.court_admin,
      body: {
        email: "boss@x.org",
        name: "B",
        password: "a-long-enough-password",
        role: "admin",
        courtId: ids.d1,
      },
    });
    await expectError(admin, 403, "ROLE_NOT_ASSIGNABLE");
    const outside = await call(t, "POST", "/api/users", {
      token: tokens.court_admin,
      body: {
        email: "out@x.org",
        name: "O",
        password: "a-long-enough-password",
        role: "viewer",
        courtId: ids.d2,
      },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details[0].path).toBe("body.courtId");
  });

  test("a duplicate email (any case) is a 409 naming the field", async () => {
    const res = await call(t, "POST", "/api/users", {
      token: tokens.admin,
      body: {
        email: "VIEWER@x.org",
        name: "Dup",
        password: "a-long-enough-password",
        role: "viewer",
        courtId: ids.d1,
      },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual([
      { path: "body.email", message: "already exists", constraint: expect.any(String) },
    ]);
  });

  test("non-numeric and non-positive ids are 400 naming the param", async () => {
    for (const bad of ["abc", "0", "-1", "1.5", "99999999999"]) {
      const res = await call(t, "GET", `/api/users/${bad}`, { token: tokens.admin });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe("param.id");
      expect(res.body.error.details[0].message).toStartWith("must be a positive integer");
    }
  });
});
