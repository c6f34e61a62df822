// The measures over HTTP: authentication, the caller's court scope intersected with courtId,
// validation errors naming the field, defaults, and the text/csv form. Figures are those worked out
// by hand in measures.test.ts (same fixture).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { refreshMeasureRollups } from "../../src/modules/measures/measures.rollups.repo";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, login } from "../helpers/http";
import { FIXTURE } from "./fixture";
import { loadFixture } from "./targets";

const P = "from=2024-01-01&to=2024-06-30";

describePgRedis("measures routes", () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    const db = t.deps.db.db;
    await resetDb(db);
    await resetRedis(t.deps.redis);
    await loadFixture(db, FIXTURE);
    await refreshMeasureRollups(db, {});
    await makeUser(db, { email: "admin@example.test", role: "admin" });
    await makeUser(db, { email: "d1@example.test", role: "court_admin", courtId: 2 });
    await makeUser(db, { email: "d2@example.test", role: "viewer", courtId: 3 });
    tokens.admin = (await login(t, "admin@example.test")).accessToken;
    tokens.d1 = (await login(t, "d1@example.test")).accessToken;
    tokens.d2 = (await login(t, "d2@example.test")).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  test("needs a token", async () => {
    expect((await call(t, "GET", `/api/measures/clearance?${P}`)).status).toBe(401);
  });

  test("every route answers with the hand-worked figures", async () => {
    const get = async (path: string) => {
      const r = await call(t, "GET", `/api/measures/${path}`, { token: tokens.admin });
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      return r.body;
    };
    expect(
      (await get(`clearance?${P}&granularity=quarter`)).data.map((d: { period: string }) => d.period),
    ).toEqual(["2024-Q1", "2024-Q2"]);
    expect((await get(`clearance?${P}`)).total).toEqual({
      incoming: 26,
      outgoing: 32,
      clearanceRate: 123.08,
    });
    expect((await get(`time-to-disposition?${P}`)).total).toEqual({
      count: 28,
      meanDays: 138.29,
      medianDays: 73.5,
      p90Days: 366,
    });
    // asOf defaults to `to`.
    expect(await get(`pending-age?${P}`)).toMatchObject({
      coverage: { from: null, to: null, asOf: "2024-06-30" },
      activePending: 16,
      medianAgeDays: 165,
    });
    expect(await get(`backlog?${P}`)).toMatchObject({ backlog: 3, backlogRate: 18.75 });
    expect(await get(`trial-date-certainty?${P}`)).toMatchObject({ casesTried: 7, firstSettingRate: 16.67 });
    expect(await get(`continuances?${P}`)).toMatchObject({ events: 20, continued: 10, continuanceRate: 50 });
    expect((await get(`caseflow?${P}&granularity=quarter`)).data[0]).toEqual({
      period: "2024-Q1",
      beginPending: 21,
      incoming: 15,
      outgoing: 19,
      endPending: 18,
    });
    expect((await get(`judge-workload?${P}`)).data.map((j: { judgeCode: string }) => j.judgeCode)).toEqual([
      "J1",
      "J2",
      "J3",
    ]);
    expect((await get(`summary?${P}`)).backlogRate).toEqual({ value: 18.75, previous: 4.76, change: 13.99 });
    expect((await get(`pending-age?${P}&asOf=2024-07-01`)).activePending).toBe(14);
  });

  test("scope: a court admin sees their subtree, and courtId narrows within it", async () => {
    const d1 = await call(t, "GET", `/api/measures/clearance?${P}&granularity=total`, { token: tokens.d1 });
    expect(d1.body.total).toEqual({ incoming: 15, outgoing: 18, clearanceRate: 120 });
    // The root court as a filter does not widen a scoped caller.
    const root = await call(t, "GET", `/api/measures/clearance?${P}&granularity=total&courtId=1`, {
      token: tokens.d1,
    });
    expect(root.body.total).toEqual(d1.body.total);
    // D1-L only: 6 in, 6 out.
    const d1l = await call(t, "GET", `/api/measures/clearance?${P}&granularity=total&courtId=4`, {
      token: tokens.d1,
    });
    expect(d1l.body.total).toEqual({ incoming: 6, outgoing: 6, clearanceRate: 100 });
    // A court outside the scope shows nothing.
    const other = await call(t, "GET", `/api/measures/clearance?${P}&granularity=total&courtId=3`, {
      token: tokens.d1,
    });
    expect(other.body.total).toEqual({ incoming: 0, outgoing: 0, clearanceRate: null });
    // The D2 viewer: continuances of D2 = 20 − 9 (D1 and below) = 11 events, 10 − 5 = 5 continued.
    const d2 = await call(t, "GET", `/api/measures/continuances?${P}`, { token: tokens.d2 });
    expect(d2.body).toEqual({
      coverage: {
        from: "2024-01-01",
        to: "2024-06-30",
        asOf: null,
        filters: { courtId: null, caseType: null, judgeId: null },
        // The viewer's scope: D2 alone.
        courtIds: [3],
      },
      events: 11,
      continued: 5,
      continuanceRate: 45.45,
    });
  });

  test("every measure says what it covers: dates it uses, filters applied, the court set", async () => {
    const q = `${P}&asOf=2024-05-31&courtId=2&caseType=felony&judgeId=1`;
    const expected: Record<string, { from: string | null; to: string | null; asOf: string | null }> = {
      clearance: { from: "2024-01-01", to: "2024-06-30", asOf: null },
      "time-to-disposition": { from: "2024-01-01", to: "2024-06-30", asOf: null },
      "pending-age": { from: null, to: null, asOf: "2024-05-31" },
      backlog: { from: null, to: null, asOf: "2024-05-31" },
      "trial-date-certainty": { from: "2024-01-01", to: "2024-06-30", asOf: null },
      continuances: { from: "2024-01-01", to: "2024-06-30", asOf: null },
      caseflow: { from: "2024-01-01", to: "2024-06-30", asOf: null },
      // Active pending per judge is counted at the end of the period, whatever asOf says.
      "judge-workload": { from: "2024-01-01", to: "2024-06-30", asOf: "2024-06-30" },
      summary: { from: "2024-01-01", to: "2024-06-30", asOf: "2024-05-31" },
    };
    for (const [path, dates] of Object.entries(expected)) {
      // The admin: the filter's subtree (D1 and D1-L). The court admin of D1 asking for the root: the same.
      for (const [who, courtId] of [
        ["admin", 2],
        ["d1", 1],
      ] as const) {
        const r = await call(
          t,
          "GET",
          `/api/measures/${path}?${q.replace("courtId=2", `courtId=${courtId}`)}`,
          {
            token: tokens[who],
          },
        );
        expect({ path, who, coverage: r.body.coverage }).toEqual({
          path,
          who,
          coverage: {
            ...dates,
            filters: { courtId, caseType: "felony", judgeId: 1 },
            courtIds: who === "admin" ? [2, 4] : [2, 4],
          },
        });
      }
    }
    // No filter and an unrestricted scope: every court (null), and the defaults applied.
    const all = await call(t, "GET", "/api/measures/clearance?to=2024-06-30", { token: tokens.admin });
    expect(all.body.coverage).toEqual({
      from: "2023-06-30",
      to: "2024-06-30",
      asOf: null,
      filters: { courtId: null, caseType: null, judgeId: null },
      courtIds: null,
    });
  });

  test("one naming style: judgeName like the case list, every distribution a list of { label, count }", async () => {
    const workload = await call(t, "GET", `/api/measures/judge-workload?${P}`, { token: tokens.admin });
    expect(workload.body.data[0]).toMatchObject({ judgeId: 1, judgeCode: "J1", judgeName: "Judge One" });
    expect(workload.body.data[0].name).toBeUndefined();
    const cases = await call(t, "GET", "/api/cases?limit=200", { token: tokens.admin });
    expect(Object.keys(cases.body.data.find((c: { judgeId: number | null }) => c.judgeId === 1))).toContain(
      "judgeName",
    );

    const trials = await call(t, "GET", `/api/measures/trial-date-certainty?${P}`, { token: tokens.admin });
    expect(trials.body.distribution).toEqual([
      { label: "0", count: 1 },
      { label: "1", count: 1 },
      { label: "2", count: 3 },
      { label: "3", count: 1 },
      { label: "4+", count: 1 },
    ]);
    const ages = await call(t, "GET", `/api/measures/pending-age?${P}`, { token: tokens.admin });
    expect(ages.body.buckets.map((b: { label: string }) => b.label)).toEqual([
      "0-30",
      "31-60",
      "61-90",
      "91-180",
      "181-365",
      "366+",
    ]);
    for (const b of [...trials.body.distribution, ...ages.body.buckets])
      expect(Object.keys(b).sort()).toEqual(["count", "label"]);
  });

  test("400 naming the field: from after to, over 10 years, unknown case type, bad granularity", async () => {
    const fieldOf = async (query: string) => {
      const r = await call(t, "GET", `/api/measures/clearance?${query}`, { token: tokens.admin });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
      return r.body.error.details.map((d: { path: string }) => d.path);
    };
    expect(await fieldOf("from=2024-07-01&to=2024-06-30")).toEqual(["query.from"]);
    expect(await fieldOf("from=2010-01-01&to=2024-06-30")).toEqual(["query.from"]);
    expect(await fieldOf("caseType=parking")).toEqual(["query.caseType"]);
    expect(await fieldOf("granularity=week")).toEqual(["query.granularity"]);
    expect(await fieldOf("to=2024-02-30")).toEqual(["query.to"]);
  });

  test("text/csv by format=csv or by Accept", async () => {
    const r = await call(t, "GET", `/api/measures/clearance?${P}&granularity=quarter&format=csv`, {
      token: tokens.admin,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toStartWith("text/csv");
    // The dates it covers first, the filters applied last, on every row.
    expect(r.body).toBe(
      "from,to,period,incoming,outgoing,clearance_rate,filter_court_id,filter_case_type,filter_judge_id\r\n" +
        "2024-01-01,2024-06-30,2024-Q1,15,19,126.67,,,\r\n" +
        "2024-01-01,2024-06-30,2024-Q2,11,13,118.18,,,\r\n" +
        "2024-01-01,2024-06-30,total,26,32,123.08,,,\r\n",
    );
    const filtered = await call(
      t,
      "GET",
      `/api/measures/pending-age?${P}&courtId=2&caseType=felony&format=csv`,
      {
        token: tokens.admin,
      },
    );
    expect(filtered.body.split("\r\n").slice(0, 2)).toEqual([
      "as_of,group,label,active_pending,median_age_days,filter_court_id,filter_case_type,filter_judge_id",
      expect.stringMatching(/^2024-06-30,total,all,\d+,[\d.]*,2,felony,$/),
    ]);
    const trials = await call(t, "GET", `/api/measures/trial-date-certainty?${P}&format=csv`, {
      token: tokens.admin,
    });
    expect(trials.body).toBe(
      "from,to,cases_tried,settings_0,settings_1,settings_2,settings_3,settings_4_plus,first_setting_rate,mean_settings,filter_court_id,filter_case_type,filter_judge_id\r\n" +
        "2024-01-01,2024-06-30,7,1,1,3,1,1,16.67,2,,,\r\n",
    );
    const judges = await call(t, "GET", `/api/measures/judge-workload?${P}&format=csv`, {
      token: tokens.admin,
    });
    expect(judges.body.split("\r\n").slice(0, 2)).toEqual([
      "from,to,as_of,judge_id,judge_code,judge_name,incoming,outgoing,clearance_rate,active_pending,filter_court_id,filter_case_type,filter_judge_id",
      "2024-01-01,2024-06-30,2024-06-30,1,J1,Judge One,8,11,137.5,4,,,",
    ]);
    const summary = await call(t, "GET", `/api/measures/summary?${P}`, {
      token: tokens.admin,
      headers: { accept: "text/csv" },
    });
    expect(summary.body.split("\r\n")[4]).toBe(
      "2024-01-01,2024-06-30,2024-06-30,median_days_to_disposition,73.5,,,2023-07-03,2023-12-31,2023-12-31,,,",
    );
    for (const path of [
      "time-to-disposition",
      "pending-age",
      "backlog",
      "trial-date-certainty",
      "continuances",
      "caseflow",
      "judge-workload",
    ]) {
      const csv = await call(t, "GET", `/api/measures/${path}?${P}&format=csv`, { token: tokens.admin });
      expect({ path, status: csv.status, type: csv.headers.get("content-type") }).toEqual({
        path,
        status: 200,
        type: "text/csv; charset=utf-8",
      });
    }
  });
});
