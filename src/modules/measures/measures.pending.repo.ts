import { type SQL, sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { readDb } from "../../db/replicas";
import type { CaseType } from "../../db/schema/enums";
import { decompose, MEASURE_GRAIN } from "./measures.grains";
import { SPAN_CLASS_MAX_DAYS, SPAN_OPEN_CLASS } from "./measures.rollups.sql";
import { keyFilter, piecesFilter, sliceFilter } from "./measures.sql";
import type { KeyFilters } from "./measures.types";

// The active pending caseload at a date, from measure_pending_spans: a case is active pending at D
// when one of its spans has active_from <= D < active_to (active_to exclusive: the closing event's
// day is no longer pending), and its age at D is D - age_base whole days.

/** Upper bounds of the age buckets of docs/measures.md (inclusive), the last one open. */
export const AGE_BUCKETS = [
  { label: "0-30", max: 30 },
  { label: "31-60", max: 60 },
  { label: "61-90", max: 90 },
  { label: "91-180", max: 180 },
  { label: "181-365", max: 365 },
  { label: "366+", max: null },
] as const;

export interface PendingAges {
  /** null on the row for all case types together. */
  caseType: CaseType | null;
  activePending: number;
  /** The two middle ages (equal for an odd count). */
  medianLow: number;
  medianHigh: number;
  /** Counts per AGE_BUCKETS entry. */
  buckets: number[];
}

export interface PendingBacklog {
  caseType: CaseType;
  activePending: number;
  /** Largest time-standard tier of the case type; null without a standard. */
  standardDays: number | null;
  /** Pending cases older than standardDays (0 without a standard). */
  backlog: number;
}

/**
 * (case_type, age_base, n) of the spans active at D. One index range per length class: a span of
 * class c lasts at most SPAN_CLASS_MAX_DAYS[c] days, so if it is active at D it started in
 * (D - max, D], which keeps the rows read close to the rows returned whatever D is (a plain
 * active_from <= D would read all history). Without a court or judge filter the spans still open
 * come pre-counted from measure_open_pending (most of the caseload at a recent date).
 */
function activeSpans(on: string, f: KeyFilters): SQL {
  const perClass = SPAN_CLASS_MAX_DAYS.map(
    (max, c) => sql`
      select case_type, age_base, 1 as n from measure_pending_spans
      where len_class = ${c}::smallint and active_from > ${on}::date - ${max}::int and active_from <= ${on}::date
        and active_to > ${on}::date and ${keyFilter(f)}`,
  );
  if (f.courtIds !== null || f.judgeId !== undefined) {
    const open = sql`
      select case_type, age_base, 1 as n from measure_pending_spans
      where len_class = ${SPAN_OPEN_CLASS}::smallint and active_from <= ${on}::date
        and (active_to is null or active_to > ${on}::date) and ${keyFilter(f)}`;
    return sql.join([...perClass, open], sql` union all `);
  }
  const longClosed = sql`
      select case_type, age_base, 1 as n from measure_pending_spans
      where len_class = ${SPAN_OPEN_CLASS}::smallint and active_from <= ${on}::date
        and active_to > ${on}::date and ${keyFilter(f)}`;
  const open = sql`
      select case_type, age_base, n from measure_open_pending
      where active_from <= ${on}::date and ${keyFilter(f)}`;
  return sql.join([...perClass, longClosed, open], sql` union all `);
}

/** Per case type and in total: count, the two middle ages and the age buckets at `on`. */
export async function pendingAgesAt(db: Database, f: KeyFilters, on: string): Promise<PendingAges[]> {
  const bucketCols = sql.join(
    AGE_BUCKETS.map((b, i) => {
      const lower = i === 0 ? null : AGE_BUCKETS[i - 1]!.max;
      // Bucket bounds are inclusive; an age below 0 (only possible with contradictory events) is
      // counted in the first bucket so that the buckets always add up to the count.
      const cond =
        lower === null
          ? sql`age <= ${b.max}::int`
          : b.max === null
            ? sql`age > ${lower}::int`
            : sql`age > ${lower}::int and age <= ${b.max}::int`;
      return sql`coalesce(sum(n) filter (where ${cond}), 0)::int as ${sql.identifier(`b${i}`)}`;
    }),
    sql`, `,
  );
  const rows = rowsOf<Record<string, unknown>>(
    await readDb(db).execute(sql`
      with by_base as (
        -- Grouped on the stored age_base (one age per distinct value), the age worked out afterwards.
        select case_type, age_base, sum(n)::int as n from (${activeSpans(on, f)}) s group by case_type, age_base
      ),
      hist as (
        select case_type, 0 as is_total, ${on}::date - age_base as age, n from by_base
        union all
        select null, 1, ${on}::date - age_base, sum(n)::int from by_base group by age_base
      ),
      cum as (
        select case_type, is_total, age, n,
          sum(n) over (partition by is_total, case_type order by age) as upto,
          sum(n) over (partition by is_total, case_type) as total
        from hist
      )
      select case_type::text as "caseType", is_total as "isTotal", max(total)::int as "activePending",
        -- Ranks floor((n+1)/2) and floor(n/2)+1: the middle value twice for odd n, the two middle ones for even n.
        min(age) filter (where upto >= (total + 1) / 2) as "medianLow",
        min(age) filter (where upto >= total / 2 + 1) as "medianHigh",
        ${bucketCols}
      from cum
      group by is_total, case_type`),
  );
  return rows.map((r) => ({
    caseType: Number(r.isTotal) === 1 ? null : (r.caseType as CaseType),
    activePending: Number(r.activePending),
    medianLow: Number(r.medianLow),
    medianHigh: Number(r.medianHigh),
    buckets: AGE_BUCKETS.map((_, i) => Number(r[`b${i}`])),
  }));
}

/**
 * Per case type: active pending at the end of `on` and how many are older than the type's largest
 * tier, as prefix sums of pending_net and backlog_net (a few rows per court and case type). When
 * time_standards was edited since the rollups recorded it, the answer comes from the spans instead.
 */
export async function pendingBacklogAt(db: Database, f: KeyFilters, on: string): Promise<PendingBacklog[]> {
  // Only the standards of the case types asked for matter.
  const typeMatch =
    f.caseType === undefined ? sql`true` : sql`coalesce(s.case_type, r.case_type) = ${f.caseType}::case_type`;
  const rows = rowsOf<Record<string, unknown>>(
    await readDb(db).execute(sql`
      with standard as (select case_type, max(days) as days from time_standards group by case_type),
      stale as (
        select count(*)::int as n
        from standard s full join measure_backlog_standards r on r.case_type = s.case_type
        where s.days is distinct from r.days and ${typeMatch}
      ),
      per_type as (
        select m.case_type, sum(m.pending_net)::int as pending, sum(m.backlog_net)::int as backlog
        from measure_counts m
        where ${piecesFilter(decompose(null, on, MEASURE_GRAIN.year))} and ${sliceFilter(f, { perType: true })}
        group by m.case_type
      )
      select st.n as "stale", p.case_type::text as "caseType", p.pending as "activePending",
        p.backlog as "backlog", s.days as "standardDays"
      from stale st
      left join (per_type p left join standard s on s.case_type = p.case_type) on p.pending <> 0`),
  );
  if (Number(rows[0]?.stale ?? 0) > 0) return pendingBacklogFromSpans(db, f, on);
  return rows
    .filter((r) => r.caseType !== null && r.caseType !== undefined)
    .map((r) => ({
      caseType: r.caseType as CaseType,
      activePending: Number(r.activePending),
      standardDays: r.standardDays === null || r.standardDays === undefined ? null : Number(r.standardDays),
      backlog: Number(r.backlog),
    }));
}

/** The same figures from measure_pending_spans: exact whatever the recorded standards. */
async function pendingBacklogFromSpans(db: Database, f: KeyFilters, on: string): Promise<PendingBacklog[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await readDb(db).execute(sql`
      with by_type as (
        select s.case_type, sum(s.n)::int as n,
          -- Age = on - age_base exceeds the standard's days.
          coalesce(sum(s.n) filter (where s.age_base < ${on}::date - std.days), 0)::int as backlog,
          max(std.days) as standard_days
        from (${activeSpans(on, f)}) s
        left join (select case_type, max(days) as days from time_standards group by case_type) std
          on std.case_type = s.case_type
        group by s.case_type
      )
      select case_type::text as "caseType", n as "activePending", standard_days as "standardDays",
        backlog as "backlog"
      from by_type`),
  );
  return rows.map((r) => ({
    caseType: r.caseType as CaseType,
    activePending: Number(r.activePending),
    standardDays: r.standardDays === null || r.standardDays === undefined ? null : Number(r.standardDays),
    backlog: Number(r.backlog),
  }));
}
