import { z } from "@hono/zod-openapi";
import { CASE_TYPES } from "../../db/schema/enums";
import { addYears, isIsoDate, todayIso } from "../../lib/dates";
import { isoDateBetween, queryId } from "../../lib/openapi";
import { formatParam } from "../../lib/openapi-csv";

// Query and response schemas of /api/measures. Dates are inclusive YYYY-MM-DD; defaults: to = today
// (UTC), from = the same day a year before to, asOf = to.

/** Longest range a query may ask for. */
export const MAX_RANGE_YEARS = 10;

const isoDate = isoDateBetween("1900-01-01", "2999-12-31").openapi({ example: "2024-06-30" });

const id = queryId;

const filterShape = {
  from: isoDate
    .optional()
    .openapi({ description: "First day of the period (inclusive); default: a year before `to`" }),
  to: isoDate.optional().openapi({ description: "Last day of the period (inclusive); default: today" }),
  asOf: isoDate
    .optional()
    .openapi({ description: "Date of the pending caseload (pending age, backlog, summary); default: `to`" }),
  courtId: id.optional().openapi({ description: "A court; its descendants are included" }),
  caseType: z.enum(CASE_TYPES).optional(),
  judgeId: id.optional().openapi({ description: "The cases' assigned judge" }),
  format: formatParam,
  fresh: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "true: bypass the cache and recompute (admin and analyst only)" }),
};

export const GRANULARITIES = ["month", "quarter", "year", "total"] as const;

export interface ResolvedDates {
  from: string;
  to: string;
  asOf: string;
}

/** Applies the date defaults. `today` is injectable for tests. */
export function resolveDates(
  q: { from?: string; to?: string; asOf?: string },
  today = todayIso(),
): ResolvedDates {
  const to = q.to ?? today;
  const from = q.from ?? addYears(to, -1);
  return { from, to, asOf: q.asOf ?? to };
}

/** Cross-field rules, checked on the defaulted dates so `from` alone after today is caught too. */
function checkRange(q: { from?: string; to?: string; asOf?: string }, ctx: z.RefinementCtx): void {
  if ((q.from !== undefined && !isIsoDate(q.from)) || (q.to !== undefined && !isIsoDate(q.to))) return;
  const { from, to } = resolveDates(q);
  if (from > to) ctx.addIssue({ code: "custom", path: ["from"], message: "must not be after `to`" });
  else if (from < addYears(to, -MAX_RANGE_YEARS))
    ctx.addIssue({
      code: "custom",
      path: ["from"],
      message: `the range must not exceed ${MAX_RANGE_YEARS} years`,
    });
}

export const MeasureQuery = z.object(filterShape).superRefine(checkRange).openapi("MeasureQuery");

export const MeasureGranularityQuery = z
  .object({ ...filterShape, granularity: z.enum(GRANULARITIES).default("month") })
  .superRefine(checkRange)
  .openapi("MeasureGranularityQuery");

export type MeasureQueryInput = z.infer<typeof MeasureQuery>;

// --- responses -----------------------------------------------------------------------------------

const rate = z
  .number()
  .nullable()
  .openapi({ description: "Percentage, 2 decimals; null without a denominator" });
const days = z.number().nullable().openapi({ description: "Days; null when there is nothing to measure" });
const count = z.number().int();

/**
 * What a measure's figures cover, echoed by every measure response (JSON `coverage`; the CSV repeats
 * the dates and filters on every row): the effective dates after defaults, the filters applied, and
 * the court set the figures were computed over.
 */
export const CoverageSchema = z
  .object({
    from: z.string().nullable().openapi({
      description: "First day of the period the figures count (inclusive); null for a measure of one date",
      example: "2024-01-01",
    }),
    to: z.string().nullable().openapi({
      description: "Last day of the period (inclusive); null for a measure of one date",
      example: "2024-12-31",
    }),
    asOf: z.string().nullable().openapi({
      description: "Date of the pending caseload figures; null for a measure without them",
      example: "2024-12-31",
    }),
    filters: z
      .object({
        courtId: z.number().int().nullable(),
        caseType: z.enum(CASE_TYPES).nullable(),
        judgeId: z.number().int().nullable(),
      })
      .openapi({ description: "The filters applied (null = not filtered)" }),
    courtIds: z.array(z.number().int()).nullable().openapi({
      description:
        "The courts counted: the courtId filter's subtree within your scope, sorted; null = every court (no court filter and an unrestricted scope); [] = none visible",
    }),
  })
  .openapi("MeasureCoverage");

export type Coverage = z.infer<typeof CoverageSchema>;

/** When the figures' rollups last took in a refresh (measures.freshness.repo.ts). */
const DataAsOf = z
  .string()
  .nullable()
  .openapi({
    description:
      "When the measure rollups these figures were read from last took in a refresh (ISO 8601, UTC): every " +
      "import whose measuresRefreshedAt is at or before it is included, later ones are not yet. Also the " +
      "Data-As-Of header. null when the rollups were never refreshed",
    example: "2026-11-26T02:14:07.512Z",
  });

/** One bucket of a distribution; every distribution in the measures is a list of these, in order. */
const Bucket = z
  .object({
    label: z.string().openapi({ description: "The bucket, as in the CSV (`0-30`, `4+`)" }),
    count,
  })
  .openapi("MeasureBucket");

const ClearanceFigures = z.object({ incoming: count, outgoing: count, clearanceRate: rate });

export const ClearanceResponse = z
  .object({
    coverage: CoverageSchema,
    dataAsOf: DataAsOf,
    granularity: z.enum(GRANULARITIES),
    data: z.array(ClearanceFigures.extend({ period: z.string().openapi({ example: "2024-01" }) })),
    total: ClearanceFigures,
  })
  .openapi("Clearance");

const DispositionFigures = z.object({ count, meanDays: days, medianDays: days, p90Days: days });

export const TimeToDispositionResponse = z
  .object({
    coverage: CoverageSchema,
    dataAsOf: DataAsOf,
    data: z.array(
      DispositionFigures.extend({
        caseType: z.enum(CASE_TYPES),
        withinStandard: z.array(z.object({ percent: count, days: count, withinRate: rate })),
      }),
    ),
    total: DispositionFigures,
  })
  .openapi("TimeToDisposition");

export const PendingAgeResponse = z
  .object({
    coverage: CoverageSchema,
    dataAsOf: DataAsOf,
    activePending: count,
    medianAgeDays: days,
    buckets: z
      .array(Bucket)
      .openapi({ description: "Age in days: 0-30, 31-60, 61-90, 91-180, 181-365, 366+" }),
    byCaseType: z.array(
      z.object({ caseType: z.enum(CASE_TYPES), activePending: count, medianAgeDays: days }),
    ),
  })
  .openapi("PendingAge");

export const BacklogResponse = z
  .object({
    coverage: CoverageSchema,
    dataAsOf: DataAsOf,
    activePending: count,
    backlog: count,
    backlogRate: rate,
    byCaseType: z.array(
      z.object({
        caseType: z.enum(CASE_TYPES),
        standardDays: count.nullable(),
        activePending: count,
        backlog: count,
        backlogRate: rate,
      }),
    ),
  })
  .openapi("Backlog");

export const TrialDateCertaintyResponse = z
  .object({
    coverage: CoverageSchema,
    dataAsOf: DataAsOf,
    casesTried: count,
    distribution: z
      .array(Bucket)
      .openapi({ description: "Cases by number of trial settings: 0, 1, 2, 3, 4+" }),
    firstSettingRate: rate,
    meanSettings: z.number().nullable(),
  })
  .openapi("TrialDateCertainty");

export const ContinuancesResponse = z
  .object({
    coverage: CoverageSchema,
    dataAsOf: DataAsOf,
    events: count,
    continued: count,
    continuanceRate: rate,
  })
  .openapi("Continuances");

export const CaseflowResponse = z
  .object({
    coverage: CoverageSchema,
    dataAsOf: DataAsOf,
    granularity: z.enum(GRANULARITIES),
    data: z.array(
      z.object({
        period: z.string(),
        beginPending: count,
        incoming: count,
        outgoing: count,
        endPending: count,
      }),
    ),
  })
  .openapi("Caseflow");

export const JudgeWorkloadResponse = z
  .object({
    coverage: CoverageSchema,
    dataAsOf: DataAsOf,
    data: z.array(
      z.object({
        judgeId: count,
        judgeCode: z.string(),
        judgeName: z.string(),
        incoming: count,
        outgoing: count,
        clearanceRate: rate,
        activePending: count,
      }),
    ),
  })
  .openapi("JudgeWorkload");

const Kpi = z
  .object({
    value: z.number().nullable(),
    previous: z.number().nullable(),
    change: z.number().nullable().openapi({ description: "value − previous (percentage points for rates)" }),
  })
  .openapi("Kpi");

const Window = z.object({ from: z.string(), to: z.string(), asOf: z.string() });

export const SummaryResponse = z
  .object({
    coverage: CoverageSchema,
    dataAsOf: DataAsOf,
    period: Window,
    previousPeriod: Window.openapi({ description: "The same number of days just before `from`" }),
    clearanceRate: Kpi,
    activePending: Kpi,
    backlogRate: Kpi,
    medianDaysToDisposition: Kpi,
    within90TierRate: Kpi.openapi({ description: "Share of dispositions within their case type's 90% tier" }),
  })
  .openapi("MeasuresSummary");

/**
 * The figures a service computes; the cache keeps them with their `dataAsOf`, the route adds the
 * request's `coverage`.
 */
type Figures<S extends z.ZodType> = Omit<z.infer<S>, "coverage" | "dataAsOf">;
export type Clearance = Figures<typeof ClearanceResponse>;
export type TimeToDisposition = Figures<typeof TimeToDispositionResponse>;
export type PendingAge = Figures<typeof PendingAgeResponse>;
export type Backlog = Figures<typeof BacklogResponse>;
export type TrialDateCertainty = Figures<typeof TrialDateCertaintyResponse>;
export type Continuances = Figures<typeof ContinuancesResponse>;
export type Caseflow = Figures<typeof CaseflowResponse>;
export type JudgeWorkload = Figures<typeof JudgeWorkloadResponse>;
export type Summary = Figures<typeof SummaryResponse>;
