import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { addDays } from "../../src/lib/dates";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeAssignment, makeCases, makeJudge, resetData } from "../helpers/case-data";
import { freezeToday } from "../helpers/clock";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

// The app and the fixtures must agree on "today" (UTC midnight may pass during the file).
const today = freezeToday();

describePgRedis("judges", () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  let tree: Awaited<ReturnType<typeof makeCourtTree>>;
  let ids: Record<string, number>;

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    await resetData(t);
    const db = t.deps.db.db;
    tree = await makeCourtTree(db);
    const ada = await makeJudge(db, { code: "J-ADA", courtId: tree.d1.id, name: "Ada Lovelace" });
    const bob = await makeJudge(db, { code: "J-BOB", courtId: tree.d2.id, name: "Bob Brown" });
    const cyd = await makeJudge(db, {
      code: "J-CYD",
      courtId: tree.d1l.id,
      name: "Cyd Charisse",
      active: false,
    });
    const dee = await makeJudge(db, { code: "J-DEE", courtId: tree.d2.id, name: "Dee Dee" });
    // Bob sits in D1-L this year; Dee's D1 assignment ended last year.
    await makeAssignment(db, { judgeId: bob.id, courtId: tree.d1l.id, startsOn: addDays(today, -100) });
    await makeAssignment(db, {
      judgeId: dee.id,
      courtId: tree.d1.id,
      startsOn: addDays(today, -700),
      endsOn: addDays(today, -365),
    });
    ids = { ada: ada.id, bob: bob.id, cyd: cyd.id, dee: dee.id };
    await makeCases(db, [
      { courtId: tree.d1.id, caseNumber: "A-1", caseType: "felony", filedOn: "2025-01-01", judgeId: ada.id },
      { courtId: tree.d1.id, caseNumber: "A-2", caseType: "felony", filedOn: "2025-01-01", judgeId: ada.id },
      { courtId: tree.d1.id, caseNumber: "A-3", caseType: "traffic", filedOn: "2025-01-01", judgeId: ada.id },
      {
        courtId: tree.d1.id,
        caseNumber: "A-4",
        caseType: "traffic",
        filedOn: "2025-01-01",
        judgeId: ada.id,
        status: "disposed",
        disposedOn: "2025-03-01",
      },
    ]);
    await makeUser(db, { email: "admin@x.org", role: "admin" });
    await makeUser(db, { email: "ca@x.org", role: "court_admin", courtId: tree.d1.id });
    await makeUser(db, { email: "viewer@x.org", role: "viewer", courtId: tree.d2.id });
    await makeUser(db, { email: "analyst@x.org", role: "analyst" });
    for (const who of ["admin", "ca", "viewer", "analyst"])
      tokens[who] = (await login(t, `${who}@x.org`)).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  const codes = (body: { data: { code: string }[] }) => body.data.map((j) => j.code);
  const get = async (path: string, who = "admin") =>
    (await call(t, "GET", path, { token: tokens[who] })).body;

  test("list by name; filters courtId (with descendants and current assignments), active, search", async () => {
    expect(codes(await get("/api/judges"))).toEqual(["J-ADA", "J-BOB", "J-CYD", "J-DEE"]);
    // D1 with D1-L: Ada (home), Cyd (home in D1-L), Bob (assigned to D1-L now); Dee's assignment ended.
    expect(codes(await get(`/api/judges?courtId=${tree.d1.id}`))).toEqual(["J-ADA", "J-BOB", "J-CYD"]);
    expect(codes(await get(`/api/judges?courtId=${tree.d2.id}`))).toEqual(["J-BOB", "J-DEE"]);
    expect(codes(await get("/api/judges?active=false"))).toEqual(["J-CYD"]);
    expect(codes(await get("/api/judges?search=lOVE"))).toEqual(["J-ADA"]);
    expect(codes(await get("/api/judges?search=j-d"))).toEqual(["J-DEE"]);
    const first = await get("/api/judges?limit=3");
    expect(codes(first)).toEqual(["J-ADA", "J-BOB", "J-CYD"]);
    expect(codes(await get(`/api/judges?limit=3&cursor=${first.nextCursor}`))).toEqual(["J-DEE"]);
  });

  test("scope: the D1 court admin sees D1's judges; a D2 judge's detail is 404 for them", async () => {
    expect(codes(await get("/api/judges", "ca"))).toEqual(["J-ADA", "J-BOB", "J-CYD"]);
    expect(codes(await get("/api/judges", "viewer"))).toEqual(["J-BOB", "J-DEE"]);
    await expectError(await call(t, "GET", `/api/judges/${ids.dee}`, { token: tokens.ca }), 404, "NOT_FOUND");
    await expectError(
      await call(t, "GET", `/api/judges/${ids.ada}`, { token: tokens.viewer }),
      404,
      "NOT_FOUND",
    );
    // A courtId filter outside the scope finds nothing.
    expect(codes(await get(`/api/judges?courtId=${tree.d2.id}`, "ca"))).toEqual([]);
  });

  test("detail: assignments (current flagged) and caseload", async () => {
    const bob = await get(`/api/judges/${ids.bob}`);
    expect(bob.assignments).toEqual([
      expect.objectContaining({ courtId: tree.d1l.id, courtCode: "D1-L", endsOn: null, current: true }),
    ]);
    const dee = await get(`/api/judges/${ids.dee}`);
    expect(dee.assignments[0].current).toBe(false);
    const ada = await get(`/api/judges/${ids.ada}`);
    expect(ada.caseload).toEqual({
      active: 3,
      inactive: 0,
      disposed: 1,
      activeByCaseType: { felony: 2, traffic: 1 },
    });
    await expectError(await call(t, "GET", "/api/judges/424242", { token: tokens.admin }), 404, "NOT_FOUND");
  });

  test("list as CSV", async () => {
    const res = await call(t, "GET", "/api/judges?format=csv&active=true", { token: tokens.admin });
    const lines = String(res.body).trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,code,name,court_id,court_code,active,created_at,updated_at");
    expect(lines.slice(1).map((l) => l.split(",")[1])).toEqual(["J-ADA", "J-BOB", "J-DEE"]);
  });

  test("create by courtCode or courtId; the cached list shows the new judge at once", async () => {
    expect(codes(await get("/api/judges"))).not.toContain("J-EVE"); // warm the list cache
    const res = await call(t, "POST", "/api/judges", {
      token: tokens.admin,
      body: { code: "J-EVE", name: "Eve Early", courtCode: "D2" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ code: "J-EVE", courtId: tree.d2.id, courtCode: "D2", active: true });
    expect(codes(await get("/api/judges"))).toContain("J-EVE");
    const byId = await call(t, "POST", "/api/judges", {
      token: tokens.ca,
      body: { code: "J-FAY", name: "Fay", courtId: tree.d1l.id },
    });
    expect(byId.status).toBe(201);
    const outside = await call(t, "POST", "/api/judges", {
      token: tokens.ca,
      body: { code: "J-GUS", name: "Gus", courtCode: "D2" },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details[0].path).toBe("body.courtCode");
    const neither = await call(t, "POST", "/api/judges", {
      token: tokens.admin,
      body: { code: "J-X", name: "X" },
    });
    expect(neither.status).toBe(400);
    expect(neither.body.error.details[0].path).toBe("body.courtId");
    const dup = await call(t, "POST", "/api/judges", {
      token: tokens.admin,
      body: { code: "J-ADA", name: "Again", courtId: tree.d1.id },
    });
    await expectError(dup, 409, "CONFLICT");
  });

  test("patch: rename shows in the cached list; audit row; court admins only for home courts in scope", async () => {
    await get("/api/judges");
    const res = await call(t, "PATCH", `/api/judges/${ids.ada}`, {
      token: tokens.ca,
      body: { name: "Ada King" },
    });
    expect(res.status).toBe(200);
    const list = await get("/api/judges?search=ada");
    expect(list.data[0].name).toBe("Ada King");
    const [audit] = rowsOf<{ changes: unknown }>(
      await t.deps.db.db.execute(
        sql`select changes from audit_log where action = 'judge.updated' and entity_id = ${String(ids.ada)}`,
      ),
    );
    expect(audit!.changes).toEqual({ name: { from: "Ada Lovelace", to: "Ada King" } });
    // Bob is visible to D1's admin through his assignment, but his home court is D2.
    const bob = await call(t, "PATCH", `/api/judges/${ids.bob}`, { token: tokens.ca, body: { name: "x" } });
    await expectError(bob, 403, "FORBIDDEN");
    const dee = await call(t, "PATCH", `/api/judges/${ids.dee}`, { token: tokens.ca, body: { name: "x" } });
    await expectError(dee, 404, "NOT_FOUND");
    for (const who of ["viewer", "analyst"]) {
      await expectError(
        await call(t, "PATCH", `/api/judges/${ids.bob}`, { token: tokens[who], body: { name: "x" } }),
        403,
        "FORBIDDEN",
      );
    }
  });

  test("assignments: create and end one; the court filter follows", async () => {
    const created = await call(t, "POST", `/api/judges/${ids.dee}/assignments`, {
      token: tokens.admin,
      body: { courtCode: "D1", startsOn: addDays(today, -10) },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ courtId: tree.d1.id, current: true, endsOn: null });
    expect(codes(await get(`/api/judges?courtId=${tree.d1.id}`))).toContain("J-DEE");
    const ended = await call(t, "PATCH", `/api/judges/${ids.dee}/assignments/${created.body.id}`, {
      token: tokens.admin,
      body: { endsOn: addDays(today, -1) },
    });
    expect(ended.status).toBe(200);
    expect(ended.body.current).toBe(false);
    expect(codes(await get(`/api/judges?courtId=${tree.d1.id}`))).not.toContain("J-DEE");
    const backwards = await call(t, "PATCH", `/api/judges/${ids.dee}/assignments/${created.body.id}`, {
      token: tokens.admin,
      body: { endsOn: addDays(today, -30) },
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details[0].path).toBe("body.endsOn");
    const wrongJudge = await call(t, "PATCH", `/api/judges/${ids.ada}/assignments/${created.body.id}`, {
      token: tokens.admin,
      body: { endsOn: today },
    });
    await expectError(wrongJudge, 404, "NOT_FOUND");
    const audits = rowsOf<{ action: string }>(
      await t.deps.db.db.execute(
        sql`select action from audit_log where entity = 'judge_assignment' order by id`,
      ),
    );
    expect(audits.map((a) => a.action)).toEqual(["judge.assignment_created", "judge.assignment_updated"]);
  });

  test("assignments: a court admin assigns only to courts in their subtree", async () => {
    const inScope = await call(t, "POST", `/api/judges/${ids.ada}/assignments`, {
      token: tokens.ca,
      body: { courtId: tree.d1l.id, startsOn: today },
    });
    expect(inScope.status).toBe(201);
    const outside = await call(t, "POST", `/api/judges/${ids.ada}/assignments`, {
      token: tokens.ca,
      body: { courtId: tree.d2.id, startsOn: today },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details[0].path).toBe("body.courtId");
    const badDates = await call(t, "POST", `/api/judges/${ids.ada}/assignments`, {
      token: tokens.admin,
      body: { courtId: tree.d1.id, startsOn: "2025-05-01", endsOn: "2025-04-01" },
    });
    expect(badDates.status).toBe(400);
    expect(badDates.body.error.details[0].path).toBe("body.endsOn");
  });
});
