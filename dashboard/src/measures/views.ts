import { api, call } from "../api/client";
import type { components } from "../api/schema.gen";
import { type Filters, measureQuery } from "../filters";
import {
  formatChange,
  formatCount,
  formatDateTime,
  formatDays,
  formatNumber,
  formatRate,
  humanize,
} from "../format";
import { hrefOf } from "../router";
import type { ChartSpec, Series, TableSpec } from "../ui/chart-spec";

// Every measure the overview shows, in one place: which route it reads, how its JSON becomes a chart
// and a table, and where its rows drill down to. When a measure's response shape changes, the compiler
// points here and only here.

type S = components["schemas"];

export interface MeasureView<R> {
  id: string;
  title: string;
  /** One sentence under the title: what the figure means. */
  description: string;
  load(f: Filters): Promise<R>;
  /** The same figures as the API's CSV variant. */
  csv(f: Filters): Promise<Blob>;
  csvName: string;
  /** Absent: a table only. */
  chart?(r: R): ChartSpec;
  table(r: R, f: Filters): TableSpec;
  /** A headline under the title, from the figures. */
  headline?(r: R): string;
}

const q = measureQuery;
const monthly = (f: Filters) => ({ ...q(f), granularity: "month" as const });
const casesHref = (f: Filters, extra: Record<string, string | number | boolean | undefined>) =>
  hrefOf("/cases", { court: f.courtId, caseType: f.caseType, judge: f.judgeId, ...extra });

export const clearanceView: MeasureView<S["Clearance"]> = {
  id: "clearance",
  title: "Clearance rate per month",
  description: "Outgoing cases as a share of incoming (CourTools 2); 100% keeps the pending caseload level.",
  load: (f) => call(() => api.GET("/api/measures/clearance", { params: { query: monthly(f) } })),
  csv: (f) =>
    call(() =>
      api.GET("/api/measures/clearance", {
        params: { query: { ...monthly(f), format: "csv" } },
        parseAs: "blob",
      }),
    ),
  csvName: "clearance.csv",
  headline: (r) =>
    `${formatRate(r.total.clearanceRate)} over the period: ${formatCount(r.total.outgoing)} out, ${formatCount(r.total.incoming)} in`,
  chart: (r) => ({
    kind: "bar",
    labels: r.data.map((d) => d.period),
    series: [
      { label: "Incoming", data: r.data.map((d) => d.incoming) },
      { label: "Outgoing", data: r.data.map((d) => d.outgoing) },
      { label: "Clearance rate (%)", data: r.data.map((d) => d.clearanceRate), line: true, right: true },
    ],
    yTitle: "cases",
    rightTitle: "clearance %",
  }),
  table: (r) => ({
    columns: ["Month", "Incoming", "Outgoing", "Clearance rate"],
    rows: [
      ...r.data.map((d) => [
        d.period,
        formatCount(d.incoming),
        formatCount(d.outgoing),
        formatRate(d.clearanceRate),
      ]),
      [
        "Total",
        formatCount(r.total.incoming),
        formatCount(r.total.outgoing),
        formatRate(r.total.clearanceRate),
      ],
    ],
  }),
};

export const caseflowView: MeasureView<S["Caseflow"]> = {
  id: "caseflow",
  title: "Caseflow per month",
  description: "Pending cases at the start and end of each month, with the cases filed and resolved in it.",
  load: (f) => call(() => api.GET("/api/measures/caseflow", { params: { query: monthly(f) } })),
  csv: (f) =>
    call(() =>
      api.GET("/api/measures/caseflow", {
        params: { query: { ...monthly(f), format: "csv" } },
        parseAs: "blob",
      }),
    ),
  csvName: "caseflow.csv",
  chart: (r) => ({
    kind: "bar",
    labels: r.data.map((d) => d.period),
    series: [
      { label: "Incoming", data: r.data.map((d) => d.incoming) },
      { label: "Outgoing", data: r.data.map((d) => d.outgoing) },
      { label: "Pending at month end", data: r.data.map((d) => d.endPending), line: true, right: true },
    ],
    yTitle: "cases in the month",
    rightTitle: "pending",
  }),
  table: (r) => ({
    columns: ["Month", "Pending at start", "Incoming", "Outgoing", "Pending at end"],
    rows: r.data.map((d) => [
      d.period,
      formatCount(d.beginPending),
      formatCount(d.incoming),
      formatCount(d.outgoing),
      formatCount(d.endPending),
    ]),
  }),
};

/** "0-30" → [0, 30]; "366+" → [366, undefined]. */
export function bucketRange(label: string): { min?: number; max?: number } {
  const range = /^(\d+)-(\d+)$/.exec(label);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  const open = /^(\d+)\+$/.exec(label);
  return open ? { min: Number(open[1]) } : {};
}

export const pendingAgeView: MeasureView<S["PendingAge"]> = {
  id: "pending-age",
  title: "Age of the active pending caseload",
  description: "Active pending cases by age in days at the pending date (CourTools 4).",
  load: (f) => call(() => api.GET("/api/measures/pending-age", { params: { query: q(f) } })),
  csv: (f) =>
    call(() =>
      api.GET("/api/measures/pending-age", {
        params: { query: { ...q(f), format: "csv" } },
        parseAs: "blob",
      }),
    ),
  csvName: "pending-age.csv",
  headline: (r) =>
    `${formatCount(r.activePending)} pending on ${r.coverage.asOf}, median age ${formatDays(r.medianAgeDays)}`,
  chart: (r) => ({
    kind: "bar",
    labels: r.buckets.map((b) => `${b.label} d`),
    series: [{ label: "Active pending cases", data: r.buckets.map((b) => b.count) }],
    yTitle: "cases",
  }),
  table: (r, f) => ({
    columns: ["Age (days)", "Cases", "Case list"],
    rows: r.buckets.map((b) => {
      const { min, max } = bucketRange(b.label);
      return [
        b.label,
        formatCount(b.count),
        {
          text: `Cases aged ${b.label} days`,
          href: casesHref(f, { status: "active", minAge: min, maxAge: max }),
        },
      ];
    }),
  }),
};

export const timeToDispositionView: MeasureView<S["TimeToDisposition"]> = {
  id: "time-to-disposition",
  title: "Time to disposition against the time standards",
  description:
    "Share of each case type's dispositions reached within each tier of its model time standard (CourTools 3); the markers are the tier targets.",
  load: (f) => call(() => api.GET("/api/measures/time-to-disposition", { params: { query: q(f) } })),
  csv: (f) =>
    call(() =>
      api.GET("/api/measures/time-to-disposition", {
        params: { query: { ...q(f), format: "csv" } },
        parseAs: "blob",
      }),
    ),
  csvName: "time-to-disposition.csv",
  headline: (r) =>
    `${formatCount(r.total.count)} dispositions, median ${formatDays(r.total.medianDays)}, 90th percentile ${formatDays(r.total.p90Days)}`,
  chart: (r) => {
    const rows = r.data.filter((d) => d.count > 0);
    // Tiers by position: first, second, third (a case type has one to three).
    const depth = Math.max(0, ...rows.map((d) => d.withinStandard.length));
    const series: Series[] = [];
    for (let i = 0; i < depth; i++) {
      series.push({
        label: `Within tier ${i + 1}`,
        data: rows.map((d) => d.withinStandard[i]?.withinRate ?? null),
        color: i,
      });
    }
    for (let i = 0; i < depth; i++) {
      series.push({
        label: `Tier ${i + 1} target`,
        data: rows.map((d) => d.withinStandard[i]?.percent ?? null),
        markers: true,
        color: i,
      });
    }
    return {
      kind: "bar",
      labels: rows.map((d) => humanize(d.caseType)),
      series,
      yTitle: "% of dispositions",
      percent: true,
    };
  },
  table: (r) => ({
    columns: [
      "Case type",
      "Dispositions",
      "Mean",
      "Median",
      "90th percentile",
      "Within the standard's tiers",
    ],
    rows: r.data.map((d) => [
      humanize(d.caseType),
      formatCount(d.count),
      formatDays(d.meanDays),
      formatDays(d.medianDays),
      formatDays(d.p90Days),
      d.withinStandard
        .map((t) => `${formatRate(t.withinRate)} within ${t.days} d (target ${t.percent}%)`)
        .join("; "),
    ]),
  }),
};

export const backlogView: MeasureView<S["Backlog"]> = {
  id: "backlog",
  title: "Backlog by case type",
  description: "Active pending cases older than their case type's longest time-standard tier.",
  load: (f) => call(() => api.GET("/api/measures/backlog", { params: { query: q(f) } })),
  csv: (f) =>
    call(() =>
      api.GET("/api/measures/backlog", { params: { query: { ...q(f), format: "csv" } }, parseAs: "blob" }),
    ),
  csvName: "backlog.csv",
  headline: (r) =>
    `${formatCount(r.backlog)} of ${formatCount(r.activePending)} pending cases (${formatRate(r.backlogRate)}) on ${r.coverage.asOf}`,
  chart: (r) => {
    const rows = r.byCaseType.filter((d) => d.activePending > 0);
    return {
      kind: "bar",
      labels: rows.map((d) => humanize(d.caseType)),
      series: [
        { label: "Within the standard", data: rows.map((d) => d.activePending - d.backlog) },
        { label: "Backlog", data: rows.map((d) => d.backlog) },
      ],
      yTitle: "active pending cases",
      stacked: true,
    };
  },
  table: (r, f) => ({
    columns: ["Case type", "Standard (days)", "Pending", "Backlog", "Backlog rate", "Case list"],
    rows: r.byCaseType.map((d) => [
      humanize(d.caseType),
      d.standardDays === null ? "–" : formatCount(d.standardDays),
      formatCount(d.activePending),
      formatCount(d.backlog),
      formatRate(d.backlogRate),
      {
        text: `Backlog cases: ${humanize(d.caseType)}`,
        href: casesHref({ ...f, caseType: d.caseType }, { status: "active", overStandard: true }),
      },
    ]),
  }),
};

export const trialCertaintyView: MeasureView<S["TrialDateCertainty"]> = {
  id: "trial-date-certainty",
  title: "Trial date certainty",
  description: "How many trial settings the cases tried in the period had (CourTools 5).",
  load: (f) => call(() => api.GET("/api/measures/trial-date-certainty", { params: { query: q(f) } })),
  csv: (f) =>
    call(() =>
      api.GET("/api/measures/trial-date-certainty", {
        params: { query: { ...q(f), format: "csv" } },
        parseAs: "blob",
      }),
    ),
  csvName: "trial-date-certainty.csv",
  headline: (r) =>
    `${formatCount(r.casesTried)} cases tried; ${formatRate(r.firstSettingRate)} on the first setting; ${formatNumber(r.meanSettings)} settings per case`,
  chart: (r) => ({
    kind: "bar",
    labels: r.distribution.map((b) => `${b.label} settings`),
    series: [{ label: "Cases tried", data: r.distribution.map((b) => b.count) }],
    yTitle: "cases",
  }),
  table: (r) => ({
    columns: ["Trial settings", "Cases tried"],
    rows: r.distribution.map((b) => [b.label, formatCount(b.count)]),
  }),
};

export const continuancesView: MeasureView<S["Continuances"]> = {
  id: "continuances",
  title: "Continuances",
  description: "Hearings and trial settings with an outcome in the period, and how many were continued.",
  load: (f) => call(() => api.GET("/api/measures/continuances", { params: { query: q(f) } })),
  csv: (f) =>
    call(() =>
      api.GET("/api/measures/continuances", {
        params: { query: { ...q(f), format: "csv" } },
        parseAs: "blob",
      }),
    ),
  csvName: "continuances.csv",
  headline: (r) =>
    `${formatRate(r.continuanceRate)} continued (${formatCount(r.continued)} of ${formatCount(r.events)})`,
  chart: (r) => ({
    kind: "bar",
    labels: ["Hearings and trial settings"],
    series: [
      { label: "Continued", data: [r.continued] },
      { label: "Not continued", data: [r.events - r.continued] },
    ],
    yTitle: "events",
    stacked: true,
  }),
  table: (r) => ({
    columns: ["Events with an outcome", "Continued", "Continuance rate"],
    rows: [[formatCount(r.events), formatCount(r.continued), formatRate(r.continuanceRate)]],
  }),
};

export const judgeWorkloadView: MeasureView<S["JudgeWorkload"]> = {
  id: "judge-workload",
  title: "Judge workload",
  description:
    "Per judge, for the cases assigned to them: filed and resolved in the period, pending at its end.",
  load: (f) => call(() => api.GET("/api/measures/judge-workload", { params: { query: q(f) } })),
  csv: (f) =>
    call(() =>
      api.GET("/api/measures/judge-workload", {
        params: { query: { ...q(f), format: "csv" } },
        parseAs: "blob",
      }),
    ),
  csvName: "judge-workload.csv",
  table: (r, f) => ({
    columns: ["Judge", "Code", "Incoming", "Outgoing", "Clearance rate", "Active pending"],
    rows: r.data.map((j) => [
      { text: j.judgeName, href: casesHref({ ...f, judgeId: j.judgeId }, { status: "active" }) },
      j.judgeCode,
      formatCount(j.incoming),
      formatCount(j.outgoing),
      formatRate(j.clearanceRate),
      formatCount(j.activePending),
    ]),
  }),
};

// --- KPI cards (GET /api/measures/summary) --------------------------------------------------------

type Summary = S["MeasuresSummary"];

export interface KpiCard {
  id: keyof Omit<Summary, "coverage" | "period" | "previousPeriod" | "dataAsOf">;
  label: string;
  value: string;
  previous: string;
  change: string;
  /** The figures as the API gave them (for the table view and the tests). */
  raw: S["Kpi"];
  /** Whether a rise is good news, for the colour of the change. */
  better: "up" | "down";
}

export function loadSummary(f: Filters): Promise<Summary> {
  return call(() => api.GET("/api/measures/summary", { params: { query: q(f) } }));
}

export function summaryCsv(f: Filters): Promise<Blob> {
  return call(() =>
    api.GET("/api/measures/summary", { params: { query: { ...q(f), format: "csv" } }, parseAs: "blob" }),
  );
}

export function kpiCards(s: Summary): KpiCard[] {
  const card = (
    id: KpiCard["id"],
    label: string,
    fmt: (n: number | null) => string,
    unit: string,
    better: KpiCard["better"],
  ): KpiCard => ({
    id,
    label,
    value: fmt(s[id].value),
    previous: fmt(s[id].previous),
    change: formatChange(s[id].change, unit),
    raw: s[id],
    better,
  });
  return [
    card("clearanceRate", "Clearance rate", formatRate, " pp", "up"),
    card("activePending", "Active pending", formatCount, "", "down"),
    card("backlogRate", "Backlog rate", formatRate, " pp", "down"),
    card("medianDaysToDisposition", "Median days to disposition", formatDays, " d", "down"),
    card("within90TierRate", "Within the 90% tier", formatRate, " pp", "up"),
  ];
}

/**
 * "as of …": the dates the figures describe, from the summary's echo of them, and when the figures
 * last took in imports (dataAsOf: an import finished after it is not in them yet).
 */
export function freshness(s: Summary): string {
  const dates = `Period ${s.period.from} to ${s.period.to} (compared with ${s.previousPeriod.from} to ${s.previousPeriod.to}); pending caseload as of ${s.period.asOf}.`;
  return s.dataAsOf ? `${dates} Figures as of ${formatDateTime(s.dataAsOf)}.` : dates;
}
