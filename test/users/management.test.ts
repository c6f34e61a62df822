import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { type User, users } from "../../src/db/schema";
import type { UserRole } from "../../src/db/schema/enums";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeCases } from "../helpers/case-data";
import { resetDb, resetRedis } from "../helpers/db";
import { makeCourtTree, makeUser, TEST_PASSWORD } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

// Who may manage whom (src/modules/users/users.policy.ts), as an attacker would probe it: every actor
// role × every kind of target × every field of PATCH, plus GET, the list, DELETE and the reset route.

type Actor = "admin" | "court_admin" | "analyst" | "viewer";
type Target = "admin" | "court_admin" | "analyst" | "viewer" | "self" | "other court_admin" | "other viewer";
type Field = "name" | "email" | "role" | "role→admin" | "courtId" | "courtId→STATE" | "active" | "password";

const ACTORS: Actor[] = ["admin", "court_admin", "analyst", "viewer"];
const TARGETS: Target[] = [
  "admin",
  "court_admin",
  "analyst",
  "viewer",
  "self",
  "other court_admin",
  "other viewer",
];
const FIELDS: Field[] = [
  "name",
  "email",
  "role",
  "role→admin",
  "courtId",
  "courtId→STATE",
  "active",
  "password",
];

// Expected answer per actor and target, one cell per field in FIELDS order. 200 = done; S = 403
// SELF_CHANGE_NOT_ALLOWED, F = 403 FIELD_NOT_ALLOWED, R = 403 ROLE_NOT_ASSIGNABLE, X = 403 FORBIDDEN
// (the role may not use the users routes at all), 404 = the target does not exist for this actor,
// C = 400 naming body.courtId, P = 400 naming body.password (never set through PATCH).
const EVERYTHING = "200 200 200 200 200 200 200 P";
const HIDDEN = "404 404 404 404 404 404 404 P";
const NOTHING = "X X X X X X X X";
const EXPECTED: Record<Actor, Record<Target, string>> = {
  admin: {
    admin: EVERYTHING,
    court_admin: EVERYTHING,
    analyst: EVERYTHING,
    viewer: EVERYTHING,
    // Own role, court and active state: another admin must (no self lock-out); role→admin is no change.
    self: "200 200 S 200 S S S P",
    "other court_admin": EVERYTHING,
    "other viewer": EVERYTHING,
  },
  court_admin: {
    // Admins and analysts do not exist for a court administrator, even with a court in their subtree.
    admin: HIDDEN,
    court_admin: "200 F 200 R 200 C 200 P",
    analyst: HIDDEN,
    viewer: "200 F 200 R 200 C 200 P",
    self: "200 F S S S S S P",
    "other court_admin": HIDDEN,
    "other viewer": HIDDEN,
  },
  analyst: Object.fromEntries(TARGETS.map((k) => [k, NOTHING])) as Record<Target, string>,
  viewer: Object.fromEntries(TARGETS.map((k) => [k, NOTHING])) as Record<Target, string>,
};

const CELL: Record<string, { status: number; code?: string; path?: string }> = {
  "200": { status: 200 },
  "404": { status: 404, code: "NOT_FOUND" },
  S: { status: 403, code: "SELF_CHANGE_NOT_ALLOWED" },
  F: { status: 403, code: "FIELD_NOT_ALLOWED", path: "body.email" },
  R: { status: 403, code: "ROLE_NOT_ASSIGNABLE", path: "body.role" },
  X: { status: 403, code: "FORBIDDEN" },
  C: { status: 400, code: "VALIDATION_FAILED", path: "body.courtId" },
  P: { status: 400, code: "VALIDATION_FAILED", path: "body.password" },
};

describePgRedis("user management: actor × target × field", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof makeCourtTree>>;
  const actors = {} as Record<Actor, { user: User; token: string }>;
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp({
      env: { TRUST_PROXY: "true", API_RATE_LIMIT_PER_MIN: "100000", LOGIN_RATE_LIMIT_PER_MIN: "1000" },
    });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
    const db = t.deps.db.db;
    tree = await makeCourtTree(db);
    const made = {
      admin: await makeUser(db, { email: "admin@x.org", role: "admin" }),
      court_admin: await makeUser(db, { email: "ca@x.org", role: "court_admin", courtId: tree.d1.id }),
      analyst: await makeUser(db, { email: "analyst@x.org", role: "analyst" }),
      viewer: await makeUser(db, { email: "viewer@x.org", role: "viewer", courtId: tree.d1.id }),
    };
    for (const a of ACTORS) actors[a] = { user: made[a], token: (await login(t, made[a].email)).accessToken };
  });
  afterAll(async () => {
    await t.close();
  });

  /** A fresh user of each kind (the admin and analyst have a court inside D1's subtree: the worst case). */
  async function target(kind: Target, actor: Actor): Promise<User> {
    if (kind === "self") return actors[actor].user;
    const spec: Record<Exclude<Target, "self">, { role: UserRole; courtId: number }> = {
      admin: { role: "admin", courtId: tree.d1l.id },
      court_admin: { role: "court_admin", courtId: tree.d1l.id },
      analyst: { role: "analyst", courtId: tree.d1.id },
      viewer: { role: "viewer", courtId: tree.d1l.id },
      "other court_admin": { role: "court_admin", courtId: tree.d2.id },
      "other viewer": { role: "viewer", courtId: tree.d2.id },
    };
    return makeUser(t.deps.db.db, { email: `t${++n}@x.org`, ...spec[kind] });
  }

  function body(field: Field, u: User): Record<string, unknown> {
    const otherRole: Record<UserRole, UserRole> = {
      admin: "analyst",
      analyst: "viewer",
      court_admin: "viewer",
      viewer: "court_admin",
    };
    switch (field) {
      case "name":
        return { name: `Renamed ${++n}` };
      case "email":
        return { email: `changed${++n}@x.org` };
      case "role":
        return { role: otherRole[u.role] };
      case "role→admin":
        return { role: "admin" };
      case "courtId":
        return { courtId: u.courtId === tree.d1.id ? tree.d1l.id : tree.d1.id };
      case "courtId→STATE":
        return { courtId: tree.state.id };
      case "active":
        return { active: false };
      case "password":
        return { password: "a-brand-new-password" };
    }
  }

  const row = async (id: number) => (await t.deps.db.db.select().from(users).where(eq(users.id, id)))[0]!;

  // A refused change leaves its target as it was (asserted), so refusals share one target per row.
  const shared = new Map<string, User>();
  async function targetFor(kind: Target, actor: Actor, changes: boolean): Promise<User> {
    if (changes) return target(kind, actor);
    const key = `${actor}/${kind}`;
    if (!shared.has(key)) shared.set(key, await target(kind, actor));
    return shared.get(key)!;
  }

  for (const actor of ACTORS) {
    for (const kind of TARGETS) {
      const cells = EXPECTED[actor][kind].split(" ");
      FIELDS.forEach((field, i) => {
        const want = CELL[cells[i]!]!;
        test(`PATCH ${field} of ${kind} as ${actor} → ${want.status}${want.code ? ` ${want.code}` : ""}`, async () => {
          const u = await targetFor(kind, actor, want.status === 200);
          const before = await row(u.id);
          const sent = body(field, u);
          const res = await call(t, "PATCH", `/api/users/${u.id}`, {
            token: actors[actor].token,
            body: sent,
          });
          expect(res.status).toBe(want.status);
          const after = await row(u.id);
          if (want.status === 200) {
            const [key, value] = Object.entries(sent)[0]!;
            expect(after[key as keyof User]).toEqual(value as never);
            expect(res.body[key]).toEqual(value);
          } else {
            expect(res.body.error.code).toBe(want.code!);
            if (want.path) expect(res.body.error.details[0].path).toBe(want.path);
            expect(after).toEqual(before);
          }
        });
      });
    }
  }

  const SEES: Record<Actor, Record<Target, number>> = {
    admin: Object.fromEntries(TARGETS.map((k) => [k, 200])) as Record<Target, number>,
    court_admin: {
      admin: 404,
      court_admin: 200,
      analyst: 404,
      viewer: 200,
      self: 200,
      "other court_admin": 404,
      "other viewer": 404,
    },
    analyst: Object.fromEntries(TARGETS.map((k) => [k, 403])) as Record<Target, number>,
    viewer: Object.fromEntries(TARGETS.map((k) => [k, 403])) as Record<Target, number>,
  };

  for (const actor of ACTORS) {
    test(`GET /api/users/:id, the list and DELETE as ${actor}: only visible users exist`, async () => {
      const token = actors[actor].token;
      for (const kind of TARGETS) {
        const u = await row((await target(kind, actor)).id);
        const want = SEES[actor][kind];
        const one = await call(t, "GET", `/api/users/${u.id}`, { token });
        expect({ kind, status: one.status }).toEqual({ kind, status: want });
        if (want === 200) expect(one.body.email).toBe(u.email);
        const list = await call(t, "GET", `/api/users?limit=200&search=${encodeURIComponent(u.email)}`, {
          token,
        });
        if (want === 403) await expectError(list, 403, "FORBIDDEN");
        else expect({ kind, listed: list.body.data.length }).toEqual({ kind, listed: want === 200 ? 1 : 0 });
        if (kind === "self") continue;
        const del = await call(t, "DELETE", `/api/users/${u.id}`, { token });
        expect({ kind, status: del.status }).toEqual({ kind, status: want });
        expect((await row(u.id)).active).toBe(want !== 200);
      }
    });
  }

  test("a court admin's list holds only court_admin and viewer users of their subtree, whatever the filter", async () => {
    const token = actors.court_admin.token;
    const all = await call(t, "GET", "/api/users?limit=200", { token });
    expect(all.status).toBe(200);
    const inScope = new Set([tree.d1.id, tree.d1l.id]);
    for (const u of all.body.data as { role: string; courtId: number }[]) {
      expect(["court_admin", "viewer"]).toContain(u.role);
      expect(inScope.has(u.courtId)).toBe(true);
    }
    for (const q of ["role=admin", "role=analyst", `courtId=${tree.d2.id}`, `courtId=${tree.state.id}`]) {
      const res = await call(t, "GET", `/api/users?limit=200&${q}`, { token });
      expect({ q, n: res.body.data.length }).toEqual({ q, n: 0 });
    }
  });

  for (const actor of ACTORS) {
    test(`POST /api/users/:id/password-reset as ${actor}`, async () => {
      for (const kind of TARGETS) {
        const u = await target(kind, actor);
        const res = await call(t, "POST", `/api/users/${u.id}/password-reset`, {
          token: actors[actor].token,
          body: { newPassword: "a-reset-password-1" },
        });
        const want =
          actor !== "admin"
            ? { status: 403, code: "FORBIDDEN" }
            : kind === "self"
              ? { status: 403, code: "SELF_CHANGE_NOT_ALLOWED" }
              : { status: 200, code: undefined };
        expect({ kind, status: res.status, code: res.body.error?.code }).toEqual({ kind, ...want });
      }
    });
  }

  test("reset: the new password works, the old one does not, every session of the user ends, and it is audited", async () => {
    const u = await target("viewer", "admin");
    const s1 = await login(t, u.email);
    const s2 = await login(t, u.email);
    const res = await call(t, "POST", `/api/users/${u.id}/password-reset`, {
      token: actors.admin.token,
      body: { newPassword: "a-reset-password-2" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revokedSessions: 2 });
    for (const s of [s1, s2])
      expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(401);
    await expect(login(t, u.email)).rejects.toThrow("401");
    expect((await login(t, u.email, "a-reset-password-2")).user.id).toBe(u.id);
    const audit = await call(t, "GET", `/api/audit?action=user.password_reset&entityId=${u.id}`, {
      token: actors.admin.token,
    });
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0].userId).toBe(actors.admin.user.id);
    expect(JSON.stringify(audit.body)).not.toContain("a-reset-password-2");
  });

  test("reset: a short password is a 400 naming body.newPassword; an unknown user is 404", async () => {
    const u = await target("viewer", "admin");
    const short = await call(t, "POST", `/api/users/${u.id}/password-reset`, {
      token: actors.admin.token,
      body: { newPassword: "short" },
    });
    expect(short.status).toBe(400);
    expect(short.body.error.details[0].path).toBe("body.newPassword");
    const missing = await call(t, "POST", "/api/users/999999/password-reset", {
      token: actors.admin.token,
      body: { newPassword: "a-reset-password-3" },
    });
    await expectError(missing, 404, "NOT_FOUND");
  });

  test("the attack of issue 13: a court admin cannot take over an analyst with a court in their subtree", async () => {
    const admin = actors.admin.token;
    const ca = actors.court_admin.token;
    const created = await call(t, "POST", "/api/users", {
      token: admin,
      body: {
        email: "victim@x.org",
        name: "Victim",
        password: TEST_PASSWORD,
        role: "analyst",
        courtId: tree.d1.id,
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await makeCases(t.deps.db.db, [
      { courtId: tree.d2.id, caseNumber: "ATT-1", caseType: "felony", filedOn: "2025-01-02" },
    ]);
    const hijack = await call(t, "PATCH", `/api/users/${id}`, {
      token: ca,
      body: { password: "attacker-chosen-password" },
    });
    await expectError(hijack, 400, "VALIDATION_FAILED", "body.password");
    for (const change of [{ active: false }, { role: "viewer" }, { name: "Pwned" }]) {
      await expectError(
        await call(t, "PATCH", `/api/users/${id}`, { token: ca, body: change }),
        404,
        "NOT_FOUND",
      );
    }
    await expectError(await call(t, "GET", `/api/users/${id}`, { token: ca }), 404, "NOT_FOUND");
    await expectError(await call(t, "DELETE", `/api/users/${id}`, { token: ca }), 404, "NOT_FOUND");
    await expect(login(t, "victim@x.org", "attacker-chosen-password")).rejects.toThrow("401");
    // The analyst is untouched: same password, same role, still reads the whole state.
    const victim = await login(t, "victim@x.org");
    expect(victim.user.role).toBe("analyst");
    const cases = await call(t, "GET", "/api/cases?limit=10", { token: victim.accessToken });
    expect(cases.body.data.map((c: { caseNumber: string }) => c.caseNumber)).toContain("ATT-1");
  });

  test("POST /api/users: a court admin gives only court_admin and viewer, in their subtree (own court by default)", async () => {
    const token = actors.court_admin.token;
    const make = (extra: Record<string, unknown>) =>
      call(t, "POST", "/api/users", {
        token,
        body: { email: `c${++n}@x.org`, name: "C", password: "a-long-enough-password", ...extra },
      });
    for (const role of ["admin", "analyst"]) {
      const res = await make({ role, courtId: tree.d1.id });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("ROLE_NOT_ASSIGNABLE");
      expect(res.body.error.details[0].path).toBe("body.role");
    }
    for (const courtId of [tree.d2.id, tree.state.id, 999_999]) {
      const res = await make({ role: "viewer", courtId });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe("body.courtId");
    }
    const own = await make({ role: "viewer" });
    expect(own.status).toBe(201);
    expect(own.body.courtId).toBe(tree.d1.id);
    const below = await make({ role: "court_admin", courtId: tree.d1l.id });
    expect(below.status).toBe(201);
  });

  test("an admin may change a user's email; a taken one (any case) is 409 naming email", async () => {
    const u = await target("viewer", "admin");
    const res = await call(t, "PATCH", `/api/users/${u.id}`, {
      token: actors.admin.token,
      body: { email: "VIEWER@x.org" },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual([
      { path: "body.email", message: "already exists", constraint: expect.any(String) },
    ]);
  });

  test("role and court changes end the target's sessions; a rename does not", async () => {
    const u = await target("viewer", "court_admin");
    const s = await login(t, u.email);
    const token = actors.court_admin.token;
    expect(
      (await call(t, "PATCH", `/api/users/${u.id}`, { token, body: { name: "Still here" } })).status,
    ).toBe(200);
    expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(200);
    expect(
      (await call(t, "PATCH", `/api/users/${u.id}`, { token, body: { courtId: tree.d1.id } })).status,
    ).toBe(200);
    expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(401);
    const again = await login(t, u.email);
    expect(again.user.courtId).toBe(tree.d1.id);
  });
});
