import { z } from "@hono/zod-openapi";
import { ACTIVITY_TYPES, CASE_STATUSES, CASE_TYPES, DISPOSITIONS, OUTCOMES } from "../../db/schema/enums";
import { cursorParam } from "../../lib/cursor";
import { isoDate, limitParam, queryBool, queryId } from "../../lib/openapi";
import { formatParam } from "../../lib/openapi-csv";

export const CASE_SORTS = ["filedOn", "-filedOn", "ageDays", "-ageDays", "caseNumber"] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

const positiveId = queryId;
const days = z.coerce.number().int().min(0).max(100_000);

/**
 * The last row's sort key: `k` is the date, the lower-cased case number or the age anchor (null once
 * the cases without an age are being listed), `i` the case id that breaks ties (0 = from the start).
 */
export const CaseCursor = z.object({
  s: z.enum(CASE_SORTS),
  k: z.string().max(300).nullable(),
  i: z.number().int().min(0).max(2_147_483_647),
});
export type CaseCursorValue = z.output<typeof CaseCursor>;

export const ListCasesQuery = z
  .object({
    courtId: positiveId.optional().openapi({ description: "This court and its descendants" }),
    judgeId: positiveId.optional().openapi({ description: "The assigned judge" }),
    caseType: z.enum(CASE_TYPES).optional(),
    status: z.enum(CASE_STATUSES).optional(),
    filedFrom: isoDate.optional(),
    filedTo: isoDate.optional(),
    disposedFrom: isoDate.optional(),
    disposedTo: isoDate.optional(),
    minAgeDays: days.optional().openapi({ description: "Active pending cases at least this old (days)" }),
    maxAgeDays: days.optional().openapi({ description: "Active pending cases at most this old (days)" }),
    overStandard: queryBool.optional().openapi({
      description: "true: active pending cases older than their standard's largest tier; false: within it",
    }),
    search: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "Case number prefix (case-insensitive)" }),
    sort: z.enum(CASE_SORTS).default("-filedOn").openapi({
      description: "ageDays sorts list the cases with an age (active pending) first, then the rest by id",
    }),
    limit: limitParam,
    cursor: cursorParam(CaseCursor).optional(),
    includeTotal: queryBool.optional().openapi({ description: "Also count every matching case (slower)" }),
    format: formatParam,
  })
  .superRefine((q, ctx) => {
    const order = (a: string | number | undefined, b: string | number | undefined, path: string) => {
      if (a !== undefined && b !== undefined && a > b)
        ctx.addIssue({ code: "custom", path: [path], message: "must not be less than its lower bound" });
    };
    order(q.filedFrom, q.filedTo, "filedTo");
    order(q.disposedFrom, q.disposedTo, "disposedTo");
    order(q.minAgeDays, q.maxAgeDays, "maxAgeDays");
  });

export type ListCasesInput = z.output<typeof ListCasesQuery>;

const Ref = z.object({ id: z.number().int(), code: z.string(), name: z.string() });

export const CaseSummary = z
  .object({
    id: z.number().int(),
    courtId: z.number().int(),
    courtCode: z.string(),
    caseNumber: z.string(),
    caseType: z.enum(CASE_TYPES),
    filedOn: z.string(),
    status: z.enum(CASE_STATUSES),
    statusOn: z.string().nullable(),
    judgeId: z.number().int().nullable(),
    judgeName: z.string().nullable(),
    disposedOn: z.string().nullable(),
    disposition: z.enum(DISPOSITIONS).nullable(),
    ageDays: z.number().int().nullable().openapi({ description: "Age today; null unless active pending" }),
    overStandard: z
      .boolean()
      .nullable()
      .openapi({ description: "Age beyond the largest tier; null unless active pending with a standard" }),
  })
  .openapi("CaseSummary");

export const CaseList = z
  .object({
    data: z.array(CaseSummary),
    nextCursor: z.string().nullable(),
    total: z.number().int().optional(),
  })
  .openapi("CaseList");

export const CaseDetail = z
  .object({
    id: z.number().int(),
    caseNumber: z.string(),
    caseType: z.enum(CASE_TYPES),
    filedOn: z.string(),
    status: z.enum(CASE_STATUSES),
    statusOn: z.string().nullable(),
    disposedOn: z.string().nullable(),
    disposition: z.enum(DISPOSITIONS).nullable(),
    court: Ref,
    judge: Ref.nullable(),
    startDate: z
      .string()
      .nullable()
      .openapi({ description: "Latest filed or reopened date on or before today" }),
    inactiveDays: z.number().int().openapi({ description: "Days placed inactive since the start date" }),
    activePending: z.boolean(),
    ageDays: z.number().int().nullable(),
    standard: z
      .object({
        tiers: z.array(z.object({ percent: z.number().int(), days: z.number().int() })),
        maxDays: z.number().int(),
        status: z.enum(["over", "within"]).nullable().openapi({ description: "null unless active pending" }),
      })
      .nullable(),
    asOf: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("CaseDetail");

export const ActivityCursor = z.object({ d: isoDate, i: z.number().int().positive() });

export const ActivitiesQuery = z.object({
  limit: limitParam,
  cursor: cursorParam(ActivityCursor).optional(),
  format: formatParam,
});

export const ActivitySchema = z
  .object({
    id: z.number().int(),
    type: z.enum(ACTIVITY_TYPES),
    occurredOn: z.string(),
    outcome: z.enum(OUTCOMES).nullable(),
    judgeId: z.number().int().nullable(),
    judgeName: z.string().nullable(),
    notes: z.string().nullable(),
    sourceId: z.string().nullable(),
  })
  .openapi("CaseActivity");

export const ActivityList = z
  .object({ data: z.array(ActivitySchema), nextCursor: z.string().nullable() })
  .openapi("CaseActivityList");
