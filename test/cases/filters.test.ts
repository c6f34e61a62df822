import { afterAll, beforeAll, expect, test } from "bun:test";
import { addDays } from "../../src/lib/dates";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeAssignment, makeCases, makeJudge, resetData, seedStandards } from "../helpers/case-data";
import { freezeToday } from "../helpers/clock";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, login } from "../helpers/http";
import { type Expected, expectationsOf, generateCases, sortExpected } from "./dataset";
import { walkPages } from "./walk";

// The app and the fixtures must agree on "today" (UTC midnight may pass during the file).
const today = freezeToday();

// Every filter alone and in combination, under every sort, against expectations computed in the
// test from the rules of docs/measures.md; each query is walked page by page to its last cursor.

describePgRedis("GET /api/cases filters and sorts", () => {
  let t: TestApp;
  let admin: string;
  let expected: Expected[];
  let tree: Awaited<ReturnType<typeof makeCourtTree>>;
  let judgeIds: number[];

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    await resetData(t);
    const db = t.deps.db.db;
    await seedStandards(db);
    tree = await makeCourtTree(db);
    const judges = [
      await makeJudge(db, { code: "J1", courtId: tree.d1.id }),
      await makeJudge(db, { code: "J2", courtId: tree.d2.id }),
      await makeJudge(db, { code: "J3", courtId: tree.d1l.id }),
    ];
    await makeAssignment(db, { judgeId: judges[1]!.id, courtId: tree.d1.id, startsOn: "2020-01-01" });
    judgeIds = judges.map((j) => j.id);
    const specs = generateCases(260, [tree.d1, tree.d2, tree.d1l], judgeIds);
    const ids = await makeCases(db, specs);
    expected = expectationsOf(specs, ids);
    await makeUser(db, { email: "admin@x.org", role: "admin" });
    admin = (await login(t, "admin@x.org")).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  const subtree = (id: number) =>
    id === tree.state.id
      ? [tree.state.id, tree.d1.id, tree.d2.id, tree.d1l.id]
      : id === tree.d1.id
        ? [tree.d1.id, tree.d1l.id]
        : [id];

  type Query = Record<string, string | number | boolean | undefined>;

  /** The expected rows of a query, computed in TypeScript. */
  function expectedFor(q: Query): Expected[] {
    return expected.filter((r) => {
      if (q.courtId !== undefined && !subtree(Number(q.courtId)).includes(r.courtId)) return false;
      if (q.judgeId !== undefined && r.judgeId !== Number(q.judgeId)) return false;
      if (q.caseType !== undefined && r.caseType !== q.caseType) return false;
      if (q.status !== undefined && r.status !== q.status) return false;
      if (q.filedFrom !== undefined && r.filedOn < String(q.filedFrom)) return false;
      if (q.filedTo !== undefined && r.filedOn > String(q.filedTo)) return false;
      if (q.disposedFrom !== undefined && (r.disposedOn === null || r.disposedOn < String(q.disposedFrom)))
        return false;
      if (q.disposedTo !== undefined && (r.disposedOn === null || r.disposedOn > String(q.disposedTo)))
        return false;
      if (q.minAgeDays !== undefined && (r.ageDays === null || r.ageDays < Number(q.minAgeDays)))
        return false;
      if (q.maxAgeDays !== undefined && (r.ageDays === null || r.ageDays > Number(q.maxAgeDays)))
        return false;
      if (q.overStandard === "true" && r.overStandard !== true) return false;
      if (q.overStandard === "false" && r.overStandard !== false) return false;
      if (q.search !== undefined && !r.caseNumber.toLowerCase().startsWith(String(q.search).toLowerCase()))
        return false;
      return true;
    });
  }

  async function check(q: Query, limit = 9) {
    const sort = String(q.sort ?? "-filedOn");
    const want = sortExpected(expectedFor(q), sort);
    const { rows, pages } = await walkPages(t, admin, "/api/cases", { ...q, limit });
    expect(rows.map((r) => r.id)).toEqual(want.map((r) => r.id));
    // Full pages until the last, which carries a null cursor: no empty page at the end.
    expect(pages).toBe(Math.max(1, Math.ceil(want.length / limit)));
    // Every row also carries the age and standard status the TypeScript rules give.
    const byId = new Map(want.map((r) => [r.id, r]));
    for (const r of rows) {
      const e = byId.get(r.id as number)!;
      expect({ id: r.id, ageDays: r.ageDays, overStandard: r.overStandard }).toEqual({
        id: e.id,
        ageDays: e.ageDays,
        overStandard: e.overStandard,
      });
    }
    return want.length;
  }

  test("the dataset has every shape the filters must tell apart", () => {
    expect(expected.filter((r) => r.ageDays !== null).length).toBeGreaterThan(50);
    expect(expected.filter((r) => r.ageDays === null).length).toBeGreaterThan(30);
    expect(expected.filter((r) => r.overStandard === true).length).toBeGreaterThan(5);
    expect(expected.filter((r) => r.disposedOn !== null).length).toBeGreaterThan(10);
  });

  for (const sort of ["-filedOn", "filedOn", "caseNumber", "ageDays", "-ageDays"]) {
    test(`no filter, sort ${sort}: every case once, in order`, async () => {
      expect(await check({ sort })).toBe(260);
    });
  }

  const single: [string, () => Query][] = [
    ["courtId (state: everything)", () => ({ courtId: tree.state.id })],
    ["courtId (D1 with its child D1-L)", () => ({ courtId: tree.d1.id })],
    ["courtId (leaf D1-L)", () => ({ courtId: tree.d1l.id })],
    ["judgeId", () => ({ judgeId: judgeIds[0] })],
    ["caseType", () => ({ caseType: "felony" })],
    ["status", () => ({ status: "inactive" })],
    ["filedFrom", () => ({ filedFrom: addDays(today, -300) })],
    ["filedTo", () => ({ filedTo: addDays(today, -300) })],
    ["disposedFrom", () => ({ disposedFrom: addDays(today, -400) })],
    ["disposedTo", () => ({ disposedTo: addDays(today, -200) })],
    ["minAgeDays", () => ({ minAgeDays: 200 })],
    ["maxAgeDays", () => ({ maxAgeDays: 150 })],
    ["overStandard=true", () => ({ overStandard: "true" })],
    ["overStandard=false", () => ({ overStandard: "false" })],
    ["search (case-insensitive prefix)", () => ({ search: "d1-l" })],
    ["search with mixed case", () => ({ search: "D2-2025-MI" })],
  ];
  for (const [name, q] of single) {
    test(`filter ${name}`, async () => {
      await check(q());
      await check({ ...q(), sort: "-ageDays" }, 13);
    });
  }

  const combined: [string, () => Query][] = [
    [
      "court + filed range",
      () => ({ courtId: tree.d1.id, filedFrom: addDays(today, -600), filedTo: addDays(today, -100) }),
    ],
    ["court + status", () => ({ courtId: tree.d2.id, status: "active" })],
    ["judge + caseType + status", () => ({ judgeId: judgeIds[1], caseType: "traffic", status: "active" })],
    ["court + age range", () => ({ courtId: tree.d1.id, minAgeDays: 30, maxAgeDays: 400 })],
    ["overStandard + court + search", () => ({ overStandard: "true", courtId: tree.state.id, search: "D" })],
    [
      "disposed range + court",
      () => ({ courtId: tree.d1.id, disposedFrom: addDays(today, -500), disposedTo: today }),
    ],
    [
      "everything at once",
      () => ({
        courtId: tree.d1.id,
        status: "active",
        filedFrom: addDays(today, -900),
        minAgeDays: 10,
        maxAgeDays: 800,
        overStandard: "false",
        search: "d1",
      }),
    ],
  ];
  for (const [name, q] of combined) {
    for (const sort of ["-filedOn", "caseNumber", "ageDays"]) {
      test(`combined ${name}, sort ${sort}`, async () => {
        await check({ ...q(), sort });
      });
    }
  }

  test("includeTotal counts every match, not the page", async () => {
    const res = await call(t, "GET", `/api/cases?courtId=${tree.d1.id}&limit=5&includeTotal=true`, {
      token: admin,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(5);
    expect(res.body.total).toBe(expectedFor({ courtId: tree.d1.id }).length);
    const without = await call(t, "GET", "/api/cases?limit=5", { token: admin });
    expect(without.body.total).toBeUndefined();
  });

  test("an empty result is one page with a null cursor", async () => {
    const res = await call(t, "GET", "/api/cases?search=nothing-like-this", { token: admin });
    expect(res.body).toEqual({ data: [], nextCursor: null });
  });
});
