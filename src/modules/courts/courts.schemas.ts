import { z } from "@hono/zod-openapi";
import { COURT_LEVELS } from "../../db/schema/enums";
import { cursorParam } from "../../lib/cursor";
import { bodyId, codeField, limitParam, nameField, queryBool } from "../../lib/openapi";
import { formatParam } from "../../lib/openapi-csv";

const code = codeField.openapi({ example: "D01" });
const name = nameField;
const courtId = bodyId;

export const CourtSchema = z
  .object({
    id: z.number().int(),
    code: z.string(),
    name: z.string(),
    level: z.enum(COURT_LEVELS),
    parentId: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "null for a top-level court, or when the parent lies outside your scope" }),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Court");

export interface CourtTreeNodeJson {
  id: number;
  code: string;
  name: string;
  level: (typeof COURT_LEVELS)[number];
  active: boolean;
  children: CourtTreeNodeJson[];
}

export const CourtTreeNode: z.ZodType<CourtTreeNodeJson> = z
  .object({
    id: z.number().int(),
    code: z.string(),
    name: z.string(),
    level: z.enum(COURT_LEVELS),
    active: z.boolean(),
    get children() {
      return z.array(CourtTreeNode);
    },
  })
  .openapi("CourtTreeNode");

export const CourtTree = z.object({ data: z.array(CourtTreeNode) }).openapi("CourtTree");

const CourtRef = z.object({ id: z.number().int(), code: z.string(), name: z.string() }).openapi("CourtRef");

export const CourtJudge = z
  .object({
    id: z.number().int(),
    code: z.string(),
    name: z.string(),
    /** home = the judge's home court; assigned = a current assignment. */
    via: z.enum(["home", "assignment"]),
  })
  .openapi("CourtJudge");

export const CaseCounts = z
  .object({ active: z.number().int(), inactive: z.number().int(), disposed: z.number().int() })
  .openapi("CaseCounts");

export const CourtDetail = CourtSchema.extend({
  parent: CourtRef.nullable(),
  children: z.array(CourtSchema),
  judges: z.array(CourtJudge),
  caseCounts: CaseCounts.openapi({
    description: "Cases of this court and its descendants by status (refreshed at most a minute late)",
  }),
}).openapi("CourtDetail");

export const CourtCursor = z.object({ code: z.string() });

export const ListCourtsQuery = z.object({
  level: z.enum(COURT_LEVELS).optional(),
  active: queryBool.optional(),
  search: z.string().trim().min(1).max(100).optional().openapi({ description: "Part of the code or name" }),
  limit: limitParam,
  cursor: cursorParam(CourtCursor).optional(),
  format: formatParam,
});

export const TreeQuery = z.object({ format: formatParam });

export const CourtList = z
  .object({ data: z.array(CourtSchema), nextCursor: z.string().nullable() })
  .openapi("CourtList");

/** The parent is given by id or by code, not both; absent or null = a top-level court. */
const parentFields = {
  parentId: courtId.nullable().optional(),
  parentCode: code.optional(),
};

function oneParent(b: { parentId?: number | null; parentCode?: string }, ctx: z.RefinementCtx) {
  if (b.parentId != null && b.parentCode !== undefined) {
    ctx.addIssue({ code: "custom", path: ["parentCode"], message: "give parentId or parentCode, not both" });
  }
}

export const CreateCourtBody = z
  .object({ code, name, level: z.enum(COURT_LEVELS), ...parentFields })
  .superRefine(oneParent)
  .openapi("CreateCourt");

export const UpdateCourtBody = z
  .object({
    code: code.optional(),
    name: name.optional(),
    level: z.enum(COURT_LEVELS).optional(),
    active: z.boolean().optional(),
    ...parentFields,
  })
  .superRefine(oneParent)
  .refine((b) => Object.keys(b).length > 0, { message: "at least one field is required" })
  .openapi("UpdateCourt");

export type CreateCourtInput = z.output<typeof CreateCourtBody>;
export type UpdateCourtInput = z.output<typeof UpdateCourtBody>;
