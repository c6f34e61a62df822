import { z } from "@hono/zod-openapi";
import { IMPORT_STATUSES } from "../../db/schema/enums";
import { cursorParam } from "../../lib/cursor";
import { isoDate, limitParam } from "../../lib/openapi";
import { formatParam } from "../../lib/openapi-csv";

const FileCountsSchema = z.object({
  total: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
});

const FileInfoSchema = z
  .object({
    filename: z.string().nullable(),
    bytes: z.number().int(),
    rows: z.number().int().openapi({ description: "Data rows in the file" }),
    superseded: z.number().int().openapi({
      description: "Rows replaced by a later line with the same key (the last line wins); not processed",
    }),
  })
  .nullable();

export const RowErrorSchema = z
  .object({
    file: z.enum(["cases", "activities"]),
    line: z
      .number()
      .int()
      .openapi({ description: "Physical line of the file where the row starts (header = 1)" }),
    field: z.string().nullable(),
    message: z.string(),
  })
  .openapi("ImportRowError");

export const ImportBatchSchema = z
  .object({
    id: z.number().int(),
    source: z.string(),
    extractDate: z.string(),
    status: z.enum(IMPORT_STATUSES),
    checksum: z.string(),
    files: z.object({ cases: FileInfoSchema, activities: FileInfoSchema }),
    counts: z.object({ cases: FileCountsSchema, activities: FileCountsSchema }),
    progress: z.object({
      phase: z.enum(["cases", "activities", "rollups", "done"]).openapi({
        description:
          "cases, then activities, then done (rollups: the moment between the last rows and the final status)",
      }),
      processedRows: z.number().int(),
      totalRows: z.number().int(),
      percent: z.number().int(),
    }),
    errorCount: z.number().int(),
    failureReason: z.string().nullable(),
    run: z.number().int(),
    createdBy: z.number().int().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable().openapi({
      description: "When the rows were in: the status is final from then on (the measures follow)",
    }),
    measuresRefreshedAt: z
      .string()
      .nullable()
      .openapi({
        description:
          "When the measures took in every case the batch changed (the refresh job runs after the batch is " +
          "done, for every waiting batch at once); null until then, and again while a retry runs. Measure " +
          "responses whose dataAsOf is at or after it include this batch",
        example: "2026-11-26T02:14:07.512Z",
      }),
    updatedAt: z.string(),
  })
  .openapi("ImportBatch");

export const ImportBatchDetail = ImportBatchSchema.extend({
  errors: z.array(RowErrorSchema).openapi({ description: "The first row errors (all of them: /errors)" }),
  rollupCasesPending: z
    .number()
    .int()
    .openapi({ description: "Cases of this batch the measure refresh has still to take in" }),
}).openapi("ImportBatchDetail");

export const ImportQueued = z
  .object({ id: z.number().int(), status: z.literal("queued") })
  .openapi("ImportQueued");

export const ImportBatchList = z
  .object({ data: z.array(ImportBatchSchema), nextCursor: z.string().nullable() })
  .openapi("ImportBatchList");

export const ListImportsQuery = z.object({
  status: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const list = v.split(",").map((s) => s.trim());
      const bad = list.filter((s) => !(IMPORT_STATUSES as readonly string[]).includes(s));
      if (bad.length) {
        ctx.addIssue({ code: "custom", message: `unknown status ${bad.join(", ")}` });
        return z.NEVER;
      }
      return list as (typeof IMPORT_STATUSES)[number][];
    })
    .openapi({ description: "Comma-separated statuses", example: "completed,completed_with_errors" }),
  source: z.string().max(100).optional(),
  from: isoDate.optional().openapi({ description: "Extract date on or after" }),
  to: isoDate.optional().openapi({ description: "Extract date on or before" }),
  createdBy: z.coerce.number().int().positive().optional(),
  cursor: cursorParam(z.object({ id: z.number().int().positive() })).optional(),
  limit: limitParam,
});

export const ErrorsQuery = z.object({
  format: formatParam,
  cursor: cursorParam(
    z.object({
      file: z.number().int().min(1).max(2),
      line: z.number().int().min(0),
      seq: z.number().int().min(0),
    }),
  ).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const RowErrorList = z
  .object({ data: z.array(RowErrorSchema), nextCursor: z.string().nullable() })
  .openapi("ImportRowErrorList");

/** The form fields of an upload (the files are read as they stream in). */
export const UploadFields = z.object({
  source: z
    .string()
    .trim()
    .min(1, "is required")
    .max(100)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .refine((s) => !/[\u0000-\u001F\u007F]/.test(s), "must not contain control characters"),
  extractDate: isoDate,
  force: z
    .enum(["true", "false", "1", "0", "on"])
    .optional()
    .transform((v) => v === "true" || v === "1" || v === "on"),
});

/** For the OpenAPI document only: the upload is read as a stream, not through a validator. */
export const UploadForm = z
  .object({
    cases: z.string().openapi({ type: "string", format: "binary", description: "cases.csv" }).optional(),
    activities: z
      .string()
      .openapi({ type: "string", format: "binary", description: "activities.csv" })
      .optional(),
    source: z.string().openapi({ example: "cms-nightly" }),
    extractDate: z.string().openapi({ example: "2026-11-25" }),
    force: z
      .enum(["true", "false"])
      .optional()
      .openapi({ description: "Import even if the same files were imported" }),
  })
  .openapi("ImportUpload");
