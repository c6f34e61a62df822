import { afterAll, beforeAll, expect, test } from "bun:test";
import { addDays } from "../../src/lib/dates";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeCases, makeJudge, resetData, seedStandards } from "../helpers/case-data";
import { freezeToday } from "../helpers/clock";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";
import { walkPages } from "./walk";

// The app and the fixtures must agree on "today" (UTC midnight may pass during the file).
const today = freezeToday();

describePgRedis("GET /api/cases/:id and its timeline", () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  let ids: { pending: number; inactive: number; disposed: number; other: number; sameDay: number };
  let judgeId: number;
  const d = (n: number) => addDays(today, -n);

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    await resetData(t);
    const db = t.deps.db.db;
    await seedStandards(db);
    const tree = await makeCourtTree(db);
    judgeId = (await makeJudge(db, { code: "J1", courtId: tree.d1.id, name: "Ada Judge" })).id;
    const [pending, inactive, disposed, other, sameDay] = await makeCases(db, [
      {
        // Filed 400 days ago, inactive for 50 days, reactivated: age 350 > 365? no: within felony's 365.
        courtId: tree.d1l.id,
        caseNumber: "D1L-CR-1",
        caseType: "felony",
        filedOn: d(400),
        judgeId,
        events: [
          { type: "hearing", on: d(390), outcome: "continued", notes: "+SUM(A1)" },
          { type: "placed_inactive", on: d(300) },
          { type: "reactivated", on: d(250) },
          { type: "trial_setting", on: d(100), outcome: "held" },
        ],
      },
      {
        courtId: tree.d1.id,
        caseNumber: "D1-TR-2",
        caseType: "traffic",
        filedOn: d(100),
        status: "inactive",
        events: [{ type: "placed_inactive", on: d(40) }],
      },
      {
        courtId: tree.d1.id,
        caseNumber: "D1-MI-3",
        caseType: "misdemeanor",
        filedOn: d(200),
        status: "disposed",
        disposedOn: d(20),
        disposition: "plea",
        events: [{ type: "disposed", on: d(20) }],
      },
      { courtId: tree.d2.id, caseNumber: "D2-CV-4", caseType: "civil_general", filedOn: d(10) },
      {
        // Filed and disposed the same day, then reopened 5 days ago: pending, age 5.
        courtId: tree.d1.id,
        caseNumber: "D1-PO-5",
        caseType: "protection_order",
        filedOn: d(90),
        events: [
          { type: "disposed", on: d(90) },
          { type: "reopened", on: d(5) },
        ],
      },
    ]);
    ids = { pending: pending!, inactive: inactive!, disposed: disposed!, other: other!, sameDay: sameDay! };
    await makeUser(db, { email: "admin@x.org", role: "admin" });
    await makeUser(db, { email: "v1@x.org", role: "viewer", courtId: tree.d1.id });
    await makeUser(db, { email: "v2@x.org", role: "viewer", courtId: tree.d2.id });
    for (const who of ["admin", "v1", "v2"]) tokens[who] = (await login(t, `${who}@x.org`)).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  test("an active pending case: start date, inactive days, age and standard status", async () => {
    const res = await call(t, "GET", `/api/cases/${ids.pending}`, { token: tokens.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ids.pending,
      caseNumber: "D1L-CR-1",
      court: { code: "D1-L" },
      judge: { id: judgeId, code: "J1", name: "Ada Judge" },
      startDate: d(400),
      inactiveDays: 50,
      activePending: true,
      ageDays: 350,
      standard: { maxDays: 365, status: "within" },
      asOf: today,
    });
    expect(res.body.standard.tiers).toEqual([
      { percent: 75, days: 90 },
      { percent: 90, days: 180 },
      { percent: 98, days: 365 },
    ]);
  });

  test("an inactive case counts its open inactive period and has no age", async () => {
    const res = await call(t, "GET", `/api/cases/${ids.inactive}`, { token: tokens.admin });
    expect(res.body).toMatchObject({ activePending: false, ageDays: null, inactiveDays: 40, judge: null });
    expect(res.body.standard.status).toBeNull();
  });

  test("a disposed case has no age; same-day filed+disposed then reopened is pending from the reopening", async () => {
    const disposed = await call(t, "GET", `/api/cases/${ids.disposed}`, { token: tokens.admin });
    expect(disposed.body).toMatchObject({ activePending: false, ageDays: null, disposition: "plea" });
    const reopened = await call(t, "GET", `/api/cases/${ids.sameDay}`, { token: tokens.admin });
    expect(reopened.body).toMatchObject({ startDate: d(5), activePending: true, ageDays: 5 });
    expect(reopened.body.standard).toMatchObject({ maxDays: 30, status: "within" });
  });

  test("the list's ageDays (from the measure rollups) equals the detail's (from the events)", async () => {
    const { rows } = await walkPages(t, tokens.admin!, "/api/cases", { limit: 200 });
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      const detail = await call(t, "GET", `/api/cases/${row.id}`, { token: tokens.admin });
      expect(row.ageDays).toBe(detail.body.ageDays);
    }
  });

  test("the timeline comes in date order, paginated", async () => {
    const { rows, pages } = await walkPages(t, tokens.admin!, `/api/cases/${ids.pending}/activities`, {
      limit: 2,
    });
    expect(pages).toBe(3);
    expect(rows.map((r) => [r.type, r.occurredOn])).toEqual([
      ["filed", d(400)],
      ["hearing", d(390)],
      ["placed_inactive", d(300)],
      ["reactivated", d(250)],
      ["trial_setting", d(100)],
    ]);
    expect(rows[1]).toMatchObject({ outcome: "continued", notes: "+SUM(A1)" });
  });

  test("the timeline as CSV quotes formula-like notes", async () => {
    const res = await call(t, "GET", `/api/cases/${ids.pending}/activities?format=csv`, {
      token: tokens.admin,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/csv");
    const lines = String(res.body).trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,type,occurred_on,outcome,judge_id,judge_name,notes,source_id");
    expect(lines).toHaveLength(6);
    expect(lines[2]).toContain(",'+SUM(A1),");
  });

  test("scope: a district viewer sees their subtree's cases; another district's case is a 404", async () => {
    expect((await call(t, "GET", `/api/cases/${ids.pending}`, { token: tokens.v1 })).status).toBe(200);
    await expectError(
      await call(t, "GET", `/api/cases/${ids.other}`, { token: tokens.v1 }),
      404,
      "NOT_FOUND",
    );
    await expectError(
      await call(t, "GET", `/api/cases/${ids.other}/activities`, { token: tokens.v1 }),
      404,
      "NOT_FOUND",
    );
    await expectError(
      await call(t, "GET", `/api/cases/${ids.other}/activities?format=csv`, { token: tokens.v1 }),
      404,
      "NOT_FOUND",
    );
    await expectError(
      await call(t, "GET", `/api/cases/${ids.pending}`, { token: tokens.v2 }),
      404,
      "NOT_FOUND",
    );
    const v1 = await walkPages(t, tokens.v1!, "/api/cases", { limit: 200 });
    expect(v1.rows.map((r) => r.id).sort()).toEqual(
      [ids.pending, ids.inactive, ids.disposed, ids.sameDay].sort(),
    );
    const v2 = await walkPages(t, tokens.v2!, "/api/cases", { limit: 200 });
    expect(v2.rows.map((r) => r.id)).toEqual([ids.other]);
    // A courtId filter outside the scope finds nothing rather than widening it.
    const outside = await call(t, "GET", `/api/cases?courtId=${v1.rows[0]!.courtId}`, { token: tokens.v2 });
    expect(outside.body.data).toEqual([]);
    const csv = await call(t, "GET", "/api/cases?format=csv", { token: tokens.v2 });
    expect(String(csv.body).trimEnd().split("\r\n")).toHaveLength(2);
  });

  test("unknown ids are 404, malformed ids 400 naming param.id", async () => {
    await expectError(await call(t, "GET", "/api/cases/999999", { token: tokens.admin }), 404, "NOT_FOUND");
    for (const bad of ["abc", "0", "1.5", "99999999999"]) {
      const res = await call(t, "GET", `/api/cases/${bad}`, { token: tokens.admin });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe("param.id");
    }
  });

  test("without a token every case route is a 401", async () => {
    for (const path of ["/api/cases", `/api/cases/${ids.pending}`, `/api/cases/${ids.pending}/activities`]) {
      expect((await call(t, "GET", path)).status).toBe(401);
    }
  });
});
