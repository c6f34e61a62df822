import { type SQL, sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { readDb } from "../../db/replicas";
import type { CaseType } from "../../db/schema/enums";
import { intArray } from "../../db/sql";
import { decompose, MEASURE_GRAIN } from "./measures.grains";
import { keyFilter, piecesFilter } from "./measures.sql";
import type { KeyFilters } from "./measures.types";

// Queries over measure_dispositions: one row per disposed event, its days to disposition worked out
// at refresh time. `disposed_on between from and to` includes both ends of the period.

export interface TierCount {
  percent: number;
  days: number;
  /** Dispositions with days <= the tier's days. */
  within: number;
}

export interface DispositionStats {
  /** null on the row for all case types together. */
  caseType: CaseType | null;
  count: number;
  sumDays: number;
  /** The two middle values (equal for an odd count). */
  medianLow: number;
  medianHigh: number;
  /** Nearest rank: the ceil(0.9 n)-th smallest. */
  p90: number;
  /** Time-standard tiers of the case type in ascending percent; [] on the total row. */
  tiers: TierCount[];
}

/**
 * (case_type, days, n) of the dispositions in from..to, per case type or (allTypes) for all types
 * together with case_type null. Without a court or judge filter, whole months and years come from
 * measure_ttd_hist and only the ragged days at the ends from measure_dispositions; with one,
 * everything comes from measure_dispositions (the filter keeps it small).
 */
function histogramSql(f: KeyFilters, from: string, to: string, opts: { allTypes: boolean }): SQL {
  const typeOut = opts.allTypes ? sql`null::case_type` : sql`case_type`;
  if (f.courtIds !== null || f.judgeId !== undefined) {
    return sql`
      select ${typeOut} as case_type, days, count(*)::int as n
      from measure_dispositions
      where disposed_on between ${from}::date and ${to}::date and days is not null and ${keyFilter(f)}
      group by 1, days`;
  }
  const typeFilter = f.caseType === undefined ? sql`true` : sql`case_type = ${f.caseType}::case_type`;
  // The histogram holds per-type rows and all-types rows (case_type null): read exactly one kind.
  const histRows =
    f.caseType !== undefined
      ? sql`case_type = ${f.caseType}::case_type`
      : opts.allTypes
        ? sql`case_type is null`
        : sql`case_type is not null`;
  const pieces = decompose(from, to, MEASURE_GRAIN.year);
  const days = pieces.filter((p) => p.grain === MEASURE_GRAIN.day);
  const whole = pieces.filter((p) => p.grain !== MEASURE_GRAIN.day);
  // One index-only range of measure_dispositions_date_idx per ragged end, hence union all.
  const edges = days.map(
    (p) => sql`
      select case_type, days, 1 as n from measure_dispositions
      where disposed_on between ${p.from}::date and ${p.to}::date and days is not null and ${typeFilter}`,
  );
  return sql`
    select ${typeOut} as case_type, days, sum(n)::int as n from (
      select case_type, days, n from measure_ttd_hist where ${piecesFilter(whole)} and ${histRows}
      ${edges.length ? sql`union all ${sql.join(edges, sql` union all `)}` : sql``}
    ) x
    group by 1, days`;
}

/** Cumulative counts over a (case_type, days, n) histogram: the two middle values and the p90. */
const MEDIANS = sql`
  -- Ranks floor((n+1)/2) and floor(n/2)+1: the middle value twice for odd n, the two middle ones for even n.
  min(days) filter (where upto >= (total + 1) / 2) as median_low,
  min(days) filter (where upto >= total / 2 + 1) as median_high,
  -- ceil(0.9 n) in integer arithmetic: (9n + 9) / 10 rounded down.
  min(days) filter (where upto >= (9 * total + 9) / 10) as p90`;

/**
 * null when the listed courts are every court (e.g. a courtId filter on the root court), so that such
 * a query takes the unfiltered path of histogramSql.
 */
export async function simplifyCourtIds(db: Database, courtIds: number[] | null): Promise<number[] | null> {
  if (courtIds === null || courtIds.length === 0) return courtIds;
  const rows = rowsOf<{ missing: number }>(
    await readDb(db).execute(
      sql`select count(*)::int as missing from courts where not (id = any(${intArray(courtIds)}))`,
    ),
  );
  return Number(rows[0]?.missing ?? 1) === 0 ? null : courtIds;
}

/** Time to disposition of the disposed events in from..to, per case type and in total. */
export async function dispositionStats(
  db: Database,
  f: KeyFilters,
  from: string,
  to: string,
): Promise<DispositionStats[]> {
  const scoped = { ...f, courtIds: await simplifyCourtIds(db, f.courtIds) };
  const rows = rowsOf<Record<string, unknown>>(
    await readDb(db).execute(sql`
      with hist as (
        -- A histogram per case type (a few hundred distinct day values), not one row per case:
        -- medians and percentiles are read off its running counts.
        ${histogramSql(scoped, from, to, { allTypes: false })}
      ),
      both_levels as (
        select case_type, 0 as is_total, days, n from hist
        union all
        select null, 1, days, sum(n)::int from hist group by days
      ),
      cum as (
        select case_type, is_total, days, n,
          sum(n) over (partition by is_total, case_type order by days) as upto,
          sum(n) over (partition by is_total, case_type) as total
        from both_levels
      ),
      stats as (
        select case_type, is_total, max(total)::int as count,
          sum(days::float8 * n) as sum_days, ${MEDIANS}
        from cum
        group by is_total, case_type
      ),
      tier_counts as (
        select t.case_type, t.percent, t.days,
          coalesce(sum(hist.n) filter (where hist.days <= t.days), 0)::int as within
        from time_standards t join hist on hist.case_type = t.case_type
        group by t.case_type, t.percent, t.days
      ),
      tiers as (
        select case_type,
          json_agg(json_build_object('percent', percent, 'days', days, 'within', within) order by percent) as tiers
        from tier_counts
        group by case_type
      )
      select stats.case_type::text as "caseType", stats.is_total as "isTotal", stats.count as "count",
        stats.sum_days as "sumDays", stats.median_low as "medianLow", stats.median_high as "medianHigh",
        stats.p90 as "p90", tiers.tiers as "tiers"
      from stats left join tiers on tiers.case_type = stats.case_type and stats.is_total = 0`),
  );
  return rows.map((r) => ({
    caseType: Number(r.isTotal) === 1 ? null : (r.caseType as CaseType),
    count: Number(r.count),
    sumDays: Number(r.sumDays),
    medianLow: Number(r.medianLow),
    medianHigh: Number(r.medianHigh),
    p90: Number(r.p90),
    tiers: parseTiers(r.tiers),
  }));
}

function parseTiers(value: unknown): TierCount[] {
  const list = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(list)) return [];
  return list.map((t: { percent: unknown; days: unknown; within: unknown }) => ({
    percent: Number(t.percent),
    days: Number(t.days),
    within: Number(t.within),
  }));
}

/** The two middle days to disposition of all dispositions in from..to (the summary's median). */
export async function dispositionMedian(
  db: Database,
  f: KeyFilters,
  from: string,
  to: string,
): Promise<{ low: number; high: number } | null> {
  const scoped = { ...f, courtIds: await simplifyCourtIds(db, f.courtIds) };
  const rows = rowsOf<{ median_low: number | null; median_high: number | null }>(
    await readDb(db).execute(sql`
      with hist as (${histogramSql(scoped, from, to, { allTypes: true })}),
      cum as (
        select days, sum(n) over (order by days) as upto, sum(n) over () as total from hist
      )
      select ${MEDIANS} from cum`),
  );
  const r = rows[0];
  if (!r || r.median_low === null || r.median_high === null) return null;
  return { low: Number(r.median_low), high: Number(r.median_high) };
}
