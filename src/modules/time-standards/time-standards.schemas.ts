import { z } from "@hono/zod-openapi";
import { CASE_TYPES } from "../../db/schema/enums";
import { formatParam } from "../../lib/openapi-csv";

export const TierSchema = z
  .object({
    percent: z.number().int().min(1).max(100).openapi({ example: 90 }),
    days: z.number().int().min(1).max(36_500).openapi({ example: 180 }),
  })
  .openapi("TimeStandardTier");

export const TimeStandardSchema = z
  .object({
    caseType: z.enum(CASE_TYPES),
    tiers: z.array(TierSchema),
    maxDays: z.number().int().nullable().openapi({
      description: "The largest tier's days: an active case older than this is over the standard (backlog)",
    }),
    updatedAt: z.string().nullable(),
  })
  .openapi("TimeStandard");

export const TimeStandardList = z.object({ data: z.array(TimeStandardSchema) }).openapi("TimeStandardList");

export const TimeStandardsQuery = z.object({ format: formatParam });

export const CaseTypeParam = z.object({
  caseType: z.enum(CASE_TYPES).openapi({ param: { name: "caseType", in: "path" }, example: "felony" }),
});

/** Tiers ascend in both percent and days: "75% within 90 days, 90% within 180 days, …". */
export const PutTimeStandardBody = z
  .object({ tiers: z.array(TierSchema).min(1).max(10) })
  .superRefine((b, ctx) => {
    b.tiers.forEach((t, i) => {
      const prev = b.tiers[i - 1];
      if (!prev) return;
      if (t.percent <= prev.percent) {
        ctx.addIssue({ code: "custom", path: ["tiers", i, "percent"], message: "percents must ascend" });
      }
      if (t.days <= prev.days) {
        ctx.addIssue({ code: "custom", path: ["tiers", i, "days"], message: "days must ascend" });
      }
    });
  })
  .openapi("PutTimeStandard");

export type TimeStandardJson = z.output<typeof TimeStandardSchema>;
