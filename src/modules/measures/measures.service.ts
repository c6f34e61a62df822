import type { Database } from "../../db/client";
import { CASE_TYPES, type CaseType } from "../../db/schema/enums";
import { addDays, daysBetween } from "../../lib/dates";
import { countsByJudge, countsByPeriod, pendingCountAt, tier90Counts } from "./measures.counts.repo";
import { periodsOf } from "./measures.dates";
import { type DispositionStats, dispositionMedian, dispositionStats } from "./measures.dispositions.repo";
import { change, mean, median, percent } from "./measures.math";
import { AGE_BUCKETS, pendingAgesAt, pendingBacklogAt } from "./measures.pending.repo";
import type {
  Backlog,
  Caseflow,
  Clearance,
  Continuances,
  JudgeWorkload,
  PendingAge,
  Summary,
  TimeToDisposition,
  TrialDateCertainty,
} from "./measures.schemas";
import { trialSettingCounts } from "./measures.trials.repo";
import type { Granularity, MeasureFilters } from "./measures.types";

// The measures of docs/measures.md. The repos return exact integer aggregates computed in
// PostgreSQL; this layer applies the rounding rules (measures.math.ts) and fills in empty periods.
// Lists per case type contain the types that have data, in vocabulary order.

const typeOrder = (t: CaseType) => CASE_TYPES.indexOf(t);

/** Clearance rate (CourTools 2): outgoing / incoming × 100 per period and in total. */
export async function clearance(
  db: Database,
  f: MeasureFilters,
  granularity: Granularity,
): Promise<Clearance> {
  const rows = await countsByPeriod(db, f, f.from, f.to, granularity);
  const byPeriod = new Map(rows.map((r) => [r.period, r]));
  const data = periodsOf(f.from, f.to, granularity).map((p) => {
    const r = byPeriod.get(p.label);
    const incoming = r?.incoming ?? 0;
    const outgoing = r?.outgoing ?? 0;
    return { period: p.label, incoming, outgoing, clearanceRate: percent(outgoing, incoming) };
  });
  const incoming = data.reduce((s, d) => s + d.incoming, 0);
  const outgoing = data.reduce((s, d) => s + d.outgoing, 0);
  return { granularity, data, total: { incoming, outgoing, clearanceRate: percent(outgoing, incoming) } };
}

function dispositionFigures(s: DispositionStats | undefined) {
  if (!s || s.count === 0) return { count: 0, meanDays: null, medianDays: null, p90Days: null };
  return {
    count: s.count,
    meanDays: mean(s.sumDays, s.count),
    medianDays: median(s.medianLow, s.medianHigh),
    p90Days: s.p90,
  };
}

/** Time to disposition (CourTools 3) of the disposed events in the period. */
export async function timeToDisposition(db: Database, f: MeasureFilters): Promise<TimeToDisposition> {
  const stats = await dispositionStats(db, f, f.from, f.to);
  const data = byTypeOrder(stats).map((s) => ({
    caseType: s.caseType,
    ...dispositionFigures(s),
    withinStandard: s.tiers.map((t) => ({
      percent: t.percent,
      days: t.days,
      withinRate: percent(t.within, s.count),
    })),
  }));
  return { data, total: dispositionFigures(stats.find((s) => s.caseType === null)) };
}

const byTypeOrder = <T extends { caseType: CaseType | null }>(rows: T[]) =>
  rows
    .filter((s): s is T & { caseType: CaseType } => s.caseType !== null)
    .sort((a, b) => typeOrder(a.caseType) - typeOrder(b.caseType));

/** Age of the active pending caseload (CourTools 4) at asOf. */
export async function pendingAge(db: Database, f: MeasureFilters): Promise<PendingAge> {
  const stats = await pendingAgesAt(db, f, f.asOf);
  const total = stats.find((s) => s.caseType === null);
  return {
    activePending: total?.activePending ?? 0,
    medianAgeDays: total ? median(total.medianLow, total.medianHigh) : null,
    buckets: AGE_BUCKETS.map((b, i) => ({ label: b.label, count: total?.buckets[i] ?? 0 })),
    byCaseType: byTypeOrder(stats).map((s) => ({
      caseType: s.caseType,
      activePending: s.activePending,
      medianAgeDays: median(s.medianLow, s.medianHigh),
    })),
  };
}

/** Backlog at asOf: active pending older than the case type's largest time-standard tier. */
export async function backlog(db: Database, f: MeasureFilters): Promise<Backlog> {
  const rows = byTypeOrder(await pendingBacklogAt(db, f, f.asOf));
  const activePending = rows.reduce((sum, r) => sum + r.activePending, 0);
  const count = rows.reduce((sum, r) => sum + r.backlog, 0);
  return {
    activePending,
    backlog: count,
    backlogRate: percent(count, activePending),
    byCaseType: rows.map((s) => ({
      caseType: s.caseType,
      standardDays: s.standardDays,
      activePending: s.activePending,
      backlog: s.backlog,
      backlogRate: percent(s.backlog, s.activePending),
    })),
  };
}

/** The trial-setting buckets of CourTools 5, in the order of trialSettingCounts' bySettings. */
export const SETTING_BUCKETS = ["0", "1", "2", "3", "4+"] as const;

/** Trial date certainty (CourTools 5) over the cases disposed by trial in the period. */
export async function trialDateCertainty(db: Database, f: MeasureFilters): Promise<TrialDateCertainty> {
  const t = await trialSettingCounts(db, f, f.from, f.to);
  const [s0, s1] = t.bySettings;
  return {
    casesTried: t.casesTried,
    distribution: SETTING_BUCKETS.map((label, i) => ({ label, count: t.bySettings[i] ?? 0 })),
    // Tried on the first setting = exactly one setting, among the cases with at least one.
    firstSettingRate: percent(s1, t.casesTried - s0),
    meanSettings: mean(t.totalSettings, t.casesTried),
  };
}

/** Continuance rate over hearing and trial_setting events with an outcome in the period. */
export async function continuances(db: Database, f: MeasureFilters): Promise<Continuances> {
  const [r] = await countsByPeriod(db, f, f.from, f.to, "total");
  const events = r?.hearings ?? 0;
  const continued = r?.continued ?? 0;
  return { events, continued, continuanceRate: percent(continued, events) };
}

/**
 * Caseflow per period: beginPending is the active pending caseload at the end of the day before
 * the period, endPending at the end of its last day. Incoming and outgoing are the status events of
 * the clearance rate; they need not add up to the change in pending (a case placed inactive and
 * later disposed leaves the caseload once but counts as outgoing twice).
 */
export async function caseflow(db: Database, f: MeasureFilters, granularity: Granularity): Promise<Caseflow> {
  const [begin, rows] = await Promise.all([
    pendingCountAt(db, f, addDays(f.from, -1)),
    countsByPeriod(db, f, f.from, f.to, granularity),
  ]);
  const byPeriod = new Map(rows.map((r) => [r.period, r]));
  let pending = begin;
  const data = periodsOf(f.from, f.to, granularity).map((p) => {
    const r = byPeriod.get(p.label);
    const beginPending = pending;
    pending += r?.pendingNet ?? 0;
    return {
      period: p.label,
      beginPending,
      incoming: r?.incoming ?? 0,
      outgoing: r?.outgoing ?? 0,
      endPending: pending,
    };
  });
  return { granularity, data };
}

/** Per assigned judge: incoming, outgoing, clearance in the period and active pending at `to`. */
export async function judgeWorkload(db: Database, f: MeasureFilters): Promise<JudgeWorkload> {
  const rows = await countsByJudge(db, f, f.from, f.to);
  return { data: rows.map((r) => ({ ...r, clearanceRate: percent(r.outgoing, r.incoming) })) };
}

interface Kpis {
  clearanceRate: number | null;
  activePending: number;
  backlogRate: number | null;
  medianDaysToDisposition: number | null;
  within90TierRate: number | null;
}

async function kpisOf(db: Database, f: MeasureFilters): Promise<Kpis> {
  const [flow, pending, middle, t90] = await Promise.all([
    countsByPeriod(db, f, f.from, f.to, "total"),
    pendingBacklogAt(db, f, f.asOf),
    dispositionMedian(db, f, f.from, f.to),
    tier90Counts(db, f, f.from, f.to),
  ]);
  const activePending = pending.reduce((sum, r) => sum + r.activePending, 0);
  const backlogCount = pending.reduce((sum, r) => sum + r.backlog, 0);
  return {
    clearanceRate: percent(flow[0]?.outgoing ?? 0, flow[0]?.incoming ?? 0),
    activePending,
    backlogRate: percent(backlogCount, activePending),
    medianDaysToDisposition: middle ? median(middle.low, middle.high) : null,
    within90TierRate: t90 ? percent(t90.within, t90.count) : await within90FromDispositions(db, f),
  };
}

/**
 * The share within the 90% tier from the dispositions themselves, for when the rollups recorded
 * other standards than time_standards holds now. Case types without a 90% tier (post_conviction
 * has only 98%) do not enter the share.
 */
async function within90FromDispositions(db: Database, f: MeasureFilters): Promise<number | null> {
  let within = 0;
  let measured = 0;
  for (const s of await dispositionStats(db, f, f.from, f.to)) {
    const tier = s.tiers.find((t) => t.percent === 90);
    if (s.caseType === null || !tier) continue;
    within += tier.within;
    measured += s.count;
  }
  return percent(within, measured);
}

/**
 * The dashboard's KPI cards for the period, next to the previous period of the same number of days
 * (ending the day before `from`; its asOf shifted back by the same length).
 */
export async function summary(db: Database, f: MeasureFilters): Promise<Summary> {
  const length = daysBetween(f.from, f.to) + 1;
  const previous: MeasureFilters = {
    ...f,
    from: addDays(f.from, -length),
    to: addDays(f.from, -1),
    asOf: addDays(f.asOf, -length),
  };
  const [now, before] = await Promise.all([kpisOf(db, f), kpisOf(db, previous)]);
  const kpi = (key: keyof Kpis) => ({
    value: now[key],
    previous: before[key],
    change: change(now[key], before[key]),
  });
  return {
    period: { from: f.from, to: f.to, asOf: f.asOf },
    previousPeriod: { from: previous.from, to: previous.to, asOf: previous.asOf },
    clearanceRate: kpi("clearanceRate"),
    activePending: kpi("activePending"),
    backlogRate: kpi("backlogRate"),
    medianDaysToDisposition: kpi("medianDaysToDisposition"),
    within90TierRate: kpi("within90TierRate"),
  };
}
