import { type SQL, sql } from "drizzle-orm";

// The SQL that sums the per-case facts into the shared rollups (measure_counts, measure_ttd_hist,
// measure_open_pending), for the full rebuild and for deltas (new facts minus old facts).

/**
 * The counters of measure_case_days and measure_counts, listed once (test/measures/count-columns.test.ts
 * checks them against both tables). Every statement names its columns, so this order is the one the
 * SQL uses, not necessarily the tables' (a later migration's columns come last there).
 */
export const COUNT_COLUMNS = [
  "filed",
  "reopened",
  "reactivated",
  "placed_inactive",
  "disposed",
  "pending_net",
  "backlog_net",
  "t90_count",
  "t90_within",
  "hearings",
  "continued",
] as const;

export type CountColumn = (typeof COUNT_COLUMNS)[number];

export const COUNT_COLUMN_LIST = sql.raw(COUNT_COLUMNS.join(", "));

/**
 * One row's counters in table order, each named (`… as filed, …`), 0 for those not given: the
 * branches of a UNION that each feed a few counters are written as `counts({ pending_net: 1 })`, so a
 * new counter is added to COUNT_COLUMNS and nowhere else.
 */
export function counts(values: Partial<Record<CountColumn, SQL | number>>): SQL {
  return sql.join(
    COUNT_COLUMNS.map((c) => {
      const v = values[c];
      return sql`${v === undefined ? sql.raw("0") : typeof v === "number" ? sql.raw(String(v)) : v} as ${sql.raw(c)}`;
    }),
    sql`, `,
  );
}
const SUMS = sql.raw(COUNT_COLUMNS.map((c) => `sum(${c})::int as ${c}`).join(", "));
export const SUMS_OF_X = sql.raw(COUNT_COLUMNS.map((c) => `sum(x.${c})`).join(", "));
const NON_ZERO = sql.raw(COUNT_COLUMNS.map((c) => `sum(${c}) <> 0`).join(" or "));
const ADD_EXCLUDED = sql.raw(
  COUNT_COLUMNS.map((c) => `${c} = measure_counts.${c} + excluded.${c}`).join(", "),
);
const ALL_ZERO = sql.raw(COUNT_COLUMNS.map((c) => `${c} = 0`).join(" and "));
/** Old facts negated, shaped like measure_case_days (the table _mr_old is a copy of its rows). */
export const NEGATED_OLD = sql.raw(
  `select case_id, day, court_id, case_type, judge_id, ${COUNT_COLUMNS.map((c) => `-${c} as ${c}`).join(", ")} from _mr_old`,
);

/**
 * Day rows of measure_counts from rows shaped like measure_case_days, in the four slices: every row
 * counts for (all judges, all types), (all judges, its type), and when the case has a judge also for
 * (its judge, all types) and (its judge, its type). A case without a judge is only in the all-judges
 * slices, so it is never counted twice there. `having` drops cells where the rows cancel out.
 */
export function daySlicesSql(source: SQL, opts: { skipZero: boolean; ordered: boolean }): SQL {
  return sql`
    select day as bucket, j.judge_id, t.case_type, x.court_id, ${SUMS}
    from (${source}) x
    cross join lateral (values (1, null::int), (2, x.judge_id)) j(k, judge_id)
    cross join lateral (values (null::case_type), (x.case_type)) t(case_type)
    where j.k = 1 or x.judge_id is not null
    group by day, j.judge_id, t.case_type, x.court_id
    ${opts.skipZero ? sql`having ${NON_ZERO}` : sql``}
    ${opts.ordered ? sql`order by j.judge_id, t.case_type, day, x.court_id` : sql``}`;
}

/** Rows of one grain summed into the next (day → month, month → year). */
export function coarserSql(
  source: SQL,
  unit: "month" | "year",
  opts: { skipZero: boolean; ordered: boolean },
): SQL {
  const bucket = sql.raw(`date_trunc('${unit}', bucket::timestamp)::date`);
  return sql`
    select ${bucket} as bucket, judge_id, case_type, court_id, ${SUMS}
    from (${source}) x
    group by 1, judge_id, case_type, court_id
    ${opts.skipZero ? sql`having ${NON_ZERO}` : sql``}
    ${opts.ordered ? sql`order by judge_id, case_type, 1, court_id` : sql``}`;
}

/** Inserts the rows of a select (bucket, judge_id, case_type, court_id, counts…) as one grain. */
export function insertCountsSql(grain: number, select: SQL): SQL {
  return sql`
    insert into measure_counts (grain, bucket, judge_id, case_type, court_id, ${COUNT_COLUMN_LIST})
    select ${grain}::smallint, * from (${select}) x`;
}

/**
 * Adds a table of (bucket, judge_id, case_type, court_id, counts…) deltas to one grain of
 * measure_counts, then removes the cells that came down to zero (a case moved out of them). The
 * ctid returned is that of the row version just written: stable, as refreshes hold the advisory lock.
 */
export function applyCountDeltasSql(deltaTable: string, grain: number): SQL[] {
  const table = sql.identifier(deltaTable);
  return [
    sql`
      with up as (
        insert into measure_counts (grain, bucket, judge_id, case_type, court_id, ${COUNT_COLUMN_LIST})
        select ${grain}::smallint, bucket, judge_id, case_type, court_id, ${COUNT_COLUMN_LIST} from ${table}
        -- In the unique index's order: each index page is visited once, not once per row. A 100 000-
        -- case import's 730 000 day cells went in 1.5x faster than in arbitrary order.
        order by judge_id, case_type, bucket, court_id
        on conflict on constraint measure_counts_key_uq do update set ${ADD_EXCLUDED}
        returning ctid, ${ALL_ZERO} as zero
      )
      insert into _mr_zero select ctid from up where zero`,
    sql`delete from measure_counts where ctid = any(array(select row_id from _mr_zero))`,
    sql`truncate _mr_zero`,
  ];
}

/**
 * Days to disposition per month and year, per case type and for all types (null), over all courts
 * and judges, from rows (disposed_on, case_type, days, n).
 */
export function ttdHistSql(source: SQL, opts: { skipZero: boolean }): SQL {
  return sql`
    select g.grain::smallint as grain,
      case g.grain when 2 then date_trunc('month', x.disposed_on::timestamp)::date
        else date_trunc('year', x.disposed_on::timestamp)::date end as bucket,
      t.case_type, x.days, sum(x.n)::int as n
    from (${source}) x
    cross join (values (2), (3)) g(grain)
    cross join lateral (values (null::case_type), (x.case_type)) t(case_type)
    where x.days is not null
    group by 1, 2, t.case_type, x.days
    ${opts.skipZero ? sql`having sum(x.n) <> 0` : sql``}
    order by 1, 2, t.case_type, x.days`;
}

export function applyTtdHistDeltasSql(source: SQL): SQL[] {
  return [
    sql`
      with up as (
        insert into measure_ttd_hist (grain, bucket, case_type, days, n)
        ${ttdHistSql(source, { skipZero: true })}
        on conflict on constraint measure_ttd_hist_key_uq do update set n = measure_ttd_hist.n + excluded.n
        returning ctid, n = 0 as zero
      )
      insert into _mr_zero select ctid from up where zero`,
    sql`delete from measure_ttd_hist where ctid = any(array(select row_id from _mr_zero))`,
    sql`truncate _mr_zero`,
  ];
}

/** Open spans (active_to null) counted per start, case type and age base, from spans-shaped rows. */
export function openPendingSql(source: SQL, opts: { skipZero: boolean }): SQL {
  return sql`
    select active_from, case_type, age_base, sum(n)::int as n
    from (${source}) x
    where active_to is null
    group by active_from, case_type, age_base
    ${opts.skipZero ? sql`having sum(n) <> 0` : sql``}`;
}

export function applyOpenPendingDeltasSql(source: SQL): SQL[] {
  return [
    sql`
      with up as (
        insert into measure_open_pending (active_from, case_type, age_base, n)
        ${openPendingSql(source, { skipZero: true })}
        on conflict (active_from, case_type, age_base) do update set n = measure_open_pending.n + excluded.n
        returning ctid, n = 0 as zero
      )
      insert into _mr_zero select ctid from up where zero`,
    sql`delete from measure_open_pending where ctid = any(array(select row_id from _mr_zero))`,
    sql`truncate _mr_zero`,
  ];
}
