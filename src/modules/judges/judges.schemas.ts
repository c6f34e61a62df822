import { z } from "@hono/zod-openapi";
import { CASE_TYPES } from "../../db/schema/enums";
import { cursorParam } from "../../lib/cursor";
import { bodyId, codeField, isoDate, limitParam, nameField, queryBool, queryId } from "../../lib/openapi";
import { formatParam } from "../../lib/openapi-csv";

const code = codeField.openapi({ example: "J-0042" });
const name = nameField;
const id = bodyId;

export const JudgeSchema = z
  .object({
    id: z.number().int(),
    code: z.string(),
    name: z.string(),
    courtId: z.number().int().nullable().openapi({
      description:
        "Home court; null when it lies outside your scope (the judge is visible through a current assignment to one of your courts)",
    }),
    courtCode: z.string().nullable(),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Judge");

export const AssignmentSchema = z
  .object({
    id: z.number().int(),
    judgeId: z.number().int(),
    courtId: z.number().int(),
    courtCode: z.string(),
    startsOn: z.string(),
    endsOn: z.string().nullable().openapi({ description: "null = current" }),
    current: z.boolean(),
  })
  .openapi("JudgeAssignment");

export const CaseloadSchema = z
  .object({
    active: z.number().int(),
    inactive: z.number().int(),
    disposed: z.number().int(),
    activeByCaseType: z.partialRecord(z.enum(CASE_TYPES), z.number().int()),
  })
  .openapi("JudgeCaseload");

export const JudgeDetail = JudgeSchema.extend({
  assignments: z.array(AssignmentSchema).openapi({ description: "Assignments to courts in your scope" }),
  caseload: CaseloadSchema.openapi({ description: "The judge's cases in courts of your scope" }),
}).openapi("JudgeDetail");

export const JudgeCursor = z.object({ name: z.string(), id: z.number().int() });

export const ListJudgesQuery = z.object({
  courtId: queryId
    .optional()
    .openapi({ description: "Judges of this court or its descendants (home court or a current assignment)" }),
  active: queryBool.optional(),
  search: z.string().trim().min(1).max(100).optional().openapi({ description: "Part of the name or code" }),
  limit: limitParam,
  cursor: cursorParam(JudgeCursor).optional(),
  format: formatParam,
});

export const JudgeList = z
  .object({ data: z.array(JudgeSchema), nextCursor: z.string().nullable() })
  .openapi("JudgeList");

/** Courts are given by id or by code, not both. */
function oneCourt(required: boolean) {
  return (b: { courtId?: number; courtCode?: string }, ctx: z.RefinementCtx) => {
    if (b.courtId !== undefined && b.courtCode !== undefined) {
      ctx.addIssue({ code: "custom", path: ["courtCode"], message: "give courtId or courtCode, not both" });
    } else if (required && b.courtId === undefined && b.courtCode === undefined) {
      ctx.addIssue({ code: "custom", path: ["courtId"], message: "courtId or courtCode is required" });
    }
  };
}

export const CreateJudgeBody = z
  .object({ code, name, courtId: id.optional(), courtCode: code.optional(), active: z.boolean().optional() })
  .superRefine(oneCourt(true))
  .openapi("CreateJudge");

export const UpdateJudgeBody = z
  .object({
    code: code.optional(),
    name: name.optional(),
    courtId: id.optional(),
    courtCode: code.optional(),
    active: z.boolean().optional(),
  })
  .superRefine(oneCourt(false))
  .refine((b) => Object.keys(b).length > 0, { message: "at least one field is required" })
  .openapi("UpdateJudge");

function datesInOrder(b: { startsOn?: string; endsOn?: string | null }, ctx: z.RefinementCtx) {
  if (b.startsOn && b.endsOn && b.endsOn < b.startsOn) {
    ctx.addIssue({ code: "custom", path: ["endsOn"], message: "must not be before startsOn" });
  }
}

export const CreateAssignmentBody = z
  .object({
    courtId: id.optional(),
    courtCode: code.optional(),
    startsOn: isoDate,
    endsOn: isoDate.nullable().optional(),
  })
  .superRefine(oneCourt(true))
  .superRefine(datesInOrder)
  .openapi("CreateJudgeAssignment");

export const UpdateAssignmentBody = z
  .object({
    courtId: id.optional(),
    courtCode: code.optional(),
    startsOn: isoDate.optional(),
    endsOn: isoDate.nullable().optional(),
  })
  .superRefine(oneCourt(false))
  .superRefine(datesInOrder)
  .refine((b) => Object.keys(b).length > 0, { message: "at least one field is required" })
  .openapi("UpdateJudgeAssignment");

export const AssignmentParams = z.object({
  id: queryId.openapi({ param: { name: "id", in: "path" }, example: 1 }),
  assignmentId: queryId.openapi({ param: { name: "assignmentId", in: "path" }, example: 1 }),
});

export type CreateJudgeInput = z.output<typeof CreateJudgeBody>;
export type UpdateJudgeInput = z.output<typeof UpdateJudgeBody>;
export type CreateAssignmentInput = z.output<typeof CreateAssignmentBody>;
export type UpdateAssignmentInput = z.output<typeof UpdateAssignmentBody>;
