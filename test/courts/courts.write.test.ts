import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { call, expectError } from "../helpers/http";
import { codes, setUpCourts } from "./fixture";

describePgRedis("courts: writing", () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let tree: Awaited<ReturnType<typeof setUpCourts>>["tree"];

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    ({ tree, tokens } = await setUpCourts(t));
  });
  afterAll(async () => {
    await t.close();
  });

  test("create: admin anywhere (top level too), by parentCode or parentId; audit row written", async () => {
    const top = await call(t, "POST", "/api/courts", {
      token: tokens.admin,
      body: { code: "FED", name: "Federal", level: "supreme" },
    });
    expect(top.status).toBe(201);
    expect(top.headers.get("location")).toBe(`/api/courts/${top.body.id}`);
    expect(top.body.parentId).toBeNull();
    const child = await call(t, "POST", "/api/courts", {
      token: tokens.admin,
      body: { code: "FED-1", name: "Federal one", level: "trial", parentCode: "FED" },
    });
    expect(child.status).toBe(201);
    expect(child.body.parentId).toBe(top.body.id);
    const rows = rowsOf<{ action: string; entity_id: string }>(
      await t.deps.db.db.execute(
        sql`select action, entity_id from audit_log where entity = 'court' order by id`,
      ),
    );
    expect(rows.slice(-2)).toEqual([
      { action: "court.created", entity_id: String(top.body.id) },
      { action: "court.created", entity_id: String(child.body.id) },
    ]);
    const dup = await call(t, "POST", "/api/courts", {
      token: tokens.admin,
      body: { code: "FED", name: "Again", level: "trial" },
    });
    await expectError(dup, 409, "CONFLICT");
  });

  test("create: a court admin only under their subtree, never at the top", async () => {
    const ok = await call(t, "POST", "/api/courts", {
      token: tokens.ca,
      body: { code: "D1-NEW", name: "New limited", level: "limited", parentId: tree.d1l.id },
    });
    expect(ok.status).toBe(201);
    const outside = await call(t, "POST", "/api/courts", {
      token: tokens.ca,
      body: { code: "D2-NEW", name: "x", level: "limited", parentCode: "D2" },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details[0].path).toBe("body.parentCode");
    const top = await call(t, "POST", "/api/courts", {
      token: tokens.ca,
      body: { code: "ROGUE", name: "x", level: "supreme" },
    });
    await expectError(top, 403, "FORBIDDEN");
    for (const who of ["viewer", "analyst"]) {
      const res = await call(t, "POST", "/api/courts", {
        token: tokens[who],
        body: { code: "NOPE", name: "x", level: "trial", parentId: tree.d2.id },
      });
      await expectError(res, 403, "FORBIDDEN");
    }
  });

  test("a new court joins the court admin's scope at once (scope cache invalidated)", async () => {
    // Warm the scope cache, then add a court under D1 as the admin.
    expect(codes((await call(t, "GET", "/api/courts", { token: tokens.ca })).body)).not.toContain("D1-FRESH");
    const created = await call(t, "POST", "/api/courts", {
      token: tokens.admin,
      body: { code: "D1-FRESH", name: "Fresh", level: "limited", parentId: tree.d1.id },
    });
    expect(created.status).toBe(201);
    expect(codes((await call(t, "GET", "/api/courts", { token: tokens.ca })).body)).toContain("D1-FRESH");
    expect((await call(t, "GET", `/api/courts/${created.body.id}`, { token: tokens.ca })).status).toBe(200);
    const tree2 = await call(t, "GET", "/api/courts/tree", { token: tokens.ca });
    expect(JSON.stringify(tree2.body)).toContain("D1-FRESH");
  });

  test("patch: a parent that would make a cycle is a 400 naming the field", async () => {
    for (const body of [
      { parentId: tree.d1.id }, // itself
      { parentId: tree.d1l.id }, // its child
      { parentCode: "D1-L" }, // its child, by code
    ]) {
      const res = await call(t, "PATCH", `/api/courts/${tree.d1.id}`, { token: tokens.admin, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.details[0].path).toBe("parentCode" in body ? "body.parentCode" : "body.parentId");
    }
    const grand = await call(t, "PATCH", `/api/courts/${tree.state.id}`, {
      token: tokens.admin,
      body: { parentId: tree.d1l.id }, // a grandchild
    });
    await expectError(grand, 400, "VALIDATION_FAILED", "body.parentId");
    const both = await call(t, "PATCH", `/api/courts/${tree.d1.id}`, {
      token: tokens.admin,
      body: { parentId: tree.d2.id, parentCode: "D2" },
    });
    await expectError(both, 400, "VALIDATION_FAILED", "body.parentCode");
  });

  test("patch: two concurrent re-parentings cannot form a cycle together", async () => {
    const make = async (code: string) =>
      (
        await call(t, "POST", "/api/courts", {
          token: tokens.admin,
          body: { code, name: code, level: "trial", parentId: tree.state.id },
        })
      ).body as { id: number };
    const a = await make("CYC-A");
    const b = await make("CYC-B");
    const [ab, ba] = await Promise.all([
      call(t, "PATCH", `/api/courts/${a.id}`, { token: tokens.admin, body: { parentId: b.id } }),
      call(t, "PATCH", `/api/courts/${b.id}`, { token: tokens.admin, body: { parentId: a.id } }),
    ]);
    expect([ab.status, ba.status].sort()).toEqual([200, 400]);
  });

  test("patch: rename and move; the tree and lists show it at once; audit keeps from/to", async () => {
    await call(t, "GET", "/api/courts/tree", { token: tokens.admin }); // warm the cache
    const res = await call(t, "PATCH", `/api/courts/${tree.d1l.id}`, {
      token: tokens.admin,
      body: { name: "Limited One", parentId: tree.d2.id },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "Limited One", parentId: tree.d2.id });
    const after = await call(t, "GET", "/api/courts/tree", { token: tokens.admin });
    const state = after.body.data.find((c: { code: string }) => c.code === "STATE");
    const d2 = state.children.find((c: { code: string }) => c.code === "D2");
    expect(d2.children.map((c: { code: string }) => c.code)).toContain("D1-L");
    // D1's admin no longer sees the moved court (their scope shrank).
    await expectError(
      await call(t, "GET", `/api/courts/${tree.d1l.id}`, { token: tokens.ca }),
      404,
      "NOT_FOUND",
    );
    const [audit] = rowsOf<{ changes: Record<string, unknown> }>(
      await t.deps.db.db.execute(
        sql`select changes from audit_log where action = 'court.updated' and entity_id = ${String(tree.d1l.id)} order by id desc limit 1`,
      ),
    );
    expect(audit!.changes).toEqual({
      name: { from: "Court D1-L", to: "Limited One" },
      parentId: { from: tree.d1.id, to: tree.d2.id },
    });
    // Put it back for the other tests.
    await call(t, "PATCH", `/api/courts/${tree.d1l.id}`, {
      token: tokens.admin,
      body: { parentId: tree.d1.id },
    });
  });

  test("patch: a court admin edits inside their subtree only (others are 404)", async () => {
    const ok = await call(t, "PATCH", `/api/courts/${tree.d1l.id}`, {
      token: tokens.ca,
      body: { name: "Renamed" },
    });
    expect(ok.status).toBe(200);
    await expectError(
      await call(t, "PATCH", `/api/courts/${tree.d2.id}`, { token: tokens.ca, body: { name: "x" } }),
      404,
      "NOT_FOUND",
    );
    // Moving their own root out of the subtree needs a parent outside it: refused.
    const leave = await call(t, "PATCH", `/api/courts/${tree.d1.id}`, {
      token: tokens.ca,
      body: { parentId: tree.d2.id },
    });
    expect(leave.status).toBe(400);
  });

  test("bad input names every field", async () => {
    const res = await call(t, "POST", "/api/courts", {
      token: tokens.admin,
      body: { code: "bad code!", name: "", level: "county", parentId: -1 },
    });
    expect(res.status).toBe(400);
    // Schema errors and rule errors (a cycle, an out-of-scope court) both name the body "body.".
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "body.code",
      "body.level",
      "body.name",
      "body.parentId",
    ]);
    const empty = await call(t, "PATCH", `/api/courts/${tree.d1.id}`, { token: tokens.admin, body: {} });
    await expectError(empty, 400, "VALIDATION_FAILED", "body");
    await expectError(
      await call(t, "GET", "/api/courts?level=county", { token: tokens.admin }),
      400,
      "VALIDATION_FAILED",
      "query.level",
    );
    await expectError(
      await call(t, "GET", "/api/courts/abc", { token: tokens.admin }),
      400,
      "VALIDATION_FAILED",
      "param.id",
    );
  });
});
