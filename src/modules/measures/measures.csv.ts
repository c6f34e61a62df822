import type { CsvColumn } from "../../lib/csv";
import type {
  Backlog,
  Caseflow,
  Clearance,
  Continuances,
  Coverage,
  JudgeWorkload,
  PendingAge,
  Summary,
  TimeToDisposition,
  TrialDateCertainty,
} from "./measures.schemas";

// The text/csv form of each measure: one flat table per response, snake_case headers, the same
// figures as the JSON (rates in percent, 2 decimals; empty cell = null). Every row starts with the
// dates the figures cover and ends with the filters applied (withCoverage), so a saved file still
// says what it counts.

export interface CsvTable<T> {
  columns: CsvColumn<T>[];
  rows: T[];
}

type Row = Record<string, string | number | null>;
const cols = (...names: string[]): CsvColumn<Row>[] => names.map((n) => ({ header: n, value: (r) => r[n] }));

export function clearanceCsv(m: Clearance): CsvTable<Row> {
  const rows: Row[] = m.data.map((d) => ({
    period: d.period,
    incoming: d.incoming,
    outgoing: d.outgoing,
    clearance_rate: d.clearanceRate,
  }));
  if (m.granularity !== "total")
    rows.push({
      period: "total",
      incoming: m.total.incoming,
      outgoing: m.total.outgoing,
      clearance_rate: m.total.clearanceRate,
    });
  return { columns: cols("period", "incoming", "outgoing", "clearance_rate"), rows };
}

/** One row per case type and tier (stats repeated), then the total. */
export function timeToDispositionCsv(m: TimeToDisposition): CsvTable<Row> {
  const stats = (s: TimeToDisposition["total"]) => ({
    count: s.count,
    mean_days: s.meanDays,
    median_days: s.medianDays,
    p90_days: s.p90Days,
  });
  const none = { tier_percent: null, tier_days: null, within_rate: null };
  const rows: Row[] = m.data.flatMap((d) =>
    (d.withinStandard.length ? d.withinStandard : [null]).map((t) => ({
      case_type: d.caseType,
      ...stats(d),
      ...(t ? { tier_percent: t.percent, tier_days: t.days, within_rate: t.withinRate } : none),
    })),
  );
  rows.push({ case_type: "total", ...stats(m.total), ...none });
  return {
    columns: cols(
      "case_type",
      "count",
      "mean_days",
      "median_days",
      "p90_days",
      "tier_percent",
      "tier_days",
      "within_rate",
    ),
    rows,
  };
}

/** The total, then the age buckets, then each case type. */
export function pendingAgeCsv(m: PendingAge): CsvTable<Row> {
  const rows: Row[] = [
    { group: "total", label: "all", active_pending: m.activePending, median_age_days: m.medianAgeDays },
    ...m.buckets.map((b) => ({
      group: "age_days",
      label: b.label,
      active_pending: b.count,
      median_age_days: null,
    })),
    ...m.byCaseType.map((t) => ({
      group: "case_type",
      label: t.caseType,
      active_pending: t.activePending,
      median_age_days: t.medianAgeDays,
    })),
  ];
  return { columns: cols("group", "label", "active_pending", "median_age_days"), rows };
}

export function backlogCsv(m: Backlog): CsvTable<Row> {
  const rows: Row[] = [
    ...m.byCaseType.map((t) => ({
      case_type: t.caseType,
      standard_days: t.standardDays,
      active_pending: t.activePending,
      backlog: t.backlog,
      backlog_rate: t.backlogRate,
    })),
    {
      case_type: "total",
      standard_days: null,
      active_pending: m.activePending,
      backlog: m.backlog,
      backlog_rate: m.backlogRate,
    },
  ];
  return { columns: cols("case_type", "standard_days", "active_pending", "backlog", "backlog_rate"), rows };
}

/** One row: the distribution's buckets become settings_0 … settings_4_plus. */
export function trialDateCertaintyCsv(m: TrialDateCertainty): CsvTable<Row> {
  const bucketColumn = (label: string) => `settings_${label.replace("+", "_plus")}`;
  const row: Row = { cases_tried: m.casesTried };
  for (const b of m.distribution) row[bucketColumn(b.label)] = b.count;
  row.first_setting_rate = m.firstSettingRate;
  row.mean_settings = m.meanSettings;
  return {
    columns: cols(
      "cases_tried",
      ...m.distribution.map((b) => bucketColumn(b.label)),
      "first_setting_rate",
      "mean_settings",
    ),
    rows: [row],
  };
}

export function continuancesCsv(m: Continuances): CsvTable<Row> {
  return {
    columns: cols("events", "continued", "continuance_rate"),
    rows: [{ events: m.events, continued: m.continued, continuance_rate: m.continuanceRate }],
  };
}

export function caseflowCsv(m: Caseflow): CsvTable<Row> {
  return {
    columns: cols("period", "begin_pending", "incoming", "outgoing", "end_pending"),
    rows: m.data.map((d) => ({
      period: d.period,
      begin_pending: d.beginPending,
      incoming: d.incoming,
      outgoing: d.outgoing,
      end_pending: d.endPending,
    })),
  };
}

export function judgeWorkloadCsv(m: JudgeWorkload): CsvTable<Row> {
  const columns = cols(
    "judge_id",
    "judge_code",
    "judge_name",
    "incoming",
    "outgoing",
    "clearance_rate",
    "active_pending",
  );
  // Codes and names are free text from imports: guard them against spreadsheet formulas.
  for (const c of columns) if (c.header === "judge_code" || c.header === "judge_name") c.text = true;
  return {
    columns,
    rows: m.data.map((j) => ({
      judge_id: j.judgeId,
      judge_code: j.judgeCode,
      judge_name: j.judgeName,
      incoming: j.incoming,
      outgoing: j.outgoing,
      clearance_rate: j.clearanceRate,
      active_pending: j.activePending,
    })),
  };
}

/** One row per KPI, with the previous period's bounds on every row (the current ones: withCoverage). */
export function summaryCsv(m: Summary): CsvTable<Row> {
  const kpis = [
    "clearanceRate",
    "activePending",
    "backlogRate",
    "medianDaysToDisposition",
    "within90TierRate",
  ] as const;
  const names = {
    clearanceRate: "clearance_rate",
    activePending: "active_pending",
    backlogRate: "backlog_rate",
    medianDaysToDisposition: "median_days_to_disposition",
    within90TierRate: "within_90_tier_rate",
  };
  return {
    columns: cols("kpi", "value", "previous", "change", "previous_from", "previous_to", "previous_as_of"),
    rows: kpis.map((k) => ({
      kpi: names[k],
      value: m[k].value,
      previous: m[k].previous,
      change: m[k].change,
      previous_from: m.previousPeriod.from,
      previous_to: m.previousPeriod.to,
      previous_as_of: m.previousPeriod.asOf,
    })),
  };
}

/**
 * The coverage on every row: the dates the measure uses first (from, to, as_of), the filters last
 * (filter_court_id, filter_case_type, filter_judge_id; empty = not filtered; prefixed so they never
 * clash with a figure's own column, such as judge-workload's judge_id). The court set a scope allows is not repeated:
 * the JSON's coverage.courtIds has it.
 */
export function withCoverage<T>(table: CsvTable<T>, coverage: Coverage): CsvTable<Row> {
  const dates: Row = {};
  if (coverage.from !== null) dates.from = coverage.from;
  if (coverage.to !== null) dates.to = coverage.to;
  if (coverage.asOf !== null) dates.as_of = coverage.asOf;
  const filters: Row = {
    filter_court_id: coverage.filters.courtId,
    filter_case_type: coverage.filters.caseType,
    filter_judge_id: coverage.filters.judgeId,
  };
  return {
    columns: [
      ...cols(...Object.keys(dates)),
      ...(table.columns as CsvColumn<Row>[]),
      ...cols(...Object.keys(filters)),
    ],
    rows: (table.rows as Row[]).map((r) => ({ ...dates, ...r, ...filters })),
  };
}
