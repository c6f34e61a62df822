import { type SQL, sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import type { CaseType } from "../../db/schema/enums";
import { markMeasuresRefreshedSql } from "./measures.freshness.repo";
import {
  applyCountDeltasSql,
  applyOpenPendingDeltasSql,
  applyTtdHistDeltasSql,
  COUNT_COLUMN_LIST,
  coarserSql,
  daySlicesSql,
  insertCountsSql,
  NEGATED_OLD,
  openPendingSql,
  ttdHistSql,
} from "./measures.rollups.counts.sql";
import {
  CASES_OF_REFRESH,
  CASES_TABLE,
  datesTableSql,
  insertCaseDaysSql,
  insertDispositionsSql,
  insertSpansSql,
  recordStandardsSql,
} from "./measures.rollups.sql";
import { intArray } from "./measures.sql";

/** pg_advisory_xact_lock key: refreshes run one at a time (see refreshMeasureRollups). */
export const MEASURE_REFRESH_LOCK_KEY = 7_246_150_302;

/**
 * Which cases to bring up to date: some cases, every case of some courts, every case of some case
 * types (after their time standard changed), or everything ({}).
 */
export type RollupScope = {
  caseIds?: readonly number[];
  courtIds?: readonly number[];
  caseTypes?: readonly CaseType[];
};

export interface RefreshResult {
  mode: "all" | "cases" | "courts" | "caseTypes";
  /** Cases recomputed. */
  cases: number;
  ms: number;
}

const CASE_SCOPE = sql`join _mr_cases t on t.case_id = a.case_id`;
const FACT_TABLES = ["measure_case_days", "measure_pending_spans", "measure_dispositions"] as const;
const TEMP_TABLES = [
  "_mr_cases",
  "_mr_dates",
  "_mr_old",
  "_mr_old_disp",
  "_mr_old_open",
  "_mr_day",
  "_mr_month",
  "_mr_year",
  "_mr_zero",
];

/**
 * Brings the measure rollups up to date with cases, case_activities and time_standards. Call it
 * after writing cases or activities (inside the writing transaction, or after it commits) with the
 * ids of the cases whose activities, court, case type, judge or disposition changed, or that were
 * deleted; after editing a time standard with `{ caseTypes }` (until then backlog queries read the
 * slower per-case spans, so figures are never stale). `{ courtIds }` recomputes every case of those
 * courts (and cases that were in them); `{}` rebuilds everything (truncating the rollups, which
 * blocks measure reads until it commits: for seeding and repair).
 *
 * A case's old contribution to measure_counts is subtracted from what was stored for it and the new
 * one added, so the cost follows the number of cases, not the size of the database. Refreshes take
 * one transaction-level advisory lock: two concurrent refreshes of the same case would otherwise
 * both subtract its old contribution. Runs at READ COMMITTED (the default), so that each statement
 * after the lock sees what the previous refresh committed.
 */
export async function refreshMeasureRollups(db: Database, scope: RollupScope = {}): Promise<RefreshResult> {
  const started = performance.now();
  const mode = scope.caseIds ? "cases" : scope.courtIds ? "courts" : scope.caseTypes ? "caseTypes" : "all";
  const keys = [...new Set<number | CaseType>(scope.caseIds ?? scope.courtIds ?? scope.caseTypes ?? [])];
  if (mode !== "all" && keys.length === 0) return { mode, cases: 0, ms: 0 };
  const cases = await db.transaction(async (tx) => {
    const run = (q: SQL) => tx.execute(q) as Promise<unknown>;
    await run(sql`select pg_advisory_xact_lock(${MEASURE_REFRESH_LOCK_KEY}::bigint)`);
    // The measures' dataAsOf (measures.freshness.repo.ts), committed with the refresh.
    await run(markMeasuresRefreshedSql());
    // Temp tables live until the outer commit; a caller refreshing twice in one transaction must not
    // trip over the previous call's tables.
    await run(sql.raw(`drop table if exists ${TEMP_TABLES.map((t) => `pg_temp.${t}`).join(", ")}`));
    if (mode === "all") return rebuildAll(run);
    // The cases to recompute with their current attributes (null when the case was deleted).
    await run(sql`
      create temp table _mr_cases (case_id int primary key, court_id int, case_type case_type,
        judge_id int, disposition disposition) on commit drop`);
    for (const statement of selectCasesSql(mode, keys)) await run(statement);
    return refreshSome(run);
  });
  return { mode, cases, ms: Math.round(performance.now() - started) };
}

/** Case ids with their current attributes (null when the case was deleted). */
function withAttributes(ids: SQL): SQL {
  return sql`
    select u.id, c.court_id, c.case_type, c.judge_id, c.disposition
    from (${ids}) u(id) left join cases c on c.id = u.id`;
}

/** Fills _mr_cases with the cases a scope covers, including those whose stored facts say they did. */
function selectCasesSql(mode: "cases" | "courts" | "caseTypes", keys: (number | CaseType)[]): SQL[] {
  if (mode === "cases")
    return [
      sql`insert into _mr_cases ${withAttributes(sql`select distinct unnest(${intArray(keys as number[])})`)}`,
    ];
  if (mode === "courts") {
    const ids = intArray(keys as number[]);
    return [
      sql`
        insert into _mr_cases ${withAttributes(sql`
          select id from cases where court_id = any(${ids})
          union
          select case_id from measure_case_days where court_id = any(${ids})`)}`,
    ];
  }
  const types = sql`${`{${(keys as CaseType[]).join(",")}}`}::case_type[]`;
  // The new standard is recorded first: every case of the types is recomputed against it.
  return [
    sql`delete from measure_backlog_standards where case_type = any(${types})`,
    recordStandardsSql(types),
    sql`
      insert into _mr_cases ${withAttributes(sql`
        select id from cases where case_type = any(${types})
        union
        select case_id from measure_case_days where case_type = any(${types})`)}`,
  ];
}

type Run = (q: SQL) => Promise<unknown>;

async function rebuildAll(run: Run): Promise<number> {
  const rollups = ["measure_counts", "measure_ttd_hist", "measure_open_pending", "measure_backlog_standards"];
  await run(sql.raw(`truncate ${[...FACT_TABLES, ...rollups].join(", ")}`));
  await run(recordStandardsSql());
  await run(datesTableSql(sql``));
  await run(insertCaseDaysSql(sql``, CASES_TABLE));
  await run(insertSpansSql(CASES_TABLE));
  await run(insertDispositionsSql(CASES_TABLE));
  // Inserted in key order, so that the rows a query reads sit together on disk.
  const ordered = { skipZero: false, ordered: true };
  await run(insertCountsSql(1, daySlicesSql(sql`select * from measure_case_days`, ordered)));
  await run(
    insertCountsSql(2, coarserSql(sql`select * from measure_counts where grain = 1`, "month", ordered)),
  );
  await run(
    insertCountsSql(3, coarserSql(sql`select * from measure_counts where grain = 2`, "year", ordered)),
  );
  await run(sql`
    insert into measure_ttd_hist (grain, bucket, case_type, days, n)
    ${ttdHistSql(sql`select disposed_on, case_type, days, 1 as n from measure_dispositions`, { skipZero: false })}`);
  await run(sql`
    insert into measure_open_pending (active_from, case_type, age_base, n)
    ${openPendingSql(sql`select *, 1 as n from measure_pending_spans`, { skipZero: false })}`);
  // Fresh planner statistics for the refilled tables: until autovacuum gets to them the planner
  // still sees the old row counts. After a 1 000 000-case seed it estimated 1 805 open spans for
  // 46 243, and a filtered first page of the case list took 474 ms alone and 2.8 s under load
  // (`bun run bench`), 15 ms once analyzed.
  await run(sql.raw(`analyze ${[...FACT_TABLES, ...rollups].join(", ")}`));
  const n = rowsOf<{ n: number }>(await run(sql`select count(*)::int as n from cases`));
  return Number(n[0]?.n ?? 0);
}

async function refreshSome(run: Run): Promise<number> {
  await run(sql`analyze _mr_cases`);
  const mine = (table: string) =>
    sql`select d.* from ${sql.identifier(table)} d join _mr_cases t on t.case_id = d.case_id`;

  // The old facts, kept before they are replaced: their contributions are subtracted below.
  await run(sql`create temp table _mr_old on commit drop as ${mine("measure_case_days")}`);
  await run(sql`create temp table _mr_old_disp on commit drop as ${mine("measure_dispositions")}`);
  await run(
    sql`create temp table _mr_old_open on commit drop as ${mine("measure_pending_spans")} where d.active_to is null`,
  );
  for (const table of FACT_TABLES)
    await run(sql`delete from ${sql.identifier(table)} where case_id in (select case_id from _mr_cases)`);

  await run(datesTableSql(CASE_SCOPE));
  await run(sql`analyze _mr_dates`);
  await run(insertCaseDaysSql(CASE_SCOPE, CASES_OF_REFRESH));
  await run(insertSpansSql(CASES_OF_REFRESH));
  await run(insertDispositionsSql(CASES_OF_REFRESH));

  // New minus old, per slice and grain; cells where nothing changed are skipped.
  const changes = sql`
    select d.case_id, d.day, d.court_id, d.case_type, d.judge_id, ${COUNT_COLUMN_LIST}
    from measure_case_days d join _mr_cases t on t.case_id = d.case_id
    union all ${NEGATED_OLD}`;
  const opts = { skipZero: true, ordered: false };
  await run(sql`create temp table _mr_day on commit drop as ${daySlicesSql(changes, opts)}`);
  await run(
    sql`create temp table _mr_month on commit drop as ${coarserSql(sql`select * from _mr_day`, "month", opts)}`,
  );
  await run(
    sql`create temp table _mr_year on commit drop as ${coarserSql(sql`select * from _mr_month`, "year", opts)}`,
  );
  await run(sql`create temp table _mr_zero (row_id tid) on commit drop`);
  const statements = [
    ...applyCountDeltasSql("_mr_day", 1),
    ...applyCountDeltasSql("_mr_month", 2),
    ...applyCountDeltasSql("_mr_year", 3),
    ...applyTtdHistDeltasSql(sql`
      select d.disposed_on, d.case_type, d.days, 1 as n from measure_dispositions d join _mr_cases t on t.case_id = d.case_id
      union all select disposed_on, case_type, days, -1 from _mr_old_disp`),
    ...applyOpenPendingDeltasSql(sql`
      select d.active_from, d.active_to, d.case_type, d.age_base, 1 as n
      from measure_pending_spans d join _mr_cases t on t.case_id = d.case_id where d.active_to is null
      union all select active_from, active_to, case_type, age_base, -1 from _mr_old_open`),
  ];
  for (const statement of statements) await run(statement);
  const n = rowsOf<{ n: number }>(await run(sql`select count(*)::int as n from _mr_cases`));
  return Number(n[0]?.n ?? 0);
}
