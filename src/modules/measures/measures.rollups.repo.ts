import { type SQL, sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import type { CaseType } from "../../db/schema/enums";
import { intArray } from "../../db/sql";
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
  /** How a full rebuild ({}) replaced the rollups (see rebuildAll); absent for the other modes. */
  strategy?: RebuildStrategy;
}

/**
 * How a full rebuild replaces the live rollups without blocking their readers:
 * - "swap": builds fresh tables in the schema measure_rebuild beside the live ones, then in one short
 *   step drops the live tables and moves the new ones into public (DDL: the schema owner only);
 * - "in-place": deletes and reinserts every row in the rebuild's transaction; readers keep reading
 *   the old rows (MVCC) until it commits. No DDL, so the API's runtime role can run it, but it leaves
 *   dead rows for autovacuum and is slower.
 */
export type RebuildStrategy = "swap" | "in-place";

export interface RefreshOptions {
  /** Full rebuild only: force a strategy (default: "swap" when the role may, else "in-place"). */
  strategy?: RebuildStrategy;
  /**
   * Full rebuild only: awaited once the new rollups are complete, before they replace the live
   * ones (tests hold a rebuild there to read the measures meanwhile).
   */
  beforeSwap?: () => Promise<void>;
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
 * courts (and cases that were in them); `{}` rebuilds everything (for seeding and repair, `bun run
 * measures:rebuild`) without blocking measure reads: see rebuildAll and RebuildStrategy.
 *
 * A case's old contribution to measure_counts is subtracted from what was stored for it and the new
 * one added, so the cost follows the number of cases, not the size of the database. Refreshes take
 * one transaction-level advisory lock: two concurrent refreshes of the same case would otherwise
 * both subtract its old contribution. Runs at READ COMMITTED (the default), so that each statement
 * after the lock sees what the previous refresh committed.
 */
export async function refreshMeasureRollups(
  db: Database,
  scope: RollupScope = {},
  opts: RefreshOptions = {},
): Promise<RefreshResult> {
  const started = performance.now();
  const mode = scope.caseIds ? "cases" : scope.courtIds ? "courts" : scope.caseTypes ? "caseTypes" : "all";
  const keys = [...new Set<number | CaseType>(scope.caseIds ?? scope.courtIds ?? scope.caseTypes ?? [])];
  if (mode !== "all" && keys.length === 0) return { mode, cases: 0, ms: 0 };
  let strategy: RebuildStrategy | undefined;
  const cases = await db.transaction(async (tx) => {
    const run = (q: SQL) => tx.execute(q) as Promise<unknown>;
    await run(sql`select pg_advisory_xact_lock(${MEASURE_REFRESH_LOCK_KEY}::bigint)`);
    // The measures' dataAsOf (measures.freshness.repo.ts), committed with the refresh.
    await run(markMeasuresRefreshedSql());
    // Temp tables live until the outer commit; a caller refreshing twice in one transaction must not
    // trip over the previous call's tables.
    await run(sql.raw(`drop table if exists ${TEMP_TABLES.map((t) => `pg_temp.${t}`).join(", ")}`));
    if (mode === "all") {
      strategy = opts.strategy ?? ((await maySwap(run)) ? "swap" : "in-place");
      return rebuildAll(run, strategy, opts.beforeSwap);
    }
    // The cases to recompute with their current attributes (null when the case was deleted).
    await run(sql`
      create temp table _mr_cases (case_id int primary key, court_id int, case_type case_type,
        judge_id int, disposition disposition) on commit drop`);
    for (const statement of selectCasesSql(mode, keys)) await run(statement);
    return refreshSome(run);
  });
  return { mode, cases, ms: Math.round(performance.now() - started), ...(strategy ? { strategy } : {}) };
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

export const ROLLUP_TABLES = [
  ...FACT_TABLES,
  "measure_counts",
  "measure_ttd_hist",
  "measure_open_pending",
  "measure_backlog_standards",
] as const;
/**
 * VACUUM of the rollup tables after a full rebuild or a bulk load. Their new rows are not marked
 * all-visible until autovacuum gets there, and until then the measures' index-only scans visit the
 * heap for every row: at 4 000 000 cases the all-court measures measured several times slower right
 * after a seed than after this. Not inside a transaction (VACUUM refuses one).
 */
export async function vacuumRollups(db: Database): Promise<void> {
  await db.execute(sql.raw(`vacuum ${ROLLUP_TABLES.join(", ")}`));
}

/** Where a "swap" rebuild builds the new rollups; it exists only inside the rebuild's transaction. */
export const REBUILD_SCHEMA = "measure_rebuild";

const rowsOfRun = async <T>(run: Run, q: SQL) => rowsOf<T>(await run(q));

/** "swap" needs DDL: creating a schema, and owning (being a member of the owner of) every rollup table. */
async function maySwap(run: Run): Promise<boolean> {
  const [r] = await rowsOfRun<{ ok: boolean }>(
    run,
    sql`select has_database_privilege(current_database(), 'CREATE')
      and bool_and(pg_has_role(current_user, c.relowner, 'USAGE')) as ok
      from pg_class c where c.oid = any(${`{${ROLLUP_TABLES.map((t) => `public.${t}`).join(",")}}`}::regclass[])`,
  );
  return Boolean(r?.ok);
}

/**
 * Rebuilds every rollup from cases, case_activities and time_standards, in one transaction that holds
 * the refresh lock throughout: incremental refreshes queue behind it and run on the new rollups once
 * it commits (a case changed meanwhile is recomputed by its own refresh then), so none is lost.
 * Measure reads never wait for the build: with "swap" they read the untouched live tables until the
 * swap, which takes an ACCESS EXCLUSIVE lock for the few milliseconds of dropping and moving tables;
 * with "in-place" they read the old row versions until the commit. Either way a reader sees the old
 * figures or the new ones, never a mix or an empty table.
 */
async function rebuildAll(
  run: Run,
  strategy: RebuildStrategy,
  beforeSwap?: () => Promise<void>,
): Promise<number> {
  // Minutes at a million cases: the pool's per-statement timeout would cancel it.
  await run(sql`set local statement_timeout = 0`);
  const [path] = await rowsOfRun<{ p: string }>(run, sql`select current_setting('search_path') as p`);
  if (strategy === "swap") {
    await run(sql.raw(`drop schema if exists ${REBUILD_SCHEMA} cascade`));
    await run(sql.raw(`create schema ${REBUILD_SCHEMA}`));
    // Columns, defaults, NOT NULL and CHECK constraints; the indexes come after the load (faster).
    for (const t of ROLLUP_TABLES)
      await run(
        sql.raw(
          `create table ${REBUILD_SCHEMA}.${t} (like public.${t} including defaults including constraints)`,
        ),
      );
    // The unqualified rollup names of the SQL below now resolve to the new tables; cases and
    // case_activities (and the case_type enum) still resolve to public.
    await run(sql.raw(`set local search_path to ${REBUILD_SCHEMA}, public`));
  } else {
    // Not TRUNCATE: it would lock the tables against readers until the commit.
    for (const t of ROLLUP_TABLES) await run(sql.raw(`delete from public.${t}`));
  }
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
  if (strategy === "swap") await indexLikeLive(run);
  // Fresh planner statistics for the refilled tables: until autovacuum gets to them the planner
  // still sees the old row counts. After a 1 000 000-case seed it estimated 1 805 open spans for
  // 46 243, and a filtered first page of the case list took 474 ms alone and 2.8 s under load
  // (`bun run bench`), 15 ms once analyzed.
  await run(sql.raw(`analyze ${ROLLUP_TABLES.join(", ")}`));
  await run(sql`select set_config('search_path', ${path?.p ?? "public"}, true)`);
  await beforeSwap?.();
  if (strategy === "swap") await swapIn(run);
  const n = rowsOf<{ n: number }>(await run(sql`select count(*)::int as n from cases`));
  return Number(n[0]?.n ?? 0);
}

/**
 * Gives each new table the live one's primary key, unique constraints and indexes under the same
 * names (names are per schema, so they do not collide), its owner and its grants (the runtime role's).
 */
async function indexLikeLive(run: Run): Promise<void> {
  for (const t of ROLLUP_TABLES) {
    const live = sql.raw(`'public.${t}'::regclass`);
    const constraints = await rowsOfRun<{ name: string; def: string }>(
      run,
      sql`select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
        where conrelid = ${live} and contype in ('p', 'u') order by conname`,
    );
    for (const c of constraints)
      await run(sql.raw(`alter table ${REBUILD_SCHEMA}.${t} add constraint "${c.name}" ${c.def}`));
    const indexes = await rowsOfRun<{ def: string }>(
      run,
      sql`select pg_get_indexdef(i.indexrelid) as def from pg_index i
        where i.indrelid = ${live}
          and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.conrelid = ${live})
        order by 1`,
    );
    const on = new RegExp(`\\sON\\s+(?:ONLY\\s+)?(?:"?public"?\\.)?"?${t}"?\\s+USING\\s`);
    for (const { def } of indexes) {
      if (!on.test(def)) throw new Error(`rebuild: unexpected index definition on ${t}: ${def}`);
      await run(sql.raw(def.replace(on, ` ON ${REBUILD_SCHEMA}.${t} USING `)));
    }
    const [owner] = await rowsOfRun<{ owner: string; mine: boolean }>(
      run,
      sql`select quote_ident(pg_get_userbyid(relowner)) as owner, relowner = (select oid from pg_roles where rolname = current_user) as mine
        from pg_class where oid = ${live}`,
    );
    if (owner && !owner.mine)
      await run(sql.raw(`alter table ${REBUILD_SCHEMA}.${t} owner to ${owner.owner}`));
    const grants = await rowsOfRun<{ grantee: string; privilege: string; grantable: boolean }>(
      run,
      sql`select case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end as grantee,
          a.privilege_type as privilege, a.is_grantable as grantable
        from pg_class c cross join lateral aclexplode(c.relacl) a
        where c.oid = ${live} and a.grantee <> c.relowner`,
    );
    for (const g of grants)
      await run(
        sql.raw(
          `grant ${g.privilege} on ${REBUILD_SCHEMA}.${t} to ${g.grantee}${g.grantable ? " with grant option" : ""}`,
        ),
      );
  }
}

/** Short waits for the live tables' lock, so readers never queue long behind the swap. */
const SWAP_LOCK_TIMEOUT_MS = 500;
const SWAP_ATTEMPTS = 20;

/**
 * Replaces the live rollups with the new ones: one ACCESS EXCLUSIVE lock on all of them, then drop and
 * move (catalog changes only, milliseconds at any size). Readers that arrive meanwhile wait for those
 * milliseconds and then read the new tables. A long-running read holding a live table makes the lock
 * wait time out after SWAP_LOCK_TIMEOUT_MS (readers queued behind the request go ahead) and the swap
 * is tried again; the last attempt waits as long as it takes.
 */
async function swapIn(run: Run): Promise<void> {
  const tables = ROLLUP_TABLES.map((t) => `public.${t}`).join(", ");
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= SWAP_ATTEMPTS;
    await run(sql.raw("savepoint measure_swap"));
    try {
      await run(sql.raw(`set local lock_timeout = ${last ? 0 : SWAP_LOCK_TIMEOUT_MS}`));
      await run(sql.raw(`lock table ${tables} in access exclusive mode`));
      break;
    } catch (err) {
      if (last || !isLockTimeout(err)) throw err;
      await run(sql.raw("rollback to savepoint measure_swap"));
      await Bun.sleep(200 * attempt);
    }
  }
  await run(sql.raw("set local lock_timeout = 0"));
  await run(sql.raw(`drop table ${tables}`));
  for (const t of ROLLUP_TABLES) await run(sql.raw(`alter table ${REBUILD_SCHEMA}.${t} set schema public`));
  await run(sql.raw(`drop schema ${REBUILD_SCHEMA}`));
  await run(sql.raw("release savepoint measure_swap"));
}

function isLockTimeout(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === "55P03") return true;
  return false;
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
