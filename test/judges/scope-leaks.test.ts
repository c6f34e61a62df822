import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeAssignment, makeCases, makeJudge, resetData } from "../helpers/case-data";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

// Every users/judges/courts read route, read by a D1 viewer and a D1 court administrator, against
// data of D2 and of the state court above them: nothing of those may show, not even a code or an id.
// Court codes D2 and STATE (and their names "Court D2", "Court STATE") appear nowhere else in the
// fixture, so a body that contains either text has leaked.

const FOREIGN = ["D2", "STATE"];

describePgRedis("scoped readers learn nothing about other districts", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof makeCourtTree>>;
  const tokens = {} as Record<"admin" | "ca" | "viewer", string>;
  let j: { ada: number; bob: number; cyd: number };
  let d2User: number;

  beforeAll(async () => {
    t = await createTestApp({
      env: { TRUST_PROXY: "true", API_RATE_LIMIT_PER_MIN: "100000", LOGIN_RATE_LIMIT_PER_MIN: "1000" },
    });
    await resetData(t);
    const db = t.deps.db.db;
    tree = await makeCourtTree(db);
    // Ada: home D1, on assignment to D2 now and once to D1-L. Bob: home D2, on assignment to D1-L now.
    // Cyd: D2 only.
    const ada = await makeJudge(db, { code: "J-ADA", courtId: tree.d1.id });
    const bob = await makeJudge(db, { code: "J-BOB", courtId: tree.d2.id });
    const cyd = await makeJudge(db, { code: "J-CYD", courtId: tree.d2.id });
    await makeAssignment(db, { judgeId: ada.id, courtId: tree.d2.id, startsOn: "2020-01-01" });
    await makeAssignment(db, {
      judgeId: ada.id,
      courtId: tree.d1l.id,
      startsOn: "2019-01-01",
      endsOn: "2019-12-31",
    });
    await makeAssignment(db, { judgeId: bob.id, courtId: tree.d1l.id, startsOn: "2020-01-01" });
    j = { ada: ada.id, bob: bob.id, cyd: cyd.id };
    const c = (courtId: number, n: string, judgeId: number) => ({
      courtId,
      caseNumber: n,
      caseType: "felony" as const,
      filedOn: "2025-01-02",
      judgeId,
    });
    await makeCases(db, [
      c(tree.d1.id, "A-1", ada.id),
      c(tree.d1l.id, "A-2", ada.id),
      c(tree.d2.id, "A-3", ada.id),
      c(tree.d2.id, "A-4", ada.id),
      c(tree.d2.id, "A-5", ada.id),
      c(tree.d1l.id, "B-1", bob.id),
      c(tree.d2.id, "B-2", bob.id),
      c(tree.d2.id, "B-3", bob.id),
    ]);
    await makeUser(db, { email: "admin@x.org", role: "admin" });
    await makeUser(db, { email: "ca@x.org", role: "court_admin", courtId: tree.d1.id });
    await makeUser(db, { email: "viewer@x.org", role: "viewer", courtId: tree.d1.id });
    d2User = (await makeUser(db, { email: "d2ca@x.org", role: "court_admin", courtId: tree.d2.id })).id;
    for (const who of ["admin", "ca", "viewer"] as const)
      tokens[who] = (await login(t, `${who}@x.org`)).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  const read = async (who: keyof typeof tokens, path: string) => {
    const res = await call(t, "GET", path, { token: tokens[who] });
    return { ...res, text: typeof res.body === "string" ? res.body : JSON.stringify(res.body) };
  };

  test("the fixture holds the facts (an admin sees them), so their absence below means something", async () => {
    const ada = (await read("admin", `/api/judges/${j.ada}`)).body;
    expect(ada.caseload.active).toBe(5);
    expect(ada.assignments.map((a: { courtCode: string }) => a.courtCode).sort()).toEqual(["D1-L", "D2"]);
    const bob = (await read("admin", `/api/judges/${j.bob}`)).body;
    expect(bob.courtCode).toBe("D2");
    expect((await read("admin", `/api/courts/${tree.d1.id}`)).body.parentId).toBe(tree.state.id);
  });

  for (const who of ["viewer", "ca"] as const) {
    test(`${who} of D1: court lists, tree and details (JSON and CSV) name no other court, not even a parent`, async () => {
      for (const path of [
        "/api/courts",
        "/api/courts?format=csv",
        "/api/courts/tree",
        "/api/courts/tree?format=csv",
      ]) {
        const res = await read(who, path);
        expect(res.status).toBe(200);
        for (const f of FOREIGN)
          expect({ path, leaks: res.text.includes(f) }).toEqual({ path, leaks: false });
      }
      const list = (await read(who, "/api/courts")).body.data;
      expect(list.map((c: { code: string; parentId: number | null }) => [c.code, c.parentId])).toEqual([
        ["D1", null],
        ["D1-L", tree.d1.id],
      ]);
      const csv = (await read(who, "/api/courts?format=csv")).text.trimEnd().split("\r\n");
      expect(csv[1]!.split(",")[4]).toBe(""); // D1's parent_id
      const d1 = await read(who, `/api/courts/${tree.d1.id}`);
      expect(d1.body).toMatchObject({ parentId: null, parent: null });
      expect(d1.body.judges.map((x: { code: string }) => x.code)).toEqual(["J-ADA"]);
      expect(d1.body.caseCounts.active).toBe(3); // B-1
      for (const f of FOREIGN) expect(d1.text).not.toContain(f);
      for (const id of [tree.d2.id, tree.state.id])
        expect((await read(who, `/api/courts/${id}`)).status).toBe(404);
    });

    test(`${who} of D1: judges lists and details hold only D1 assignments, D1 cases and D1 home courts`, async () => {
      for (const path of ["/api/judges", "/api/judges?format=csv"]) {
        const res = await read(who, path);
        for (const f of FOREIGN)
          expect({ path, leaks: res.text.includes(f) }).toEqual({ path, leaks: false });
      }
      const list = (await read(who, "/api/judges")).body.data;
      expect(list.map((x: { code: string; courtCode: string | null }) => [x.code, x.courtCode])).toEqual([
        ["J-ADA", "D1"],
        ["J-BOB", null], // home D2, seen here through the assignment to D1-L
      ]);
      const csv = (await read(who, "/api/judges?format=csv")).text.trimEnd().split("\r\n");
      expect(csv.slice(1).map((l) => l.split(",").slice(1, 5))).toEqual([
        ["J-ADA", "Judge J-ADA", String(tree.d1.id), "D1"],
        ["J-BOB", "Judge J-BOB", "", ""],
      ]);

      const ada = await read(who, `/api/judges/${j.ada}`);
      expect(ada.body.assignments.map((a: { courtCode: string }) => a.courtCode)).toEqual(["D1-L"]);
      expect(ada.body.caseload).toMatchObject({ active: 2, inactive: 0, disposed: 0 });
      expect(ada.body.caseload.activeByCaseType).toEqual({ felony: 2 });
      const bob = await read(who, `/api/judges/${j.bob}`);
      expect(bob.body).toMatchObject({ courtId: null, courtCode: null });
      expect(bob.body.assignments.map((a: { courtCode: string }) => a.courtCode)).toEqual(["D1-L"]);
      expect(bob.body.caseload.active).toBe(1);
      for (const res of [ada, bob]) for (const f of FOREIGN) expect(res.text).not.toContain(f);
      await expectError(await read(who, `/api/judges/${j.cyd}`), 404, "NOT_FOUND");
      expect((await read(who, `/api/judges?courtId=${tree.d2.id}`)).body.data).toEqual([]);
    });
  }

  test("users: the D1 court admin's list and details hold no D2 user; the viewer may not list users at all", async () => {
    const list = await read("ca", "/api/users?limit=200");
    expect(list.body.data.map((u: { email: string }) => u.email).sort()).toEqual([
      "ca@x.org",
      "viewer@x.org",
    ]);
    await expectError(await read("ca", `/api/users/${d2User}`), 404, "NOT_FOUND");
    expect((await read("ca", `/api/users?courtId=${tree.d2.id}`)).body.data).toEqual([]);
    await expectError(await read("viewer", "/api/users"), 403, "FORBIDDEN");
  });
});
