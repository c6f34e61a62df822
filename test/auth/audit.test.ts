import { afterAll, beforeAll, expect, test } from "bun:test";
import { desc } from "drizzle-orm";
import { auditLog } from "../../src/db/schema";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeUser, TEST_PASSWORD } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

describePgRedis("audit log and secrets hygiene", () => {
  let t: TestApp;
  let admin: { accessToken: string; refreshToken: string };
  const lastAudit = async () =>
    (await t.deps.db.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1))[0]!;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: "true", LOGIN_RATE_LIMIT_PER_MIN: "1000" } });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
    await makeUser(t.deps.db.db, { email: "root@x.org", role: "admin" });
    admin = await login(t, "root@x.org");
  });
  afterAll(async () => {
    await t.close();
  });

  test("login, failed login and logout each leave a row with user, action and request id", async () => {
    const failed = await call(t, "POST", "/api/auth/login", {
      body: { email: "root@x.org", password: "wrong-password-1" },
      headers: { "x-request-id": "req-failed-login", "x-forwarded-for": "10.7.0.1" },
    });
    expect(failed.status).toBe(401);
    expect(await lastAudit()).toMatchObject({
      action: "auth.login_failed",
      requestId: "req-failed-login",
      ip: "10.7.0.1",
    });

    const s = await login(t, "root@x.org");
    expect(await lastAudit()).toMatchObject({ action: "auth.login", entity: "session" });
    await call(t, "POST", "/api/auth/logout", {
      token: s.accessToken,
      headers: { "x-request-id": "req-logout" },
    });
    const row = await lastAudit();
    expect(row).toMatchObject({ action: "auth.logout", requestId: "req-logout" });
    expect(row.userId).not.toBeNull();
  });

  test("user writes leave rows with the changes, and never the password", async () => {
    const created = await call(t, "POST", "/api/users", {
      token: admin.accessToken,
      body: { email: "new@x.org", name: "New Person", password: "new-user-password-1", role: "analyst" },
      headers: { "x-request-id": "req-create-user" },
    });
    expect(created.status).toBe(201);
    const createdRow = await lastAudit();
    expect(createdRow).toMatchObject({
      action: "user.created",
      entity: "user",
      entityId: String(created.body.id),
    });
    expect(createdRow.changes).toMatchObject({ email: "new@x.org", role: "analyst" });

    await call(t, "PATCH", `/api/users/${created.body.id}`, {
      token: admin.accessToken,
      body: { name: "Renamed" },
    });
    const updated = await lastAudit();
    expect(updated.action).toBe("user.updated");
    expect(updated.changes).toEqual({ name: { from: "New Person", to: "Renamed" } });

    const reset = await call(t, "POST", `/api/users/${created.body.id}/password-reset`, {
      token: admin.accessToken,
      body: { newPassword: "another-password-2" },
      headers: { "x-request-id": "req-reset" },
    });
    expect(reset.status).toBe(200);
    expect(await lastAudit()).toMatchObject({
      action: "user.password_reset",
      entityId: String(created.body.id),
      requestId: "req-reset",
    });

    await call(t, "DELETE", `/api/users/${created.body.id}`, { token: admin.accessToken });
    expect((await lastAudit()).changes).toMatchObject({ active: { from: true, to: false } });

    const all = JSON.stringify(await t.deps.db.db.select().from(auditLog));
    for (const secret of ["new-user-password-1", "another-password-2", TEST_PASSWORD, "$argon2"]) {
      expect(all).not.toContain(secret);
    }
  });

  test("GET /api/audit filters and paginates, newest first", async () => {
    const page1 = await call(t, "GET", "/api/audit?limit=2", { token: admin.accessToken });
    expect(page1.status).toBe(200);
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.data[0].id).toBeGreaterThan(page1.body.data[1].id);
    const page2 = await call(t, "GET", `/api/audit?limit=2&cursor=${page1.body.nextCursor}`, {
      token: admin.accessToken,
    });
    expect(page2.body.data[0].id).toBeLessThan(page1.body.data[1].id);
    const logins = await call(t, "GET", "/api/audit?action=auth.login&limit=200", {
      token: admin.accessToken,
    });
    expect(logins.body.data.every((r: { action: string }) => r.action === "auth.login")).toBe(true);
    expect((await call(t, "GET", "/api/audit?from=2024-02-30", { token: admin.accessToken })).status).toBe(
      400,
    );
  });

  test("action and entity are vocabularies: an unknown value is a 400 naming the field and the allowed values", async () => {
    const action = await call(t, "GET", "/api/audit?action=login", { token: admin.accessToken });
    expect(action.status).toBe(400);
    expect(action.body.error.details).toEqual([
      {
        path: "query.action",
        message: expect.stringMatching(/^must be one of: auth\.login, auth\.login_failed, /),
      },
    ]);
    expect(action.body.error.details[0].message).toContain("import.uploaded");
    const entity = await call(t, "GET", "/api/audit?entity=users", { token: admin.accessToken });
    expect(entity.status).toBe(400);
    expect(entity.body.error.details[0].path).toBe("query.entity");
    expect(entity.body.error.details[0].message).toContain("session, user, court");
    const known = await call(t, "GET", "/api/audit?entity=session", { token: admin.accessToken });
    expect(known.status).toBe(200);
    expect(known.body.data.length).toBeGreaterThan(0);
  });

  test("the cursor is opaque like every list's: not a bare id, and a made-up one is a 400", async () => {
    const page1 = await call(t, "GET", "/api/audit?limit=1", { token: admin.accessToken });
    const cursor: string = page1.body.nextCursor;
    expect(cursor).not.toMatch(/^\d+$/);
    const bare = await call(t, "GET", `/api/audit?cursor=${page1.body.data[0].id}`, {
      token: admin.accessToken,
    });
    expect(bare.status).toBe(400);
    expect(bare.body.error.details[0].path).toBe("query.cursor");
    // The users list too.
    const users = await call(t, "GET", "/api/users?limit=1", { token: admin.accessToken });
    expect(users.body.nextCursor).not.toMatch(/^\d+$/);
    const next = await call(t, "GET", `/api/users?limit=1&cursor=${users.body.nextCursor}`, {
      token: admin.accessToken,
    });
    expect(next.body.data[0].id).toBeGreaterThan(users.body.data[0].id);
    await expectError(
      await call(t, "GET", "/api/users?cursor=1", { token: admin.accessToken }),
      400,
      "VALIDATION_FAILED",
      "query.cursor",
    );
  });

  test("format=csv (or Accept: text/csv) streams every matching entry as CSV", async () => {
    const json = await call(t, "GET", "/api/audit?action=auth.login&limit=200", { token: admin.accessToken });
    const res = await call(t, "GET", "/api/audit?action=auth.login&format=csv", { token: admin.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="audit.csv"');
    const lines = (res.body as string).trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,at,user_id,action,entity,entity_id,changes,request_id,ip");
    expect(lines).toHaveLength(json.body.data.length + 1);
    expect(lines.slice(1).every((l) => l.split(",")[3] === "auth.login")).toBe(true);
    const byAccept = await call(t, "GET", "/api/audit?entity=user", {
      token: admin.accessToken,
      headers: { accept: "text/csv" },
    });
    expect(byAccept.headers.get("content-type")).toStartWith("text/csv");
    // The changes cell is the JSON of the jsonb column (PostgreSQL orders its keys), CSV-quoted.
    expect(byAccept.body).toContain('""name"":{""to"":""Renamed"",""from"":""New Person""}');
  });

  test("passwords and tokens never appear in responses or logs", async () => {
    const s = await login(t, "root@x.org");
    await call(t, "GET", "/api/auth/me", { token: s.accessToken });
    await call(t, "POST", "/api/auth/refresh", { body: { refreshToken: s.refreshToken } });
    const logs = t.logs.text;
    expect(logs).not.toContain(TEST_PASSWORD);
    expect(logs).not.toContain(s.accessToken);
    expect(logs).not.toContain(s.refreshToken);
    expect(logs).not.toContain("$argon2");
    const me = await call(t, "GET", "/api/users?limit=200", { token: admin.accessToken });
    expect(JSON.stringify(me.body)).not.toContain("argon2");
    expect(JSON.stringify(me.body)).not.toContain("passwordHash");
  });
});
