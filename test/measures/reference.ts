// A deliberately naive implementation of every measure of docs/measures.md, straight from the definitions,
// over in-memory rows: one case and one day at a time, no rollups. The randomized test compares the
// SQL/rollup implementation with it.
import type { ActivityType, CaseType, Disposition, Outcome } from "../../src/db/schema/enums";
import { CASE_TYPES } from "../../src/db/schema/enums";
import { addDays, daysBetween } from "../../src/lib/dates";
import { periodsOf } from "../../src/modules/measures/measures.dates";
import { change, mean, percent } from "../../src/modules/measures/measures.math";
import type { Granularity, MeasureFilters } from "../../src/modules/measures/measures.types";

export interface RefCase {
  id: number;
  courtId: number;
  caseType: CaseType;
  judgeId: number | null;
  disposition: Disposition | null;
}
export interface RefActivity {
  caseId: number;
  type: ActivityType;
  occurredOn: string;
  outcome: Outcome | null;
}
export interface RefJudge {
  id: number;
  code: string;
  name: string;
}
export interface RefModel {
  cases: RefCase[];
  activities: RefActivity[];
  judges: RefJudge[];
  standards: Partial<Record<CaseType, { percent: number; days: number }[]>>;
}

const RANK: Partial<Record<ActivityType, number>> = {
  filed: 0,
  reopened: 1,
  reactivated: 2,
  placed_inactive: 3,
  disposed: 4,
};
const isStatus = (t: ActivityType) => RANK[t] !== undefined;

function statusEvents(m: RefModel, caseId: number): RefActivity[] {
  return m.activities
    .filter((a) => a.caseId === caseId && isStatus(a.type))
    .sort((a, b) =>
      a.occurredOn === b.occurredOn ? RANK[a.type]! - RANK[b.type]! : a.occurredOn < b.occurredOn ? -1 : 1,
    );
}

/** Latest filed or reopened date on or before d. */
function startDate(ev: RefActivity[], d: string): string | null {
  let s: string | null = null;
  for (const e of ev)
    if ((e.type === "filed" || e.type === "reopened") && e.occurredOn <= d) s = e.occurredOn;
  return s;
}

/** Sum over placed_inactive p with s <= p < d of (min(next reactivated after p, d) - p). */
function inactiveDays(ev: RefActivity[], s: string, d: string): number {
  let total = 0;
  for (const p of ev) {
    if (p.type !== "placed_inactive" || p.occurredOn < s || p.occurredOn >= d) continue;
    const next = ev.find((r) => r.type === "reactivated" && r.occurredOn > p.occurredOn);
    const end = next && next.occurredOn < d ? next.occurredOn : d;
    total += daysBetween(p.occurredOn, end);
  }
  return total;
}

function matches(m: RefModel, c: RefCase, f: MeasureFilters): boolean {
  if (f.courtIds !== null && !f.courtIds.includes(c.courtId)) return false;
  if (f.caseType !== undefined && c.caseType !== f.caseType) return false;
  if (f.judgeId !== undefined && c.judgeId !== f.judgeId) return false;
  return m.cases.includes(c);
}

/** Ages of the active pending cases at d, with their case types. */
function pendingAt(m: RefModel, f: MeasureFilters, d: string): { caseType: CaseType; age: number }[] {
  const out: { caseType: CaseType; age: number }[] = [];
  for (const c of m.cases) {
    if (!matches(m, c, f)) continue;
    const ev = statusEvents(m, c.id).filter((e) => e.occurredOn <= d);
    const last = ev.at(-1);
    if (!last || RANK[last.type]! > 2) continue;
    const s = startDate(ev, d);
    if (s === null) continue; // no start date: no age (data error), left out as in the rollups
    out.push({ caseType: c.caseType, age: daysBetween(s, d) - inactiveDays(ev, s, d) });
  }
  return out;
}

function medianOf(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 === 1 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
}

function p90Of(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.ceil((9 * v.length) / 10) - 1]!;
}

function flow(m: RefModel, f: MeasureFilters, from: string, to: string) {
  let incoming = 0;
  let outgoing = 0;
  let events = 0;
  let continued = 0;
  for (const a of m.activities) {
    if (a.occurredOn < from || a.occurredOn > to) continue;
    const c = m.cases.find((x) => x.id === a.caseId)!;
    if (!matches(m, c, f)) continue;
    if (a.type === "filed" || a.type === "reopened" || a.type === "reactivated") incoming++;
    if (a.type === "placed_inactive" || a.type === "disposed") outgoing++;
    if ((a.type === "hearing" || a.type === "trial_setting") && a.outcome !== null) {
      events++;
      if (a.outcome === "continued") continued++;
    }
  }
  return { incoming, outgoing, events, continued };
}

export function refClearance(m: RefModel, f: MeasureFilters, g: Granularity) {
  const data = periodsOf(f.from, f.to, g).map((p) => {
    const { incoming, outgoing } = flow(m, f, p.from, p.to);
    return { period: p.label, incoming, outgoing, clearanceRate: percent(outgoing, incoming) };
  });
  const t = flow(m, f, f.from, f.to);
  return {
    granularity: g,
    data,
    total: { incoming: t.incoming, outgoing: t.outgoing, clearanceRate: percent(t.outgoing, t.incoming) },
  };
}

export function refContinuances(m: RefModel, f: MeasureFilters) {
  const t = flow(m, f, f.from, f.to);
  return { events: t.events, continued: t.continued, continuanceRate: percent(t.continued, t.events) };
}

export function refCaseflow(m: RefModel, f: MeasureFilters, g: Granularity) {
  return {
    granularity: g,
    data: periodsOf(f.from, f.to, g).map((p) => {
      const { incoming, outgoing } = flow(m, f, p.from, p.to);
      return {
        period: p.label,
        beginPending: pendingAt(m, f, addDays(p.from, -1)).length,
        incoming,
        outgoing,
        endPending: pendingAt(m, f, p.to).length,
      };
    }),
  };
}

function dispositionDays(m: RefModel, f: MeasureFilters, from: string, to: string) {
  const out: { caseType: CaseType; days: number }[] = [];
  for (const c of m.cases) {
    if (!matches(m, c, f)) continue;
    const ev = statusEvents(m, c.id);
    for (const e of ev) {
      if (e.type !== "disposed" || e.occurredOn < from || e.occurredOn > to) continue;
      const s = startDate(ev, e.occurredOn);
      if (s === null) continue;
      out.push({
        caseType: c.caseType,
        days: daysBetween(s, e.occurredOn) - inactiveDays(ev, s, e.occurredOn),
      });
    }
  }
  return out;
}

const figures = (days: number[]) => ({
  count: days.length,
  meanDays: mean(
    days.reduce((a, b) => a + b, 0),
    days.length,
  ),
  medianDays: medianOf(days),
  p90Days: p90Of(days),
});

export function refTimeToDisposition(m: RefModel, f: MeasureFilters) {
  const all = dispositionDays(m, f, f.from, f.to);
  const data = CASE_TYPES.flatMap((t) => {
    const days = all.filter((d) => d.caseType === t).map((d) => d.days);
    if (days.length === 0) return [];
    return [
      {
        caseType: t,
        ...figures(days),
        withinStandard: (m.standards[t] ?? []).map((tier) => ({
          percent: tier.percent,
          days: tier.days,
          withinRate: percent(days.filter((d) => d <= tier.days).length, days.length),
        })),
      },
    ];
  });
  return { data, total: figures(all.map((d) => d.days)) };
}

const BUCKETS: [string, number, number][] = [
  ["0-30", -Infinity, 30],
  ["31-60", 31, 60],
  ["61-90", 61, 90],
  ["91-180", 91, 180],
  ["181-365", 181, 365],
  ["366+", 366, Infinity],
];

export function refPendingAge(m: RefModel, f: MeasureFilters) {
  const p = pendingAt(m, f, f.asOf);
  return {
    activePending: p.length,
    medianAgeDays: medianOf(p.map((x) => x.age)),
    buckets: BUCKETS.map(([label, lo, hi]) => ({
      label,
      count: p.filter((x) => x.age >= lo && x.age <= hi).length,
    })),
    byCaseType: CASE_TYPES.flatMap((t) => {
      const ages = p.filter((x) => x.caseType === t).map((x) => x.age);
      return ages.length ? [{ caseType: t, activePending: ages.length, medianAgeDays: medianOf(ages) }] : [];
    }),
  };
}

const maxTier = (m: RefModel, t: CaseType) => {
  const tiers = m.standards[t] ?? [];
  return tiers.length ? Math.max(...tiers.map((x) => x.days)) : null;
};

export function refBacklog(m: RefModel, f: MeasureFilters) {
  const p = pendingAt(m, f, f.asOf);
  const isBacklog = (x: { caseType: CaseType; age: number }) => {
    const max = maxTier(m, x.caseType);
    return max !== null && x.age > max;
  };
  const backlog = p.filter(isBacklog).length;
  return {
    activePending: p.length,
    backlog,
    backlogRate: percent(backlog, p.length),
    byCaseType: CASE_TYPES.flatMap((t) => {
      const of = p.filter((x) => x.caseType === t);
      if (!of.length) return [];
      const b = of.filter(isBacklog).length;
      return [
        {
          caseType: t,
          standardDays: maxTier(m, t),
          activePending: of.length,
          backlog: b,
          backlogRate: percent(b, of.length),
        },
      ];
    }),
  };
}

export function refTrialDateCertainty(m: RefModel, f: MeasureFilters) {
  const counts: number[] = [];
  for (const c of m.cases) {
    if (!matches(m, c, f) || (c.disposition !== "jury_trial" && c.disposition !== "bench_trial")) continue;
    const disposals = statusEvents(m, c.id).filter(
      (e) => e.type === "disposed" && e.occurredOn >= f.from && e.occurredOn <= f.to,
    );
    const last = disposals.at(-1);
    if (!last) continue;
    counts.push(
      m.activities.filter(
        (a) => a.caseId === c.id && a.type === "trial_setting" && a.occurredOn <= last.occurredOn,
      ).length,
    );
  }
  const n = (k: number) => counts.filter((x) => (k === 4 ? x >= 4 : x === k)).length;
  return {
    casesTried: counts.length,
    distribution: ["0", "1", "2", "3", "4+"].map((label, i) => ({ label, count: n(i) })),
    firstSettingRate: percent(n(1), counts.length - n(0)),
    meanSettings: mean(
      counts.reduce((a, b) => a + b, 0),
      counts.length,
    ),
  };
}

export function refJudgeWorkload(m: RefModel, f: MeasureFilters) {
  const data = [...m.judges]
    .sort((a, b) => (a.code < b.code ? -1 : 1))
    .flatMap((j) => {
      const jf = { ...f, judgeId: f.judgeId ?? j.id };
      if (jf.judgeId !== j.id) return [];
      const t = flow(m, jf, f.from, f.to);
      const activePending = pendingAt(m, jf, f.to).length;
      if (t.incoming === 0 && t.outgoing === 0 && activePending === 0) return [];
      return [
        {
          judgeId: j.id,
          judgeCode: j.code,
          judgeName: j.name,
          incoming: t.incoming,
          outgoing: t.outgoing,
          activePending,
          clearanceRate: percent(t.outgoing, t.incoming),
        },
      ];
    });
  return { data };
}

function refKpis(m: RefModel, f: MeasureFilters) {
  const t = flow(m, f, f.from, f.to);
  const b = refBacklog(m, f);
  const d = dispositionDays(m, f, f.from, f.to);
  const measured = d.filter((x) => (m.standards[x.caseType] ?? []).some((tier) => tier.percent === 90));
  const within = measured.filter(
    (x) => x.days <= m.standards[x.caseType]!.find((tier) => tier.percent === 90)!.days,
  );
  return {
    clearanceRate: percent(t.outgoing, t.incoming),
    activePending: b.activePending,
    backlogRate: b.backlogRate,
    medianDaysToDisposition: medianOf(d.map((x) => x.days)),
    within90TierRate: percent(within.length, measured.length),
  };
}

export function refSummary(m: RefModel, f: MeasureFilters) {
  const length = daysBetween(f.from, f.to) + 1;
  const prev = {
    ...f,
    from: addDays(f.from, -length),
    to: addDays(f.from, -1),
    asOf: addDays(f.asOf, -length),
  };
  const now = refKpis(m, f);
  const before = refKpis(m, prev);
  const kpi = (k: keyof typeof now) => ({
    value: now[k],
    previous: before[k],
    change: change(now[k], before[k]),
  });
  return {
    period: { from: f.from, to: f.to, asOf: f.asOf },
    previousPeriod: { from: prev.from, to: prev.to, asOf: prev.asOf },
    clearanceRate: kpi("clearanceRate"),
    activePending: kpi("activePending"),
    backlogRate: kpi("backlogRate"),
    medianDaysToDisposition: kpi("medianDaysToDisposition"),
    within90TierRate: kpi("within90TierRate"),
  };
}
