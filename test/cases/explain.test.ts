import { afterAll, beforeAll, expect, test } from "bun:test";
import { type SQL, sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import type { CaseType } from "../../src/db/schema/enums";
import { addDays } from "../../src/lib/dates";
import { type CaseFilters, caseCountSql, casePageSql } from "../../src/modules/cases/cases.query";
import { caseDetailSql } from "../../src/modules/cases/cases.repo";
import type { CaseSort } from "../../src/modules/cases/cases.schemas";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetData, seedStandards } from "../helpers/case-data";
import { freezeToday } from "../helpers/clock";
import { describePgRedis } from "../helpers/guards";

// The plans of the list's common filters on a table large enough for the planner to care: 120 000
// cases over 60 courts, a third of them with an open pending span. Sequential scans stay enabled,
// so an index is used only where PostgreSQL itself judges it cheaper, as it would in production.

const CASES = 120_000;
const today = freezeToday();

describePgRedis("case list query plans use indexes", () => {
  let t: TestApp;
  // Courts 2..60 are the trial courts below the root (ids restart at 1 after the reset).
  const courtIds = [2, 3, 4, 5];

  beforeAll(async () => {
    // Bulk set-up statements may outlast the per-query timeout on a busy machine.
    t = await createTestApp({ env: { DATABASE_QUERY_TIMEOUT_MS: "0" } });
    await resetData(t);
    const db = t.deps.db.db;
    await seedStandards(db);
    await db.execute(
      sql`insert into courts (code, name, level, parent_id) values ('ROOT', 'Root', 'supreme', null)`,
    );
    await db.execute(sql`
      insert into courts (code, name, level, parent_id)
      select 'C' || g, 'Court ' || g, 'trial', 1 from generate_series(1, 59) g`);
    await db.execute(sql`
      insert into judges (code, name, court_id)
      select 'J' || g, 'Judge ' || g, 2 + (g % 59) from generate_series(1, 300) g`);
    await db.execute(sql`
      insert into cases (court_id, case_number, case_type, filed_on, status, judge_id, disposed_on)
      select 2 + (g % 59), 'C' || (2 + g % 59) || '-' || lpad(g::text, 8, '0'),
        (enum_range(null::case_type))[1 + g % 11], ${today}::date - (g % 3650),
        (array['active', 'inactive', 'disposed'])[1 + (g / 7) % 3]::case_status, 1 + g % 300,
        case when (g / 7) % 3 = 2 then ${today}::date - (g % 3650) + (g % 300) end
      from generate_series(1, ${CASES}::int) g`);
    // Derived spans as refreshMeasureRollups writes them: closed history for every case, an open span
    // for the active ones.
    await db.execute(sql`
      insert into measure_pending_spans (case_id, active_from, active_to, age_base, len_class, court_id, case_type, judge_id)
      select id, filed_on, filed_on + 30, filed_on, 1, court_id, case_type, coalesce(judge_id, 0) from cases`);
    await db.execute(sql`
      insert into measure_pending_spans (case_id, active_from, active_to, age_base, len_class, court_id, case_type, judge_id)
      select id, filed_on + 60, null, filed_on + (id % 40), 9, court_id, case_type, coalesce(judge_id, 0)
      from cases where status = 'active' and filed_on + 60 <= ${today}::date`);
    await db.execute(sql`
      insert into case_activities (case_id, court_id, type, occurred_on)
      select id, court_id, 'filed', filed_on from cases where id % 10 = 0`);
    await db.execute(
      sql`analyze courts, judges, cases, measure_pending_spans, case_activities, time_standards`,
    );
  }, 120_000);
  afterAll(async () => {
    await resetData(t);
    await t.close();
  });

  async function plan(query: SQL): Promise<string> {
    const rows = rowsOf<Record<string, string>>(await t.deps.db.db.execute(sql`explain ${query}`));
    return rows.map((r) => Object.values(r)[0]).join("\n");
  }

  const maxDays: Partial<Record<CaseType, number>> = { felony: 365, traffic: 90, probate: 720 };
  const filters = (f: Partial<CaseFilters>): CaseFilters => ({ courtIds: null, today, maxDays, ...f });

  const cases: [string, Partial<CaseFilters>, CaseSort][] = [
    ["no filter, newest first (the default page)", {}, "-filedOn"],
    [
      "court + filed range",
      { courtIds: courtIds.slice(0, 2), filedFrom: addDays(today, -400), filedTo: addDays(today, -100) },
      "-filedOn",
    ],
    ["court + status", { courtIds: courtIds.slice(0, 1), status: "inactive" }, "-filedOn"],
    ["court + status, by case number", { courtIds: courtIds.slice(0, 3), status: "active" }, "caseNumber"],
    ["judge", { judgeId: 17 }, "-filedOn"],
    ["judge + status", { judgeId: 17, status: "active" }, "filedOn"],
    ["case number prefix", { search: "C7-0001" }, "caseNumber"],
    ["case number prefix, newest first", { search: "c7-0001" }, "-filedOn"],
    ["age range", { minAgeDays: 200, maxAgeDays: 400 }, "-ageDays"],
    ["age range, youngest first", { minAgeDays: 200 }, "ageDays"],
    ["court + age range", { courtIds: courtIds.slice(0, 1), minAgeDays: 100 }, "-filedOn"],
    ["over standard", { overStandard: true }, "-ageDays"],
    ["over standard in a court", { overStandard: true, courtIds: courtIds.slice(0, 2) }, "-filedOn"],
    ["no filter, oldest first", {}, "-ageDays"],
    ["disposed range", { disposedFrom: addDays(today, -30), disposedTo: today }, "-filedOn"],
  ];

  for (const [name, f, sort] of cases) {
    test(`${name} (sort ${sort}): no sequential scan of cases or spans`, async () => {
      const phase = sort === "ageDays" || sort === "-ageDays" ? "aged" : "all";
      const first = await plan(casePageSql(filters(f), sort, phase, null, 51));
      expect(first).not.toContain("Seq Scan on cases");
      expect(first).not.toContain("Seq Scan on measure_pending_spans");
      expect(first).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
      // A later page: the keyset condition must stay an index condition.
      const key =
        sort === "caseNumber"
          ? "c7-00010000"
          : phase === "aged"
            ? addDays(today, -300)
            : addDays(today, -200);
      const next = await plan(casePageSql(filters(f), sort, phase, { s: sort, k: key, i: 60_000 }, 51));
      expect(next).not.toContain("Seq Scan on cases");
      expect(next).not.toContain("Seq Scan on measure_pending_spans");
    });
  }

  test("the cases without an age (second part of an age sort) are found by index", async () => {
    const p = await plan(casePageSql(filters({}), "ageDays", "rest", { s: "ageDays", k: null, i: 1000 }, 51));
    expect(p).not.toContain("Seq Scan on cases");
  });

  test("a case's detail reads by primary key and an index of the case's activities", async () => {
    const p = await plan(caseDetailSql(12_345, [2, 3, 4]));
    expect(p).toContain("Index Scan using cases_pkey on cases");
    expect(p).toMatch(/Index Scan using case_activities_\w+ on case_activities/);
    expect(p).not.toContain("Seq Scan on cases");
    expect(p).not.toContain("Seq Scan on case_activities");
    // Court and judge looked up for the one case (nested loops), never by hashing both whole tables,
    // which is what a plain join of the three gave (a third more PostgreSQL CPU per request, pgbench).
    expect(p).not.toContain("Hash");
    expect(p).toMatch(/Nested Loop Left Join/);
  });

  test("includeTotal with a court filter counts through an index", async () => {
    const p = await plan(caseCountSql(filters({ courtIds: [2], status: "active" })));
    expect(p).not.toContain("Seq Scan on cases");
  });
});
