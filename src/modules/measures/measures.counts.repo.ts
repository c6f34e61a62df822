import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { readDb } from "../../db/replicas";
import { addDays } from "../../lib/dates";
import { decompose, MEASURE_GRAIN } from "./measures.grains";
import { maxGrainFor, periodLabelSql, piecesFilter, sliceFilter } from "./measures.sql";
import type { Granularity, KeyFilters } from "./measures.types";

// Queries over measure_counts: event counts per period, and active pending at a date as a prefix
// sum of pending_net. Ranges are inclusive of both ends; decompose() turns them into whole years,
// months and days so that each day is summed exactly once.

export interface PeriodCounts {
  period: string;
  incoming: number;
  outgoing: number;
  /** Spans of active pending starting minus ending in the period: endPending − beginPending. */
  pendingNet: number;
  /** hearing and trial_setting events with an outcome, and those continued. */
  hearings: number;
  continued: number;
}

/** Sums per period label for the days from..to (inclusive); periods without rows are absent. */
export async function countsByPeriod(
  db: Database,
  f: KeyFilters,
  from: string,
  to: string,
  granularity: Granularity,
): Promise<PeriodCounts[]> {
  const pieces = decompose(from, to, maxGrainFor(granularity));
  const rows = rowsOf<PeriodCounts>(
    await readDb(db).execute(sql`
      select ${periodLabelSql(granularity)} as period,
        coalesce(sum(filed + reopened + reactivated), 0)::int as "incoming",
        coalesce(sum(placed_inactive + disposed), 0)::int as "outgoing",
        coalesce(sum(pending_net), 0)::int as "pendingNet",
        coalesce(sum(hearings), 0)::int as "hearings",
        coalesce(sum(continued), 0)::int as "continued"
      from measure_counts
      where ${piecesFilter(pieces)} and ${sliceFilter(f)}
      group by 1`),
  );
  return rows.map((r) => ({
    period: String(r.period),
    incoming: Number(r.incoming),
    outgoing: Number(r.outgoing),
    pendingNet: Number(r.pendingNet),
    hearings: Number(r.hearings),
    continued: Number(r.continued),
  }));
}

/**
 * Dispositions in from..to with known days of case types that have a 90% tier, and those within it,
 * from the t90 columns; null when time_standards changed since the rollups recorded the 90% tiers
 * (the caller then works it out from the dispositions themselves).
 */
export async function tier90Counts(
  db: Database,
  f: KeyFilters,
  from: string,
  to: string,
): Promise<{ count: number; within: number } | null> {
  const typeMatch =
    f.caseType === undefined ? sql`true` : sql`coalesce(s.case_type, r.case_type) = ${f.caseType}::case_type`;
  const rows = rowsOf<{ stale: number; count: number; within: number }>(
    await readDb(db).execute(sql`
      with stale as (
        select count(*)::int as n
        from (select case_type, max(days) filter (where percent = 90) as days from time_standards group by case_type) s
        full join measure_backlog_standards r on r.case_type = s.case_type
        where s.days is distinct from r.tier90_days and ${typeMatch}
      )
      select (select n from stale) as stale,
        coalesce(sum(t90_count), 0)::int as count, coalesce(sum(t90_within), 0)::int as within
      from measure_counts
      where ${piecesFilter(decompose(from, to, MEASURE_GRAIN.year))} and ${sliceFilter(f)}`),
  );
  const r = rows[0];
  if (!r || Number(r.stale) > 0) return null;
  return { count: Number(r.count), within: Number(r.within) };
}

/**
 * Active pending cases at the end of day `on`: every span that started on or before it minus every
 * span that ended on or before it (a span ending on `on` is no longer pending that day).
 */
export async function pendingCountAt(db: Database, f: KeyFilters, on: string): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await readDb(db).execute(sql`
      select coalesce(sum(pending_net), 0)::int as n
      from measure_counts
      where ${piecesFilter(decompose(null, on, MEASURE_GRAIN.year))} and ${sliceFilter(f)}`),
  );
  return Number(rows[0]?.n ?? 0);
}

export interface JudgeCounts {
  judgeId: number;
  judgeCode: string;
  judgeName: string;
  incoming: number;
  outgoing: number;
  activePending: number;
}

/**
 * Per assigned judge: incoming and outgoing over from..to and active pending at the end of `to`.
 * Cases with no judge are left out; so are judges with nothing in any column.
 */
export async function countsByJudge(
  db: Database,
  f: KeyFilters,
  from: string,
  to: string,
): Promise<JudgeCounts[]> {
  // The prefix up to `to` is the range itself plus everything before it: each row is read once.
  // One index-only range (measure_counts_judges_idx) per piece, hence union all rather than or.
  const pieces = [
    ...decompose(from, to, MEASURE_GRAIN.year).map((p) => ({ ...p, flow: true })),
    ...decompose(null, addDays(from, -1), MEASURE_GRAIN.year).map((p) => ({ ...p, flow: false })),
  ];
  const judge = f.judgeId === undefined ? sql`judge_id is not null` : sql`judge_id = ${f.judgeId}::int`;
  const scans = pieces.map(
    (p) => sql`
      select judge_id, ${p.flow}::boolean as flow, filed + reopened + reactivated as incoming,
        placed_inactive + disposed as outgoing, pending_net
      from measure_counts
      where ${piecesFilter([p])} and ${sliceFilter(f, { judge })}`,
  );
  const rows = rowsOf<JudgeCounts>(
    await readDb(db).execute(sql`
      with per_judge as (
        select judge_id,
          coalesce(sum(incoming) filter (where flow), 0)::int as incoming,
          coalesce(sum(outgoing) filter (where flow), 0)::int as outgoing,
          coalesce(sum(pending_net), 0)::int as pending
        from (${sql.join(scans, sql` union all `)}) x
        group by judge_id
      )
      select j.id as "judgeId", j.code as "judgeCode", j.name as "judgeName",
        p.incoming as "incoming", p.outgoing as "outgoing", p.pending as "activePending"
      from per_judge p join judges j on j.id = p.judge_id
      where p.incoming <> 0 or p.outgoing <> 0 or p.pending <> 0
      order by j.code`),
  );
  return rows.map((r) => ({
    judgeId: Number(r.judgeId),
    judgeCode: String(r.judgeCode),
    judgeName: String(r.judgeName),
    incoming: Number(r.incoming),
    outgoing: Number(r.outgoing),
    activePending: Number(r.activePending),
  }));
}
