import { type SQL, sql } from "drizzle-orm";
import { COUNT_COLUMN_LIST, counts, SUMS_OF_X } from "./measures.rollups.counts.sql";

// The SQL that derives each case's measure facts from its activities. One statement set serves the
// full rebuild (every case) and the incremental refresh (the cases listed in the temp table
// _mr_cases): `scope` is either an empty fragment or a join on that table.

/** Longest span of each length class (index = class): 16, 32, … 4096 days. */
export const SPAN_CLASS_MAX_DAYS = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096] as const;
/** Spans still open, or longer than the last class. */
export const SPAN_OPEN_CLASS = SPAN_CLASS_MAX_DAYS.length;

/**
 * Every builder below reads the case attributes (court, type, judge, disposition) from `cases`: the
 * cases table for a full rebuild, or the refresh's own snapshot of them (CASES_OF_REFRESH), so that
 * an incremental refresh joins a few thousand rows rather than probing cases once per fact.
 */
export const CASES_TABLE = sql`cases`;
export const CASES_OF_REFRESH = sql`(select case_id as id, court_id, case_type, judge_id, disposition
  from _mr_cases where court_id is not null)`;

const STATUS_TYPES = sql`('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed')`;

/**
 * Order of status events within one day, used only to decide a case's state at the end of a day
 * that holds several: openings first, then placed_inactive, then disposed. So a case filed and
 * disposed on the same day is not pending that evening, and a reactivation and a placed_inactive on
 * the same day leave it inactive.
 */
const RANK = sql`case type when 'filed' then 0 when 'reopened' then 1 when 'reactivated' then 2
  when 'placed_inactive' then 3 else 4 end`;

/**
 * _mr_dates: one row per case and distinct status-event date d that opens an active span or holds a
 * disposed event, with
 * - state_rank: the rank of the day's last event (<= 2: active pending at the end of d);
 * - s: the start date, the latest filed/reopened date on or before d (the "start date" of docs/measures.md);
 * - idays: inactive days between s and d: for each placed_inactive dated s <= p < d, the days to the
 *   next reactivated event (strictly after p: a same-day reactivation came before it), or to d;
 * - next_d: the case's next status-event date (where the span that starts at d ends).
 */
export function datesTableSql(scope: SQL): SQL {
  return sql`
    create temp table _mr_dates on commit drop as
    with ev as materialized (
      select a.case_id, a.occurred_on as d, a.type
      from case_activities a ${scope}
      where a.type in ${STATUS_TYPES}
    ),
    inactive as (
      select p.case_id, p.d as p, min(r.d) as nr
      from ev p left join ev r on r.case_id = p.case_id and r.type = 'reactivated' and r.d > p.d
      where p.type = 'placed_inactive'
      group by p.case_id, p.d
    ),
    by_day as (
      select case_id, d, max(${RANK}) as state_rank,
        bool_or(type = 'disposed') as has_disposed,
        bool_or(type in ('filed', 'reopened')) as has_start
      from ev
      group by case_id, d
    ),
    timeline as (
      select case_id, d, state_rank, has_disposed,
        max(case when has_start then d end) over (partition by case_id order by d) as s,
        lead(d) over (partition by case_id order by d) as next_d
      from by_day
    ),
    inactive_days as (
      -- "to D" for a period still open at D: least(next reactivation, D).
      select t.case_id, t.d, sum(least(coalesce(i.nr, t.d), t.d) - i.p) as n
      from timeline t join inactive i on i.case_id = t.case_id and i.p >= t.s and i.p < t.d
      where t.state_rank <= 2 or t.has_disposed
      group by t.case_id, t.d
    )
    select t.case_id, t.d, t.state_rank, t.has_disposed, t.s, coalesce(n.n, 0)::int as idays, t.next_d
    from timeline t left join inactive_days n on n.case_id = t.case_id and n.d = t.d
    where t.state_rank <= 2 or t.has_disposed`;
}

const LEN_CLASS = sql.raw(
  `case when next_d is null then ${SPAN_OPEN_CLASS} ${SPAN_CLASS_MAX_DAYS.map(
    (max, c) => `when next_d - d <= ${max} then ${c}`,
  ).join(" ")} else ${SPAN_OPEN_CLASS} end`,
);

/**
 * Active pending spans [d, next_d) of the dates whose day ends active. A case with no filed or
 * reopened event yet has no start date, hence no age: it is left out of the pending caseload.
 */
export const insertSpansSql = (cases: SQL) => sql`
  insert into measure_pending_spans (case_id, active_from, active_to, age_base, len_class, court_id, case_type, judge_id)
  select g.case_id, g.d, g.next_d, g.s + g.idays, ${LEN_CLASS}, c.court_id, c.case_type, c.judge_id
  from _mr_dates g join ${cases} c on c.id = g.case_id
  where g.state_rank <= 2 and g.s is not null`;

/**
 * One row per disposed event: days = disposed date − start date − inactive days, the trial settings
 * of a case disposed by trial, and the case's next disposed date.
 */
export const insertDispositionsSql = (cases: SQL) => sql`
  insert into measure_dispositions (case_id, disposed_on, court_id, case_type, judge_id, days, by_trial,
    trial_settings, next_disposed_on)
  select g.case_id, g.d, c.court_id, c.case_type, c.judge_id,
    case when g.s is not null then g.d - g.s - g.idays end,
    coalesce(c.disposition in ('jury_trial', 'bench_trial'), false),
    case when c.disposition in ('jury_trial', 'bench_trial') then (
      -- Settings dated on or before the disposed date, whatever their outcome.
      select count(*)::int from case_activities t
      where t.case_id = g.case_id and t.type = 'trial_setting' and t.occurred_on <= g.d
    ) end,
    -- The window runs after the where clause: over the case's disposed dates only.
    lead(g.d) over (partition by g.case_id order by g.d)
  from _mr_dates g join ${cases} c on c.id = g.case_id
  where g.has_disposed`;

/**
 * Per case and day, what the case adds to measure_counts: status events by type; active pending
 * spans starting minus ending; the case entering minus leaving the backlog; disposed events timed
 * against the 90% tier; court events with an outcome.
 *
 * Backlog: during a span [d, next_d) the age is D - base (base = s + idays), so the case is older than
 * its type's largest tier M from base + M + 1 on; it is in backlog from max(d, base + M + 1) until the
 * span ends, if that comes first. M and the 90% tier are the ones recorded in
 * measure_backlog_standards, never read from time_standards here, so every case uses the same.
 */
export function insertCaseDaysSql(scope: SQL, cases: SQL): SQL {
  // Each branch feeds some counters; counts() fills the rest with 0, in COUNT_COLUMNS order.
  return sql`
    insert into measure_case_days (case_id, day, court_id, case_type, judge_id, ${COUNT_COLUMN_LIST})
    with backlog as (
      select g.case_id, greatest(g.d, g.s + g.idays + std.days + 1) as day, g.next_d
      from _mr_dates g
      join ${cases} c on c.id = g.case_id
      join measure_backlog_standards std on std.case_type = c.case_type
      where g.state_rank <= 2 and g.s is not null
        and (g.next_d is null or greatest(g.d, g.s + g.idays + std.days + 1) < g.next_d)
    )
    select x.case_id, x.day, c.court_id, c.case_type, c.judge_id, ${SUMS_OF_X}
    from (
      select a.case_id, a.occurred_on as day, ${counts({
        filed: sql`(a.type = 'filed')::int`,
        reopened: sql`(a.type = 'reopened')::int`,
        reactivated: sql`(a.type = 'reactivated')::int`,
        placed_inactive: sql`(a.type = 'placed_inactive')::int`,
        disposed: sql`(a.type = 'disposed')::int`,
      })}
      from case_activities a ${scope}
      where a.type in ${STATUS_TYPES}
      union all
      select case_id, d, ${counts({ pending_net: 1 })} from _mr_dates where state_rank <= 2 and s is not null
      union all
      select case_id, next_d, ${counts({ pending_net: -1 })} from _mr_dates
      where state_rank <= 2 and s is not null and next_d is not null
      union all
      select case_id, day, ${counts({ backlog_net: 1 })} from backlog
      union all
      select case_id, next_d, ${counts({ backlog_net: -1 })} from backlog where next_d is not null
      union all
      select g.case_id, g.d, ${counts({ t90_count: 1, t90_within: sql`(g.d - g.s - g.idays <= std.tier90_days)::int` })}
      from _mr_dates g
      join ${cases} c on c.id = g.case_id
      join measure_backlog_standards std on std.case_type = c.case_type and std.tier90_days is not null
      where g.has_disposed and g.s is not null
      union all
      -- Continuance rate: hearings and trial settings with a non-empty outcome.
      select a.case_id, a.occurred_on, ${counts({ hearings: 1, continued: sql`(a.outcome = 'continued')::int` })}
      from case_activities a ${scope}
      where a.type in ('hearing', 'trial_setting') and a.outcome is not null
    ) x join ${cases} c on c.id = x.case_id
    group by x.case_id, x.day, c.court_id, c.case_type, c.judge_id`;
}

/** The standards the rollups are computed with, from time_standards (see measure_backlog_standards). */
export function recordStandardsSql(types?: SQL): SQL {
  return sql`
    insert into measure_backlog_standards (case_type, days, tier90_days)
    select case_type, max(days), max(days) filter (where percent = 90)
    from time_standards ${types ? sql`where case_type = any(${types})` : sql``}
    group by case_type`;
}
